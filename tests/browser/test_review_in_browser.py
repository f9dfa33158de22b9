"""The periodic review in a browser: the table ticks which open actions to close, the page
says what that means, and the case's record and timeline name the closed action."""

import pytest
from playwright.sync_api import expect

from tests.webapp.helpers import to_review
from webapp.models import utcnow

from .conftest import screenshot
from .test_workday import serious_accessibility_problems

pytestmark = pytest.mark.browser
SCHOOL_ACTION = "1. Talk with the parents about school — Pupil guidance centre (demo)"


@pytest.fixture(scope="module")
def review(live_server):
    """A case at its review with two open actions (school, social services): (code, task id)."""
    _, app = live_server
    with app.app_context():
        case, task = to_review(utcnow())
        return case.code, task.id


def test_the_review_page_is_accessible(browser, live_server, review):
    base, _ = live_server
    _, task_id = review
    assert serious_accessibility_problems(browser, base, "coordinator", f"/tasks/{task_id}") == []


def test_the_table_closes_one_action_and_the_record_names_it(as_user, review):
    code, task_id = review
    coordinator = as_user("coordinator")
    coordinator.goto(f"/tasks/{task_id}")
    choices = coordinator.get_by_role("group", name="Close these actions")
    school = choices.get_by_label(SCHOOL_ACTION)
    coach = choices.get_by_label("2. Offer a family coach — Social services (demo)")
    expect(school).not_to_be_checked()
    expect(coach).not_to_be_checked()
    school.check()
    coordinator.get_by_label("Progress since the last consultation").fill(
        "School talks went well.")
    coordinator.get_by_label("Low", exact=True).check()
    coordinator.get_by_label("Continue the plan until the next review").check()
    choices.scroll_into_view_if_needed()
    screenshot(coordinator, "task-form-review-close-actions")
    coordinator.get_by_role("button", name="Submit and complete task").click()
    expect(coordinator.locator(".alert-success")).to_contain_text("is done")

    coordinator.goto(f"/cases/{code}")
    timeline = coordinator.locator(".timeline")
    expect(timeline).to_contain_text("Action closed by the table (Pupil guidance centre (demo))")
    expect(timeline).not_to_contain_text("Offer a family coach")
    record = coordinator.locator("dd", has_text=SCHOOL_ACTION)
    expect(record.first).to_be_visible()
