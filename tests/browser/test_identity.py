"""Identity on a need-to-know basis in the browser: the coordinator registers a person and asks
the police (name and date of birth) and social services (name only) each its own question;
the police sees who and its question, social services only the name and its question, the
school nothing; withdrawing the police's identity hides it at once. Screenshots go to
tests/artifacts/; the partner's task page passes axe-core."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import screenshot
from .test_workday import example, fill_task_form, serious_accessibility_problems, submit_task

pytestmark = pytest.mark.browser

NAME, BORN = "Robin Zeeman", "2009-05-17"
POLICE_Q = "Has the police had contact with Robin since the summer, and with whom?"
SOCIAL_Q = "Is the family known to your service, and is support in place?"


def register_and_ask(coordinator) -> str:
    coordinator.get_by_role("link", name="Register a case").first.click()
    coordinator.get_by_label("Name of the person").fill(NAME)
    coordinator.get_by_label("Date of birth").fill(BORN)
    coordinator.get_by_label("Address").fill("Kastanjelaan 4, Testdorp")
    coordinator.get_by_role("button", name="Register and describe the signal").click()
    expect(coordinator.get_by_role("heading", name="Register signal")).to_be_visible()
    code = re.search(r"MAW-\d{4}-\d{4}", coordinator.content()).group(0)
    fill_task_form(coordinator, example("register-signal"))
    submit_task(coordinator)
    # the next step of the same case opens at once
    expect(coordinator.get_by_role("heading", name="Confirm intake decision", level=1)
           ).to_be_visible()
    fill_task_form(coordinator, example("intake-decision", intake_decision="multi_agency"))
    submit_task(coordinator)
    expect(coordinator.get_by_role("heading", name="Request information", level=1)
           ).to_be_visible()
    fill_task_form(coordinator, example("request-information", context=(
        "The school noticed long absences since October."), partners=[
        {"organisation": "police", "question": POLICE_Q,
         "identifiers": ["name", "date_of_birth"], "purpose": "to check police records"},
        {"organisation": "social", "question": SOCIAL_Q, "identifiers": ["name"],
         "purpose": "to check the family file"},
    ]))
    screenshot(coordinator, "request-information-per-partner")
    submit_task(coordinator)
    expect(coordinator.get_by_text("is done")).to_be_visible()
    return code


def open_request(page, code: str) -> None:
    page.goto("/")
    page.get_by_role("row").filter(has_text=code).get_by_role(
        "link", name=re.compile("information request")).click()


def test_each_partner_sees_who_and_its_own_question_until_it_is_withdrawn(
        as_user, browser, live_server):
    base, _ = live_server
    coordinator = as_user("coordinator")
    code = register_and_ask(coordinator)

    police = as_user("police")
    open_request(police, code)
    asked = police.locator("section.asked")
    expect(asked.locator(".question")).to_have_text(POLICE_Q)
    expect(asked.get_by_text(NAME)).to_be_visible()
    expect(asked.get_by_text(BORN)).to_be_visible()
    expect(asked).to_contain_text("why: to check police records")
    expect(police.get_by_text(SOCIAL_Q)).to_have_count(0)
    expect(police.get_by_text("Kastanjelaan")).to_have_count(0)
    screenshot(police, "police-task-identity-and-question")
    task_path = police.url.removeprefix(base)

    social = as_user("social")
    open_request(social, code)
    expect(social.locator("section.asked .question")).to_have_text(SOCIAL_Q)
    expect(social.get_by_text(NAME)).to_be_visible()
    expect(social.get_by_text(BORN)).to_have_count(0)
    expect(social.get_by_text(POLICE_Q)).to_have_count(0)

    school = as_user("school")
    expect(school.get_by_role("row").filter(has_text=code)).to_have_count(0)
    school.goto("/shared/")
    expect(school.get_by_text(code)).to_have_count(0)
    expect(school.get_by_text(NAME)).to_have_count(0)

    coordinator.goto(f"/cases/{code}/sharing")
    disclosures = coordinator.locator("ul.disclosures")
    expect(disclosures).to_contain_text("Local police (demo): name and date of birth")
    expect(disclosures).to_contain_text("Social services (demo): name")
    screenshot(coordinator, "sharing-disclosures")
    police_row = disclosures.locator("li").filter(has_text="Local police (demo)")
    police_row.get_by_text("Withdraw the identity…").click()
    police_row.get_by_role("button", name="Withdraw the identity from Local police (demo)").click()
    expect(coordinator.get_by_text("Local police (demo) no longer sees the person's name and "
                                   "date of birth")).to_be_visible()

    police.reload()
    expect(police.get_by_text(NAME)).to_have_count(0)
    expect(police.get_by_text(BORN)).to_have_count(0)
    expect(police.locator("section.asked .question")).to_have_text(POLICE_Q)
    social.reload()
    expect(social.get_by_text(NAME)).to_be_visible()

    coordinator.goto(f"/audit/cases/{code}")
    expect(coordinator.get_by_text("told Local police (demo) the person's name and date of "
                                   "birth")).to_be_visible()
    expect(coordinator.get_by_text("saw the person's name and date of birth").first
           ).to_be_visible()
    assert serious_accessibility_problems(browser, base, "police", task_path) == []
    assert serious_accessibility_problems(browser, base, "coordinator",
                                          f"/cases/{code}/sharing") == []
