"""The workbench in a real browser: the editors open our diagrams and round-trip them."""

import pytest
from lxml import etree
from playwright.sync_api import expect

from .conftest import ROOT, screenshot

pytestmark = pytest.mark.browser
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"


def spiff_parts(xml: str) -> dict:
    """Every spiffworkflow:* element (and attribute) per BPMN element id, whitespace-trimmed."""
    tree = etree.fromstring(xml.encode())
    parts = {}
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        owner = el
        while owner is not None and owner.get("id") is None:
            owner = owner.getparent()
        key = owner.get("id") if owner is not None else "?"
        if el.tag.startswith("{" + SPIFF):
            parts.setdefault(key, []).append(
                (el.tag, tuple(sorted(el.attrib.items())), (el.text or "").strip()))
        for name, value in el.attrib.items():
            if name.startswith("{" + SPIFF):
                parts.setdefault(key, []).append((name, value))
    return {k: sorted(v) for k, v in parts.items()}


def open_editor(page, path):
    page.goto(f"/designer/maw_case/edit/{path}")
    expect(page.locator("#bpmn-editor[data-ready]")).to_have_attribute("data-ready", "true")


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "processes").glob("*.bpmn")))
def test_default_diagrams_open_without_warnings_and_round_trip(as_user, name):
    page = as_user("owner")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    open_editor(page, f"processes/{name}")
    assert page.evaluate("window.mawDesigner.warnings") == []
    xml = page.evaluate("window.mawDesigner.modeler.saveXML({format: true}).then(r => r.xml)")
    original = (ROOT / "processes" / name).read_text()
    assert spiff_parts(xml) == spiff_parts(original)
    assert not [e for e in errors if "Content Security Policy" in e], errors
    screenshot(page, f"designer-bpmn-{name}")


def test_a_long_diagram_opens_at_its_start_readable(as_user):
    """The case process is too wide to fit: the editor opens zoomed to a readable size on
    its first element instead of on an empty stretch of canvas."""
    page = as_user("owner")
    open_editor(page, "processes/case.bpmn")
    shown = page.evaluate("""() => {
        const modeler = window.mawDesigner.modeler, canvas = modeler.get('canvas');
        const view = canvas.viewbox();
        const start = modeler.get('elementRegistry').get('StartEvent_signal');
        return {zoom: canvas.zoom(), inside: start.x >= view.x && start.y >= view.y &&
                start.x + start.width <= view.x + view.width &&
                start.y + start.height <= view.y + view.height};
    }""")
    assert shown == {"zoom": pytest.approx(0.7), "inside": True}
    screenshot(page, "designer-bpmn-opened")


def test_multi_instance_collections_survive_a_save(as_user):
    page = as_user("owner")
    open_editor(page, "processes/case.bpmn")
    xml = page.evaluate("window.mawDesigner.modeler.saveXML({format: true}).then(r => r.xml)")
    assert "<bpmn:loopDataInputRef>requests</bpmn:loopDataInputRef>" in xml
    assert "<bpmn:loopDataOutputRef>action_reports</bpmn:loopDataOutputRef>" in xml


def test_decision_table_opens_in_the_dmn_editor_and_saves(as_user):
    page = as_user("owner")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/designer/maw_case/edit/rules/triage.dmn")
    expect(page.locator("#dmn-editor")).to_have_attribute("data-ready", "true")
    assert page.evaluate("window.mawDmn.warnings") == []
    expect(page.locator(".tjs-table")).to_be_visible()
    screenshot(page, "designer-dmn")
    page.get_by_role("button", name="Save and check").click()
    expect(page.locator("#problems")).to_contain_text("no problems")
    assert not [e for e in errors if "development build of Inferno" not in e], errors


def test_panel_edits_land_in_the_saved_xml(as_user):
    page = as_user("owner")
    open_editor(page, "processes/case.bpmn")
    page.evaluate("""() => { const m = window.mawDesigner.modeler;
        m.get('selection').select(m.get('elementRegistry').get('register_signal')); }""")
    panel = page.locator("#panel")
    panel.get_by_label("Due in").fill('"P3D"')
    panel.get_by_label("Due in").press("Tab")
    panel.get_by_label("Lane (the role that does it)").select_option("Partner")
    page.evaluate("""() => { const m = window.mawDesigner.modeler;
        m.get('selection').select(m.get('elementRegistry').get('Flow_urgent')); }""")
    panel.get_by_label("Condition (Python)").fill('intake_decision == "very_urgent"')
    panel.get_by_label("Condition (Python)").press("Tab")
    xml = page.evaluate("window.mawDesigner.modeler.saveXML({format: true}).then(r => r.xml)")
    tree = etree.fromstring(xml.encode())
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "s": SPIFF}
    task = tree.find(".//bpmn:userTask[@id='register_signal']", ns)
    assert task.find(".//s:property[@name='dueIn']", ns).get("value") == '"P3D"'
    assert task.find(".//s:instructionsForEndUser", ns) is not None  # untouched
    partner = tree.find(".//bpmn:lane[@name='Partner']", ns)
    assert "register_signal" in [r.text for r in partner.findall("bpmn:flowNodeRef", ns)]
    flow = tree.find(".//bpmn:sequenceFlow[@id='Flow_urgent']/bpmn:conditionExpression", ns)
    assert flow.text == 'intake_decision == "very_urgent"'


def _select(page, element_id: str) -> None:
    page.evaluate("""(id) => { const m = window.mawDesigner.modeler;
        m.get('selection').select(m.get('elementRegistry').get(id)); }""", element_id)


def test_the_owner_sees_and_moves_an_evaluation_milestone_in_the_panel(as_user):
    """The part a step plays in the evaluation is chosen in the panel, among the parts an
    element of its kind can play, and lands in the saved XML as the engine reads it."""
    page = as_user("owner")
    open_editor(page, "processes/case.bpmn")
    panel = page.locator("#panel")
    milestone = panel.get_by_label("In the evaluation, this is")
    _select(page, "confirm_intake_decision")
    expect(milestone).to_have_value("intake_decision")
    offered = milestone.locator("option").all_inner_texts()
    assert "the step where the intake decision is taken" in offered
    assert not [o for o in offered if "timer" in o]  # a user task plays no timer's part
    milestone.scroll_into_view_if_needed()
    screenshot(page, "designer-milestone")
    milestone.select_option("")
    _select(page, "register_signal")
    milestone.select_option(label="the step where the intake decision is taken")
    _select(page, "Timer_review")  # a timer is offered the timers' parts only
    assert [o for o in milestone.locator("option").all_inner_texts() if o != "(none)"] == [
        "the timer of an information request's deadline (the reminder)",
        "the timer that escalates a request still unanswered"]
    xml = page.evaluate("window.mawDesigner.modeler.saveXML({format: true}).then(r => r.xml)")
    tree = etree.fromstring(xml.encode())
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "s": SPIFF}
    marked = {el.getparent().getparent().getparent().get("id")
              for el in tree.iterfind(".//s:property[@name='evaluationMilestone']", ns)
              if el.get("value") == "intake_decision"}
    assert marked == {"register_signal"}


def test_a_new_decision_table_opens_in_the_editor(as_user):
    page = as_user("owner")
    page.goto("/designer/maw_case/")
    page.get_by_label("Decision id").fill("review_advice")
    page.get_by_role("button", name="Add decision table").click()
    expect(page.locator("#dmn-editor")).to_have_attribute("data-ready", "true")
    assert page.evaluate("window.mawDmn.warnings") == []
    expect(page.locator(".tjs-table")).to_contain_text('"default"')


def test_a_file_can_be_saved_as_text(as_user):
    page = as_user("owner")
    page.goto("/designer/maw_case/edit/rules/triage.dmn")
    page.get_by_role("link", name="Edit as text").click()
    expect(page.get_by_label("Content of rules/triage.dmn")).to_contain_text("<decision")
    page.get_by_role("button", name="Save and check").click()
    expect(page.locator("#save-status")).to_have_text("Saved and checked")
