"""The default process bundle as files: every user task has a lane, instructions and a form;
every form is a valid, label-free JSON Schema with example data that passes; every diagram's
references resolve and every element is drawn (what bpmn-js would warn about)."""

import json

import jsonschema
import pytest
from jsonschema import Draft202012Validator
from lxml import etree

from webapp.demo import ORGANISATIONS
from webapp.engine.formdata import validate_data

from .common import BPMN_NS, FORMS, ROOT, example

# ---------------------------------------------------------------- the bundle itself


def test_bundle_passes_deploy_validation(bundle):
    assert bundle.process_id == "maw_case"
    assert "maw_information_request" in bundle.subprocess_specs


def user_tasks():
    for path in sorted((ROOT / "processes").glob("*.bpmn")):
        yield from etree.parse(str(path)).xpath("//bpmn:userTask", namespaces=BPMN_NS)


def all_task_specs(bundle):
    for spec in [bundle.spec, *bundle.subprocess_specs.values()]:
        yield from spec.task_specs.values()


def test_every_user_task_sits_in_a_lane_with_instructions_and_a_form(bundle):
    manual = [s for s in all_task_specs(bundle) if getattr(s, "manual", False)]
    assert {s.bpmn_id for s in manual} == {node.get("id") for node in user_tasks()}
    for spec in manual:
        assert spec.lane in ("Coordinator", "Table", "Partner"), spec.name
        assert spec.extensions.get("instructionsForEndUser"), spec.name
        props = spec.extensions["properties"]
        for key in ("formJsonSchemaFilename", "formUiSchemaFilename"):
            assert (FORMS / props[key]).exists(), (spec.name, props[key])
    partner_tasks = {s.bpmn_id for s in manual if s.lane == "Partner"}
    assert partner_tasks == {
        "accept_referral", "answer_information_request", "answer_after_reminder",
        "carry_out_action", "report_action_progress", "aftercare_check_in",
    }  # fmt: skip
    # what the table decides together; the four-eyes approval stays the coordinators' own
    table_tasks = {s.bpmn_id for s in manual if s.lane == "Table"}
    assert table_tasks == {
        "case_consultation", "agree_action_plan", "review_case", "closure_review",
    }  # fmt: skip


def schema_names():
    return sorted(p.name[: -len(".schema.json")] for p in FORMS.glob("*.schema.json"))


def test_every_form_has_a_title_per_field_and_a_matching_ui_order():
    for name in schema_names():
        schema = json.loads((FORMS / f"{name}.schema.json").read_text())
        Draft202012Validator.check_schema(schema)
        ui = json.loads((FORMS / f"{name}.uischema.json").read_text())
        assert set(ui["ui:order"]) == set(schema["properties"]), name
        for key, field in schema["properties"].items():
            assert field.get("title"), f"{name}: {key} has no title"


def labels(node):
    """Every choice code and title in a form schema."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("const", "title", "enum"):
                yield from value if isinstance(value, list) else [value]
            else:
                yield from labels(value)
    elif isinstance(node, list):
        for value in node:
            yield from labels(value)


def test_no_form_offers_a_radicalisation_label():
    for path in FORMS.glob("*.schema.json"):
        for label in labels(json.loads(path.read_text())):
            text = str(label).lower()
            assert "radicalis" not in text and "radicaliz" not in text, (path.name, label)
            assert "extremist" not in text or "contact" in text, (path.name, label)


def without_x_options(schema):
    """x-options values come from the database: treat them as any string here."""
    if isinstance(schema, dict):
        return {k: without_x_options(v) for k, v in schema.items() if k != "x-options"}
    if isinstance(schema, list):
        return [without_x_options(v) for v in schema]
    return schema


@pytest.mark.parametrize("form", schema_names())
def test_example_data_validates_against_its_form(form):
    schema = without_x_options(json.loads((FORMS / f"{form}.schema.json").read_text()))
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    validator.validate(example(form))


@pytest.mark.parametrize("form", schema_names())
def test_example_data_passes_the_servers_form_check_with_the_demo_organisations(form):
    schema = json.loads((FORMS / f"{form}.schema.json").read_text())
    codes = [code for code, _ in ORGANISATIONS]
    assert validate_data(schema, example(form), {"partner_organisations": codes}) == []


def test_every_form_has_example_data():
    examples = {p.stem for p in (FORMS / "examples").glob("*.json")}
    assert examples == set(schema_names())


@pytest.mark.parametrize(
    ("form", "data"),
    [
        ("intake-decision", {"intake_decision": "regular_care", "intake_reasoning": "x"}),
        ("closure-review", example("closure-review", aftercare_partner=None)),
        ("closure-approval", {"approval": "send_back"}),
        ("action-plan", {"actions": [], "review_months": 3}),
    ],
)
def test_conditional_requirements(form, data):
    schema = without_x_options(json.loads((FORMS / f"{form}.schema.json").read_text()))
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


# ---------------------------------------------------------------- diagrams open cleanly in editors


@pytest.mark.parametrize("path", sorted((ROOT / "processes").glob("*.bpmn")), ids=lambda p: p.name)
def test_diagram_references_resolve_and_every_element_is_drawn(path):
    """What bpmn-js reports as import warnings: references to unknown ids, missing shapes."""
    tree = etree.parse(str(path))
    ids = {el.get("id") for el in tree.iter() if el.get("id")}
    refs = tree.xpath(
        "//bpmn:loopDataInputRef | //bpmn:loopDataOutputRef | //bpmn:flowNodeRef"
        " | //bpmn:incoming | //bpmn:outgoing", namespaces=BPMN_NS,
    )
    assert {r.text for r in refs} <= ids
    for attr in ("sourceRef", "targetRef", "attachedToRef", "processRef"):
        assert {el.get(attr) for el in tree.xpath(f"//*[@{attr}]")} <= ids, attr
    drawn = {el.get("bpmnElement") for el in tree.iter() if el.get("bpmnElement")}
    assert drawn <= ids
    flow = tree.xpath(
        "//bpmn:process/*[self::bpmn:userTask or self::bpmn:scriptTask or self::bpmn:startEvent"
        " or self::bpmn:endEvent or self::bpmn:exclusiveGateway or self::bpmn:parallelGateway"
        " or self::bpmn:businessRuleTask or self::bpmn:callActivity or self::bpmn:boundaryEvent"
        " or self::bpmn:intermediateCatchEvent or self::bpmn:sequenceFlow or self::bpmn:lane]",
        namespaces=BPMN_NS,
    )
    missing = {el.get("id") for el in flow} - drawn
    assert not missing
