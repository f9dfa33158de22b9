"""Try it on the default process: two partners answer a parallel information request, one
after the trial jumps over its deadline; the trial is saved as a scenario; a change to the
draft breaks it, and the draft says where. Rows are added in the page without a round trip."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import screenshot
from .test_designer_workflow import fill_register_signal

pytestmark = pytest.mark.browser


def answer_information_request(page, who: str):
    page.get_by_role("link", name=who).click()
    page.get_by_label("Known risk factors").fill(f"Trial answer from {who}, not a person.")
    page.get_by_role("button", name="Submit and complete task").click()


def test_a_trial_becomes_a_scenario_that_shows_where_a_change_breaks_it(as_user):
    owner = as_user("owner")
    owner.goto("/designer/maw_case/")
    owner.get_by_role("button", name="Try it").click()

    owner.get_by_role("link", name="Register signal").click()
    fill_register_signal(owner)
    owner.get_by_role("button", name="Submit and complete task").click()
    owner.get_by_role("link", name="Confirm intake decision").click()
    owner.get_by_label("Take to the multi-agency table").check()
    owner.get_by_label("Reasoning").fill("Several life domains concerned (trial).")
    owner.get_by_role("button", name="Submit and complete task").click()
    owner.get_by_role("link", name="Request information").click()
    owner.locator('[name="partners-0-organisation"]').select_option(label="Local police (demo)")
    owner.locator('[name="partners-0-question"]').fill("What do you know? (trial)")
    owner.locator('[name="partners-0-purpose"]').fill("to look up your own files (trial)")
    owner.get_by_role("button", name="Add row").click()
    owner.locator('[name="partners-1-organisation"]').select_option(
        label="Social services (demo)")
    owner.locator('[name="partners-1-question"]').fill("What do you know? (trial)")
    owner.locator('[name="partners-1-purpose"]').fill("to look up your own files (trial)")
    owner.get_by_role("button", name="Submit and complete task").click()

    # The parallel request: one step per partner, each going to its organisation.
    waiting = owner.locator("#waiting")
    expect(waiting.get_by_role("listitem")).to_have_count(2)
    expect(waiting).to_contain_text("goes to Local police (demo)")
    expect(waiting).to_contain_text("goes to Social services (demo)")
    screenshot(owner, "try-it-parallel-request")
    police = waiting.get_by_role("listitem").filter(has_text="Local police (demo)")
    police.get_by_role("link").click()
    owner.get_by_label("Known risk factors").fill("Known from a report (trial).")
    owner.get_by_role("button", name="Submit and complete task").click()

    # The social services miss the deadline: jump over it.
    owner.get_by_role("button", name="Jump to the next timer").click()
    expect(owner.locator("#trial-steps")).to_contain_text("Jumped to the next timer")
    expect(waiting.get_by_role("link")).to_have_text(["Reminder: information request"])
    answer_information_request(owner, "Reminder: information request")
    # Both answers were collected: the case goes on to the consultation.
    expect(waiting.get_by_role("link")).to_have_text(["Case consultation"])
    screenshot(owner, "try-it-answers-collected")

    # Add a row in the page: no round trip (a marker set in the page survives the click).
    owner.get_by_role("link", name="Case consultation").click()
    network = owner.locator("fieldset#network_map")
    rows = network.locator("[data-repeat-entry]")
    before = rows.count()
    owner.evaluate("window.stillThisPage = true")
    network.get_by_role("button", name="Add row").click()
    expect(rows).to_have_count(before + 1)
    assert owner.evaluate("window.stillThisPage === true")
    expect(rows.last.locator("input:not([type=hidden]), select, textarea").first).to_be_focused()
    screenshot(owner, "try-it-row-added-in-page")
    owner.go_back()

    owner.get_by_label("Save this trial as a scenario").fill("Two partners, one late")
    owner.get_by_role("button", name="Save as scenario").click()
    expect(owner.locator("#scenarios")).to_contain_text("Two partners, one late")
    expect(owner.locator("#scenarios .scenario-ok")).to_contain_text("Runs as saved.")
    screenshot(owner, "try-it-scenario-saved")

    # A change to the draft: deadlines of at most 10 days. The saved answers said 14.
    owner.goto("/designer/maw_case/edit/forms/request-information.schema.json?as=text")
    text = owner.locator("#file-text")
    text.fill(text.input_value().replace('"maximum": 60', '"maximum": 10'))
    owner.get_by_role("button", name="Save and check").click()
    results = owner.locator("#scenario-results")
    expect(results).to_contain_text("1 saved scenario no longer runs as saved")
    expect(results).to_contain_text(
        "Two partners, one late: At step 3 ('Request information') the form no longer accepts "
        "the saved answers: deadline_days: Enter a number of at most 10.")
    screenshot(owner, "try-it-scenario-broken-on-save")

    owner.goto("/designer/maw_case/")
    scenario = owner.locator("#scenarios .scenario-differs")
    expect(scenario).to_contain_text("At step 3 ('Request information')")
    owner.get_by_role("button", name="Publish as a new version").click()
    expect(owner.get_by_text(re.compile("Not published: 1 saved scenario no longer runs"))
           ).to_be_visible()
    screenshot(owner, "try-it-scenario-blocks-publishing")
