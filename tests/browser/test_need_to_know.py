"""Need-to-know in the browser: the coordinator shares a note with the police, the police
finds the case under "Our cases" and sees only its part, the coordinator sees who accessed
the case and the person's page; the administrator sees accounts, never cases.
Screenshots go to tests/artifacts/; the pages pass axe-core (no serious/critical problems)."""

import pytest
from playwright.sync_api import expect

from webapp.extensions import db

from ..webapp.helpers import to_consultation
from .conftest import screenshot
from .test_workday import serious_accessibility_problems

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def case_code(live_server):
    _, app = live_server
    with app.app_context():
        case = to_consultation(("police",))
        code = case.code
        db.session.remove()
    return code


def test_sharing_access_list_and_partner_view(as_user, live_server, case_code, browser):
    base, _ = live_server
    coordinator = as_user("coordinator")
    coordinator.goto(f"/cases/{case_code}")
    coordinator.get_by_role("link", name="Who is involved · share").click()
    expect(coordinator.get_by_text("task: Answer information request")).to_be_visible()
    coordinator.get_by_label("Share with").select_option("police")
    coordinator.get_by_label("Note for this organisation").fill(
        "The school confirmed the absences; please include what you know of the weekends.")
    coordinator.get_by_role("button", name="Share", exact=True).click()
    expect(coordinator.get_by_text("Shared with Local police (demo)")).to_be_visible()
    screenshot(coordinator, "sharing")

    police = as_user("police")
    police.get_by_role("link", name="Our cases").click()
    police.get_by_role("link", name=case_code).click()
    expect(police.get_by_text("please include what you know of the weekends")).to_be_visible()
    # told its name with the request (no date of birth or address was recorded), nothing else
    expect(police.locator("section.identity").get_by_text("Test Person")).to_be_visible()
    expect(police.get_by_text("Test Person")).to_have_count(1)
    screenshot(police, "partner-case-view")

    coordinator.goto(f"/cases/{case_code}")
    coordinator.get_by_role("link", name="Who accessed this case").click()
    row = coordinator.locator("tr", has_text="Pat Police")
    expect(row.first).to_contain_text("Local police")
    screenshot(coordinator, "access-list")
    with coordinator.expect_download() as download:
        coordinator.get_by_role("link", name="Export as CSV").click()
    assert download.value.suggested_filename == f"access-{case_code}.csv"

    coordinator.goto(f"/cases/{case_code}")
    coordinator.get_by_role("link", name="The person: correct, erase, export").click()
    expect(coordinator.get_by_label("Name")).to_have_value("Test Person")
    screenshot(coordinator, "person")

    admin = as_user("admin")
    admin.get_by_role("link", name="Administration").click()
    expect(admin.get_by_role("heading", name="Users")).to_be_visible()
    screenshot(admin, "administration")

    for who, path in [("coordinator", f"/cases/{case_code}/sharing"),
                      ("coordinator", f"/audit/cases/{case_code}"),
                      ("coordinator", f"/cases/{case_code}/person"),
                      ("police", "/shared/"), ("police", f"/shared/{case_code}"),
                      ("admin", "/admin/"), ("admin", "/admin/users/new")]:
        assert serious_accessibility_problems(browser, base, who, path) == [], (who, path)
