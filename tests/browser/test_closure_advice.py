"""The closure review in a browser: the decision table's advice changes as the table ticks the
criteria, before anyone chooses; the workbench offers the advice table for a user task."""

import pytest
from playwright.sync_api import expect

from tests.webapp.helpers import complete, example, only_task, to_consultation

from .conftest import screenshot
from .test_workday import serious_accessibility_problems

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def closure_review(live_server):
    """A case at the closure review (driven through the services), as a task id."""
    _, app = live_server
    with app.app_context():
        to_consultation(("police",))
        complete("police", "answer_information_request", example("information-answer"))
        complete("coordinator", "case_consultation",
                 example("case-consultation", next_step="closure_review"))
        return only_task("coordinator", "closure_review").id


def test_advice_follows_the_criteria_as_they_are_ticked(as_user, closure_review):
    coordinator = as_user("coordinator")
    problems = []
    coordinator.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    coordinator.goto(f"/tasks/{closure_review}")
    panel = coordinator.get_by_role("region", name="Advice from the decision table")
    advice = panel.locator(".advice-value")
    expect(advice).to_have_text("Continue at the table")
    expect(panel).to_contain_text("it does not decide")

    for label in ("No concerns remain", "Has joined a peer group not connected to radical groups",
                  "Is willing to reflect critically on ideology",
                  "Protective factors are in place"):
        coordinator.get_by_label(label).check()
    expect(advice).to_have_text("Close the case")
    expect(panel).to_contain_text("most signs of change are met")
    expect(panel).to_contain_text("Rule 2 of the decision table “Closure advice”")
    coordinator.get_by_label("Reasoning").fill("Back at school, new friends at the club.")
    screenshot(coordinator, "task-form-closure-advice")

    coordinator.get_by_label("No concerns remain").uncheck()
    expect(advice).to_have_text("Continue at the table")
    expect(panel).to_contain_text("The table still has concerns")
    assert not [p for p in problems if "Content Security Policy" in p], problems


def test_the_closure_review_page_is_accessible(browser, live_server, closure_review):
    base, _ = live_server
    assert serious_accessibility_problems(browser, base, "coordinator",
                                          f"/tasks/{closure_review}") == []


def test_the_workbench_offers_the_advice_table_for_a_user_task(as_user):
    owner = as_user("owner")
    owner.goto("/designer/maw_case/edit/processes/case.bpmn")
    expect(owner.locator("#bpmn-editor[data-ready]")).to_have_attribute("data-ready", "true")
    owner.evaluate("""() => {
        const modeler = window.mawDesigner.modeler;
        modeler.get('selection').select(modeler.get('elementRegistry').get('closure_review'));
    }""")
    choice = owner.get_by_label("Advice from a decision table")
    expect(choice).to_have_value("closure_advice")
    assert "triage" in choice.locator("option").all_inner_texts()
