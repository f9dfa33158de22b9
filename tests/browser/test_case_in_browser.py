"""The foundation scenario as people do it: register, two partners answer, close (approved
by a second coordinator)."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import screenshot

pytestmark = pytest.mark.browser


def test_coordinator_and_two_partners_take_a_case_to_closure(as_user, live_server):
    coordinator = as_user("coordinator")
    coordinator.get_by_role("link", name="Register a case").first.click()
    coordinator.get_by_label("Name of the person").fill("Jordan Example")
    coordinator.get_by_role("button", name="Register and describe the signal").click()
    expect(coordinator.get_by_role("heading", name="Register signal")).to_be_visible()
    code = re.search(r"MAW-\d{4}-\d{4}", coordinator.content()).group(0)

    coordinator.get_by_label("Organisation of the signaller").fill("Atheneum Noord")
    coordinator.get_by_label("Role of the signaller").fill("teacher")
    coordinator.get_by_label("Date of the signal").fill("2026-11-02")
    coordinator.get_by_label("Social isolation").check()
    coordinator.get_by_label("What was observed").fill("Withdrawn in class since October.")
    screenshot(coordinator, "task-form")
    coordinator.get_by_role("button", name="Submit and complete task").click()
    expect(coordinator.get_by_text("is done")).to_be_visible()

    # the next step of the same case opens at once
    expect(coordinator.get_by_text("Next for you on this case: “Confirm intake decision”")
           ).to_be_visible()
    expect(coordinator.get_by_role("heading", name="Confirm intake decision", level=1)
           ).to_be_visible()
    expect(coordinator.get_by_text("recommend", exact=False).first).to_be_visible()
    coordinator.get_by_label("Take to the multi-agency table").check()
    coordinator.get_by_label("Reasoning").fill("Concerns in several life domains.")
    coordinator.get_by_role("button", name="Submit and complete task").click()

    expect(coordinator.get_by_role("heading", name="Request information", level=1)).to_be_visible()
    form = coordinator.locator("form.task-form")
    form.locator('[name="partners-0-organisation"]').select_option(label="Local police (demo)")
    form.locator('[name="partners-0-question"]').fill("What do you know?")
    form.locator('[name="partners-0-purpose"]').fill("to look up your own files")
    coordinator.get_by_role("button", name="Add row").click()
    form.locator('[name="partners-1-organisation"]').select_option(label="Social services (demo)")
    form.locator('[name="partners-1-question"]').fill("What do you know?")
    form.locator('[name="partners-1-identifiers"][value="date_of_birth"]').uncheck()
    form.locator('[name="partners-1-purpose"]').fill("to look up your own files")
    coordinator.get_by_role("button", name="Submit and complete task").click()
    screenshot(coordinator, "inbox-coordinator")

    for partner, other in (("police", "social"), ("social", "police")):
        page = as_user(partner)
        expect(page.get_by_role("cell", name=code, exact=True)).to_have_count(1)
        expect(
            page.get_by_text(
                f"{'Social services' if other == 'social' else 'Local police'} (demo)", exact=False
            ).locator("css=td")
        ).to_have_count(0)
        screenshot(page, f"inbox-{partner}")
        page.get_by_role("link", name="Answer information request").click()
        expect(page.get_by_text("What do you know?").first).to_be_visible()
        expect(page.locator("section.asked").get_by_text("Jordan Example")).to_be_visible()
        page.get_by_label("Known risk factors").fill(f"{partner}: nothing alarming")
        page.get_by_role("button", name="Submit and complete task").click()
        expect(page.get_by_text("is done")).to_be_visible()
        expect(page.get_by_role("cell", name=code, exact=True)).to_have_count(0)

    coordinator.goto("/")
    coordinator.get_by_role("link", name="Case consultation").click()
    coordinator.get_by_label("Summary of the information received").fill("Both partners answered.")
    coordinator.get_by_label("Moderate", exact=True).check()
    coordinator.get_by_label("Go to closure review").check()
    coordinator.get_by_role("button", name="Submit and complete task").click()

    expect(coordinator.get_by_role("heading", name="Closure review", level=1)).to_be_visible()
    coordinator.get_by_label("No concerns remain").check()
    coordinator.get_by_label("Close the case").check()
    coordinator.get_by_label("Reasoning").fill("No further assistance is needed now.")
    coordinator.get_by_label("Partner that checks in during aftercare").select_option(
        label="Pupil guidance centre (demo)"
    )
    coordinator.get_by_label("If closed: why the aftercare partner is told").fill(
        "so that the school can check in with the pupil")
    coordinator.get_by_role("button", name="Submit and complete task").click()
    # the approval is not theirs (four eyes): back to the inbox, where it is greyed
    row = coordinator.get_by_role("row").filter(has_text=code)
    expect(row).to_contain_text("someone else completes it")
    expect(row.get_by_role("button", name="Claim")).to_have_count(0)

    second = as_user("coordinator2")  # four eyes: another coordinator approves the closure
    second.get_by_role("link", name="Approve the closure").click()
    expect(second.get_by_text("No further assistance is needed now.").first).to_be_visible()
    second.get_by_label("Approve the closure").check()
    second.get_by_role("button", name="Submit and complete task").click()
    expect(second.get_by_text("is done")).to_be_visible()

    coordinator.goto(f"/cases/{code}")
    expect(coordinator.locator(".badge").get_by_text("Aftercare", exact=True)).to_be_visible()
    expect(coordinator.get_by_text("No further assistance is needed now.").first).to_be_visible()
    expect(coordinator.get_by_text("police: nothing alarming")).to_be_visible()
    screenshot(coordinator, "case-page")
