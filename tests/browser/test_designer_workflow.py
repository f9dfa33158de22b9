"""A process owner changes the process in the browser: a new step with a new form, a missing
form caught by validation, a trial run, publishing, and moving running cases."""

import re

import pytest
from playwright.sync_api import expect

from tests.webapp.helpers import complete, example, register

from .conftest import screenshot

pytestmark = pytest.mark.browser

ADD_TASK = """() => {
  const m = window.mawDesigner.modeler;
  const reg = m.get('elementRegistry');
  const modeling = m.get('modeling');
  const src = reg.get('register_signal');
  const tgt = reg.get('triage_recommendation');
  modeling.removeConnection(reg.get('Flow_to_triage'));
  const task = modeling.createShape({ type: 'bpmn:UserTask' }, { x: 330, y: 370 },
                                    reg.get('Participant_maw_case'));
  modeling.updateProperties(task, { id: 'check_signal' });
  modeling.connect(src, task);
  modeling.connect(task, tgt);
  m.get('selection').select(task);
}"""
SCHEMA = """{
  "type": "object",
  "title": "Check the signal",
  "required": ["checked"],
  "properties": {
    "checked": {"type": "boolean", "title": "Signal checked with the signaller"},
    "note": {"type": "string", "title": "What the signaller added"}
  }
}"""


@pytest.fixture
def running_cases(live_server):
    """Two cases on version 1: one past registration, one still at it."""
    _, app = live_server
    with app.app_context():
        moves = register()
        complete("coordinator", "register_signal", example("register-signal"))
        stays = register()
        return moves.code, stays.code


def fill_register_signal(page):
    page.get_by_label("Organisation of the signaller").fill("Atheneum Noord")
    page.get_by_label("Role of the signaller").fill("teacher")
    page.get_by_label("Date of the signal").fill("2026-11-02")
    page.get_by_label("Social isolation").check()
    page.get_by_label("What was observed").fill("Withdrawn in class (trial, not a person).")


def test_owner_adds_a_step_tries_publishes_and_migrates(as_user, running_cases):
    moves, stays = running_cases
    owner = as_user("owner")
    owner.get_by_role("link", name="Processes").click()
    expect(owner.get_by_role("heading", name=re.compile("Multi-agency case"))).to_be_visible()
    screenshot(owner, "designer-processes")
    owner.get_by_role("link", name="Start a draft").click()
    owner.get_by_role("link", name="processes/case.bpmn").click()
    expect(owner.locator("#bpmn-editor")).to_have_attribute("data-ready", "true")

    # A new user task in the coordinator lane, after "Register signal".
    owner.evaluate(ADD_TASK)
    panel = owner.locator("#panel")
    panel.get_by_label("Name").fill("Check the signal")
    panel.get_by_label("Name").press("Tab")
    panel.get_by_label("Form", exact=True).fill("check-signal.schema.json")
    panel.get_by_label("Form", exact=True).press("Tab")
    panel.get_by_label("Instructions (Markdown)").fill("Call the **signaller** back.")
    panel.get_by_label("Instructions (Markdown)").press("Tab")
    panel.get_by_role("button", name="Preview instructions").click()
    expect(panel.locator(".md-preview strong")).to_have_text("signaller")
    owner.get_by_role("button", name="Save and check").click()

    problem = owner.locator("#problems .problem[data-element='check_signal']")
    expect(problem).to_contain_text("uses the form file 'check-signal.schema.json', which is "
                                    "not in forms/")
    expect(owner.locator("g.djs-element.has-problem[data-element-id='check_signal']")).to_have_count(1)
    screenshot(owner, "designer-missing-form")

    # The draft cannot be published yet.
    owner.get_by_role("link", name="Draft of Multi-agency case").click()
    expect(owner.get_by_role("button", name="Publish as a new version")).to_be_disabled()
    screenshot(owner, "designer-draft")

    # Fix it: add the form, with a live preview of what partners will see.
    owner.get_by_label("Name of the new form").fill("check-signal")
    owner.get_by_role("button", name="Add form").click()
    owner.locator("#schema-text").fill(SCHEMA)
    preview = owner.locator("#form-preview")
    expect(preview.get_by_label("Signal checked with the signaller")).to_be_visible()
    owner.locator("#sample-text").fill('{"checked": "yes"}')
    expect(preview.locator(".sample-errors")).to_be_visible()
    owner.locator("#sample-text").fill('{"checked": true}')
    expect(preview.locator(".sample-ok")).to_be_visible()
    screenshot(owner, "designer-form-editor")
    owner.get_by_role("button", name="Save and check").click()
    # The page said "no problems" before the save already (the new form existed): wait for
    # the save itself, or the trial below starts on a draft the save then changes.
    expect(owner.locator("#save-status")).to_have_text("Saved and checked")
    expect(owner.locator("#problems")).to_contain_text("no problems")

    # Try it: step through the forms of the draft.
    owner.get_by_role("link", name="Draft of Multi-agency case").click()
    owner.get_by_role("button", name="Try it").click()
    owner.get_by_role("link", name="Register signal").click()
    fill_register_signal(owner)
    owner.get_by_role("button", name="Submit and complete task").click()
    owner.get_by_role("link", name="Check the signal").click()
    expect(owner.get_by_text("Call the signaller back.")).to_be_visible()
    owner.get_by_label("Signal checked with the signaller").check()
    owner.get_by_role("button", name="Submit and complete task").click()
    expect(owner.get_by_role("link", name="Confirm intake decision")).to_be_visible()
    screenshot(owner, "designer-trial")

    # Publish: version 2.
    owner.get_by_role("link", name="Draft of Multi-agency case").click()
    owner.get_by_role("button", name="Publish as a new version").click()
    expect(owner.get_by_text("Published as version 2")).to_be_visible()

    # Move running cases: one can, one cannot (and why).
    owner.get_by_role("link", name="Move cases to v2").click()
    movable = owner.get_by_role("table", name="Cases that can move")
    blocked = owner.get_by_role("table", name="Cases that cannot move")
    expect(movable.get_by_role("cell", name=moves, exact=True)).to_be_visible()
    expect(blocked.get_by_role("row", name=re.compile(stays))).to_contain_text(
        "the step 'Register signal' where it is now was changed")
    screenshot(owner, "designer-migrate")
    owner.get_by_role("button", name="Move the selected cases").click()
    expect(owner.get_by_text("Moved 1 case to version 2.")).to_be_visible()
    expect(owner.get_by_role("table", name="Cases that can move")).to_contain_text("None.")
    expect(owner.get_by_role("table", name="Cases that cannot move")).to_contain_text(stays)

    # The moved case goes on in the coordinator's inbox.
    coordinator = as_user("coordinator")
    expect(coordinator.get_by_role("row", name=re.compile(moves))).to_contain_text(
        "Confirm intake decision")
