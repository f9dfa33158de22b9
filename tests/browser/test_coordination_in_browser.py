"""Coordinating in the browser: an urgent signal in the coordinator's inbox, the overview of
the partners' tasks with an overdue request and a reminder that reaches the police, a case
waiting for its review with the date and "Review now", and finding a case by the person.
Screenshots go to tests/artifacts/."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.webapp.helpers import actor, inbox, register, requests_for
from webapp.extensions import db
from webapp.models import utcnow
from webapp.services import tasks

from .conftest import ARTIFACTS, screenshot
from .test_workday import example, fill_task_form, serious_accessibility_problems

pytestmark = pytest.mark.browser


def complete(username: str, case, spec_name: str, data: dict, now=None) -> None:
    """Complete the user's task of this step on this case (other cases may wait there too)."""
    task = next(t for t in inbox(username) if t.case_id == case.id and t.spec_name == spec_name)
    tasks.complete_task(actor(username), task.id, data, now=now)
    db.session.commit()


def to_consultation(partners, now=None):
    """A case registered and taken through intake to information requests to ``partners``
    (tests.webapp.helpers.to_consultation, for a server where other cases wait too)."""
    case = register(now=now, full_name="Test Person")
    complete("coordinator", case, "register_signal", example("register-signal"), now)
    complete("coordinator", case, "confirm_intake_decision",
             example("intake-decision", intake_decision="multi_agency"), now)
    complete("coordinator", case, "request_information",
             example("request-information", partners=requests_for(*partners),
                     deadline_days=14), now)
    return case


def test_an_urgent_signal_comes_first_in_the_coordinators_inbox(browser, live_server, as_user):
    base, app = live_server
    with app.app_context():  # calm cases that have waited longer at their intake decision
        for days in (9, 6, 3):
            case = register(now=utcnow() - timedelta(days=days), full_name="Calm Case")
            complete("coordinator", case, "register_signal", example("register-signal"),
                     now=utcnow() - timedelta(days=days))
    police = as_user("police")
    police.get_by_role("link", name="Report a signal").click()
    data = example("register-signal", immediate_danger=True)
    del data["signaller_organisation"]
    fill_task_form(police, data)
    police.get_by_role("button", name="Send the signal to the coordinator").click()
    code = re.search(r"MAW-\d{4}-\d{4}", police.content()).group(0)

    coordinator = as_user("coordinator")
    first = coordinator.locator("tbody tr").first
    expect(first).to_contain_text(code)
    expect(first).to_contain_text("Confirm intake decision")
    expect(first.locator(".urgent-badge")).to_have_text(re.compile("Urgent"))
    expect(coordinator.locator(".urgent-badge")).to_have_count(1)
    expect(coordinator.locator("tbody tr")).to_have_count(4)
    screenshot(coordinator, "inbox-urgent-case")
    assert serious_accessibility_problems(browser, base, "coordinator", "/") == []

    first.get_by_role("link", name="Confirm intake decision").click()
    banner = coordinator.locator(".urgent-banner")
    expect(banner).to_contain_text("Immediate danger was reported in the signal.")
    expect(banner).to_contain_text("call the emergency services or the police first")
    expect(coordinator.get_by_text("Immediate danger was reported.", exact=False).first
           ).to_be_visible()
    screenshot(coordinator, "task-urgent-intake")

    # the urgent route, with its reason; the referral is recorded next, at once
    coordinator.get_by_label("Urgent route").check()
    coordinator.get_by_label("Reasoning").fill("Threat against a teacher: police informed.")
    coordinator.get_by_role("button", name="Submit and complete task").click()
    expect(coordinator.get_by_role("heading", name="Record the urgent referral", level=1)
           ).to_be_visible()
    fill_task_form(coordinator, example("urgent-referral"))
    coordinator.get_by_role("button", name="Submit and complete task").click()
    expect(coordinator.get_by_text("is done")).to_be_visible()
    coordinator.goto(f"/cases/{code}")
    expect(coordinator.get_by_text("Threat against a teacher: police informed.").first
           ).to_be_visible()


def test_the_overview_shows_an_overdue_request_and_sends_a_reminder(browser, live_server,
                                                                     as_user):
    base, app = live_server
    with app.app_context():
        late = to_consultation(("police", "mentalhealth"), now=utcnow() - timedelta(days=19))
        to_consultation(("school",), now=utcnow() - timedelta(days=2))
        code = late.code
    coordinator = as_user("coordinator")
    coordinator.get_by_role("link", name="Partners' tasks").click()
    expect(coordinator.get_by_role("heading", name="Partners' open tasks")).to_be_visible()
    police_row = coordinator.locator("tbody tr", has_text=code).filter(
        has_text="Local police (demo)")
    expect(police_row).to_contain_text("Overdue by 5 days")
    expect(police_row).to_contain_text("What does police know?")
    silent = coordinator.locator("tbody tr", has_text="Mental health service (demo)").first
    expect(silent).to_contain_text("No active users: nobody sees this task")
    screenshot(coordinator, "coordinator-overview-overdue")
    assert serious_accessibility_problems(browser, base, "coordinator", "/overview") == []

    police_row.get_by_role("button", name=re.compile("Send a reminder now")).click()
    expect(coordinator.get_by_text("Reminder sent to Local police (demo)")).to_be_visible()
    expect(coordinator.locator("tbody tr", has_text=code).filter(
        has_text="Local police (demo)")).to_contain_text("Sent ")
    coordinator.get_by_label("Organisation", exact=True).select_option(label="Local police (demo)")
    coordinator.get_by_role("button", name="Apply").click()
    expect(coordinator.locator("tbody tr").filter(has_text="Mental health")).to_have_count(0)

    police = as_user("police")
    row = police.locator("tbody tr", has_text=code)
    expect(row.locator(".reminder-badge")).to_contain_text("Reminder sent")
    screenshot(police, "inbox-partner-reminder")


def test_a_case_waiting_for_its_review_shows_the_date_and_review_now(browser, live_server,
                                                                     as_user):
    base, app = live_server
    with app.app_context():
        case = to_consultation(("police", "social"))
        complete("police", case, "answer_information_request", example("information-answer"))
        complete("social", case, "answer_information_request",
                 example("information-answer", nothing_to_share=True))
        complete("coordinator", case, "case_consultation", example("case-consultation"))
        complete("coordinator", case, "agree_action_plan",
                 example("action-plan", review_months=3))
        complete("school", case, "carry_out_action", example("action-report"))
        complete("social", case, "carry_out_action", example("action-report"))
        code = case.code
        db.session.remove()
    coordinator = as_user("coordinator")
    coordinator.goto(f"/cases/{code}")
    diagram = coordinator.locator("#case-diagram")
    expect(diagram).to_have_attribute("data-state", "ready")
    expect(coordinator.locator(".case-waiting")).to_contain_text(
        re.compile(r"Next review on \d{2} \w{3} \d{4}"))
    timer = diagram.locator('.djs-element.step-waiting[data-element-id="Timer_review"]')
    expect(timer).to_have_count(1)
    expect(timer).to_be_in_viewport()
    # the top of the page (the header and the diagram) is what this is about
    coordinator.screenshot(path=str(ARTIFACTS / "case-waiting-for-review.png"))
    assert serious_accessibility_problems(browser, base, "coordinator", f"/cases/{code}") == []

    coordinator.get_by_role("button", name="Review now").click()
    expect(coordinator.get_by_text("brought forward: it is in the coordinators' inbox")
           ).to_be_visible()
    expect(coordinator.locator(".case-waiting")).to_have_count(0)
    coordinator.goto("/")
    expect(coordinator.locator("tbody tr", has_text=code)).to_contain_text("Review the case")


def test_find_a_case_by_the_person(browser, live_server, as_user):
    base, _ = live_server
    coordinator = as_user("coordinator")
    coordinator.get_by_role("link", name="Register a case").first.click()
    coordinator.get_by_label("Name of the person").fill("Noor Vermeulen")
    coordinator.get_by_label("Date of birth").fill("2009-03-14")
    coordinator.get_by_role("button", name="Register and describe the signal").click()
    code = re.search(r"MAW-\d{4}-\d{4}", coordinator.content()).group(0)

    coordinator.get_by_role("link", name="Register a case").first.click()  # the same person
    coordinator.get_by_label("Name of the person").fill("noor vermeulen")
    coordinator.get_by_label("Date of birth").fill("2009-03-14")
    coordinator.get_by_role("button", name="Register and describe the signal").click()
    expect(coordinator.get_by_text("There is already a case for a person with this name")
           ).to_be_visible()
    expect(coordinator.get_by_role("link", name=code)).to_be_visible()
    screenshot(coordinator, "register-same-person-warning")

    coordinator.get_by_role("link", name="Cases", exact=True).click()
    coordinator.get_by_role("link", name="Find a case by the person").click()
    coordinator.get_by_label("Name (or part of it)").fill("vermeul")
    coordinator.get_by_role("button", name="Search").click()
    expect(coordinator.get_by_role("link", name=code)).to_be_visible()
    assert "vermeul" not in coordinator.url.lower()
    screenshot(coordinator, "find-a-case-by-the-person")
