"""The default process bundle (processes/case.bpmn, rules/triage.dmn, forms/) driven with raw
SpiffWorkflow 3.2, without the web application.

Every step is saved and restored with the serializer, the way the application keeps a case
between two requests.
"""

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
from jsonschema import Draft202012Validator
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions import timer as timer_module
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

ROOT = Path(__file__).resolve().parents[2]
BPMN = ROOT / "processes" / "case.bpmn"
DMN = ROOT / "rules" / "triage.dmn"
FORMS = ROOT / "forms"
PROCESS_ID = "maw_case"
BPMN_NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}

SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(copy.deepcopy(SPIFF_CONFIG)))


# ---------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def specs():
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_dmn_files([str(DMN)])
    parser.add_bpmn_files([str(BPMN)])
    return parser.get_spec(PROCESS_ID), parser.get_subprocess_specs(PROCESS_ID)


def roundtrip(wf):
    return SERIALIZER.deserialize_json(SERIALIZER.serialize_json(wf))


def start_case(specs):
    spec, subprocess_specs = specs
    wf = BpmnWorkflow(spec, subprocess_specs)
    wf.task_tree.set_data(case_code="MAW-2026-0001")
    wf.do_engine_steps()
    return roundtrip(wf)


def ready_user_tasks(wf, bpmn_id=None):
    tasks = wf.get_tasks(state=TaskState.READY, manual=True)
    return [t for t in tasks if bpmn_id is None or t.task_spec.bpmn_id == bpmn_id]


def submit(wf, bpmn_id, data, task=None):
    """Complete the single ready user task `bpmn_id` (or `task`) as the inbox would."""
    if task is None:
        tasks = ready_user_tasks(wf, bpmn_id)
        assert len(tasks) == 1, [t.task_spec.name for t in ready_user_tasks(wf)]
        task = tasks[0]
    assert task.state == TaskState.READY
    task.task_spec.add_data_from_form(task, copy.deepcopy(data))
    task.run()
    wf.do_engine_steps()
    return roundtrip(wf)


def prop(task, name):
    return task.task_spec.extensions["properties"][name]


def evaluate_prop(wf, task, name):
    return wf.script_engine.evaluate(task, prop(task, name))


def example(form):
    return json.loads((FORMS / "examples" / f"{form}.json").read_text())


class FakeClock:
    """Moves the clock the timer module reads, instead of sleeping."""

    def __init__(self, monkeypatch):
        self.offset = timedelta()
        clock = self

        class ShiftedDatetime(datetime):
            @classmethod
            def now(cls, tz=None):
                return datetime.now(tz) + clock.offset

        monkeypatch.setattr(timer_module, "datetime", ShiftedDatetime)

    def advance(self, **kwargs):
        self.offset += timedelta(**kwargs)


@pytest.fixture
def clock(monkeypatch):
    return FakeClock(monkeypatch)


def fire_due_timers(wf):
    wf.refresh_timers()
    wf.do_engine_steps()
    return roundtrip(wf)


SIGNAL = {
    "signaller_organisation": "Atheneum Noord",
    "signaller_role": "teacher",
    "signal_date": "2026-02-03",
    "observed_concerns": ["school_or_work_drop_out", "contact_with_extremist_group"],
    "signal_description": "Absent since January; seen handing out flyers with a local group.",
    "immediate_danger": False,
}


def register_and_take_to_table(specs, partners=("school_guidance", "youth_care"), days=14):
    wf = start_case(specs)
    wf = submit(wf, "register_signal", SIGNAL)
    assert wf.last_task.data["triage_recommendation"] == "multi_agency"
    wf = submit(
        wf,
        "confirm_intake_decision",
        {
            "intake_decision": "multi_agency",
            "intake_reasoning": "Several partners are involved; nobody sees the whole picture.",
        },
    )
    return submit(
        wf,
        "request_information",
        {
            "partners": list(partners),
            "question": "Which risk and protective factors do you know of?",
            "deadline_days": days,
        },
    )


# ---------------------------------------------------------------- bundle checks


def test_bpmn_passes_xsd_validation_and_dmn_parses(specs):
    spec, _ = specs
    assert spec.name == PROCESS_ID
    assert spec.description == "Multi-agency case"
    assert "triage_recommendation" in spec.task_specs


def user_task_nodes():
    tree = etree.parse(str(BPMN))
    return tree.xpath("//bpmn:userTask", namespaces=BPMN_NS)


def test_every_user_task_sits_in_a_known_lane_with_instructions(specs):
    spec, _ = specs
    ids = [node.get("id") for node in user_task_nodes()]
    assert len(ids) == 8
    for task_spec in spec.task_specs.values():
        if getattr(task_spec, "manual", False):
            assert task_spec.lane in ("Coordinator", "Partner"), task_spec.name
            assert task_spec.extensions.get("instructionsForEndUser"), task_spec.name
    partner = spec.task_specs["answer_information_request [child]"]
    assert partner.lane == "Partner"
    assert spec.task_specs["follow_up_overdue_requests"].lane == "Coordinator"


def referenced_forms(specs):
    spec, _ = specs
    names = set()
    for task_spec in spec.task_specs.values():
        if getattr(task_spec, "manual", False):
            names.add(prop_spec(task_spec, "formJsonSchemaFilename"))
            names.add(prop_spec(task_spec, "formUiSchemaFilename"))
    return names


def prop_spec(task_spec, name):
    return task_spec.extensions["properties"][name]


def test_every_referenced_form_exists_and_is_a_valid_schema(specs):
    names = referenced_forms(specs)
    assert len(names) == 16
    for name in names:
        path = FORMS / name
        assert path.exists(), name
        document = json.loads(path.read_text())
        if name.endswith(".schema.json"):
            Draft202012Validator.check_schema(document)
            assert document["type"] == "object"
            for key, field in document["properties"].items():
                assert field.get("title"), f"{name}: {key} has no title"
        else:
            order = document["ui:order"]
            schema = json.loads((FORMS / name.replace(".uischema", ".schema")).read_text())
            assert set(order) == set(schema["properties"]), name


def test_no_form_asks_for_a_radicalisation_label():
    for path in FORMS.glob("*.json"):
        assert "radicalised" not in path.read_text().lower(), path.name
        assert "radicalized" not in path.read_text().lower(), path.name


def without_x_options(schema):
    """x-options values come from the database: treat them as any string here."""
    if isinstance(schema, dict):
        return {k: without_x_options(v) for k, v in schema.items() if k != "x-options"}
    if isinstance(schema, list):
        return [without_x_options(v) for v in schema]
    return schema


@pytest.mark.parametrize(
    "form", sorted(p.name[: -len(".schema.json")] for p in FORMS.glob("*.schema.json"))
)
def test_example_data_validates_against_its_form(form):
    schema = without_x_options(json.loads((FORMS / f"{form}.schema.json").read_text()))
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    validator.validate(example(form))


def test_regular_care_requires_naming_the_service():
    schema = json.loads((FORMS / "intake-decision.schema.json").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"intake_decision": "regular_care", "intake_reasoning": "x"}, schema)


# ---------------------------------------------------------------- triage table


@pytest.mark.parametrize(
    ("danger", "concerns", "expected"),
    [
        (True, ["family_situation"], "urgent"),
        (False, ["social_isolation", "contact_with_extremist_group"], "multi_agency"),
        (False, ["school_or_work_drop_out"], "regular_care"),
        (False, [], "out_of_scope"),
        (False, ["family_situation", "social_isolation", "mental_health"], "multi_agency"),
    ],
)
def test_triage_recommendation(specs, danger, concerns, expected):
    wf = start_case(specs)
    wf = submit(
        wf, "register_signal", dict(SIGNAL, immediate_danger=danger, observed_concerns=concerns)
    )
    intake = ready_user_tasks(wf, "confirm_intake_decision")[0]
    assert intake.data["triage_recommendation"] == expected
    assert intake.data["triage_rule"]


# ---------------------------------------------------------------- paths through the case


@pytest.mark.parametrize("decision", ["out_of_scope", "regular_care", "urgent"])
def test_case_not_taken_to_the_table_ends_with_outcome(specs, decision):
    wf = start_case(specs)
    wf = submit(wf, "register_signal", SIGNAL)
    wf = submit(
        wf,
        "confirm_intake_decision",
        {
            "intake_decision": decision,
            "intake_reasoning": "Discussed with the signaller.",
            "regular_care_service": "General welfare centre",
        },
    )
    assert wf.is_completed()
    assert wf.data["outcome"] == decision
    assert "Discussed with the signaller." in wf.data["closure_reason"]
    assert wf.data["case_code"] == "MAW-2026-0001"


def answer(organisation_note):
    return {
        "nothing_to_share": False,
        "risk_factors": f"{organisation_note}: frequent absence.",
        "protective_factors": "Good tie with a mentor.",
        "current_involvement": "Weekly talk.",
        "covered_by_professional_secrecy": False,
    }


def test_full_case_from_signal_to_aftercare(specs, clock):
    wf = register_and_take_to_table(specs)

    partner_tasks = ready_user_tasks(wf, "answer_information_request")
    assert len(partner_tasks) == 2
    assert {t.task_spec.lane for t in partner_tasks} == {"Partner"}
    assert sorted(evaluate_prop(wf, t, "assignedOrganisation") for t in partner_tasks) == [
        "school_guidance",
        "youth_care",
    ]
    assert {evaluate_prop(wf, t, "dueIn") for t in partner_tasks} == {"P14D"}
    assert partner_tasks[0].data["request"]["question"].startswith("Which risk")
    assert [e.event_type for e in wf.waiting_events()] == ["DurationTimerEventDefinition"]

    # Youth care answers first, then the school; "nothing to share" is a valid answer.
    by_org = {evaluate_prop(wf, t, "assignedOrganisation"): t for t in partner_tasks}
    wf = submit(
        wf,
        None,
        dict(answer("x"), nothing_to_share=True, risk_factors=""),
        task=by_org["youth_care"],
    )
    task = [t for t in ready_user_tasks(wf, "answer_information_request")][0]
    wf = submit(wf, None, answer("School"), task=task)

    consultation = ready_user_tasks(wf, "case_consultation")
    assert len(consultation) == 1
    answers = consultation[0].data["answers"]
    assert [a["organisation"] for a in answers] == ["youth_care", "school_guidance"]
    assert answers[0]["nothing_to_share"] is True
    assert answers[1]["risk_factors"] == "School: frequent absence."
    assert "answer" not in consultation[0].data
    assert wf.waiting_events() == []  # the deadline timer is gone once everyone answered

    first_round = example("case-consultation")
    first_round["agreed_actions"].append(
        {
            "action": "Invite to the youth centre",
            "responsible_partner": "youth_work",
            "due_date": "2026-03-20",
        }
    )
    wf = submit(wf, "case_consultation", first_round)
    # review again: the same step comes back, and a shorter action list replaces the old one
    second_round = dict(
        example("case-consultation"), next_step="closure_review", concern_level="low"
    )
    wf = submit(wf, "case_consultation", second_round)
    closure = ready_user_tasks(wf, "closure_review")[0]
    assert closure.data["consultation"]["concern_level"] == "low"
    assert len(closure.data["consultation"]["agreed_actions"]) == 1

    wf = submit(wf, "closure_review", example("closure-review"))
    assert ready_user_tasks(wf) == []
    assert not wf.is_completed()
    waiting = wf.waiting_events()
    assert len(waiting) == 1
    due = datetime.fromisoformat(waiting[0].value)
    assert timedelta(days=180) <= due - datetime.now(UTC) <= timedelta(days=185)

    wf = fire_due_timers(wf)  # not due yet
    assert ready_user_tasks(wf) == []
    clock.advance(days=186)
    wf = fire_due_timers(wf)
    wf = submit(wf, "aftercare_check_in", example("aftercare-check-in"))

    assert wf.is_completed()
    assert wf.data["outcome"] == "closed"
    assert wf.data["closure_reason"] == example("closure-review")["reasoning"]
    assert len(wf.data["answers"]) == 2


def test_closure_review_continue_and_aftercare_concerns_return_to_the_table(specs, clock):
    wf = register_and_take_to_table(specs, partners=("police",))
    wf = submit(wf, "answer_information_request", answer("Police"))
    wf = submit(
        wf, "case_consultation", dict(example("case-consultation"), next_step="closure_review")
    )
    wf = submit(wf, "closure_review", dict(example("closure-review"), decision="continue"))
    wf = submit(
        wf, "case_consultation", dict(example("case-consultation"), next_step="closure_review")
    )
    wf = submit(wf, "closure_review", dict(example("closure-review"), aftercare_months=1))
    clock.advance(days=32)
    wf = fire_due_timers(wf)
    wf = submit(
        wf,
        "aftercare_check_in",
        {"status": "concerns_again", "note": "New contacts with the same group."},
    )
    assert len(ready_user_tasks(wf, "case_consultation")) == 1
    assert not wf.is_completed()


def test_overdue_answers_create_a_follow_up_while_partner_tasks_stay_open(specs, clock):
    wf = register_and_take_to_table(specs, days=10)
    wf = submit(
        wf,
        None,
        answer("School"),
        task=[
            t
            for t in ready_user_tasks(wf, "answer_information_request")
            if evaluate_prop(wf, t, "assignedOrganisation") == "school_guidance"
        ][0],
    )

    clock.advance(days=9)
    wf = fire_due_timers(wf)
    assert ready_user_tasks(wf, "follow_up_overdue_requests") == []

    clock.advance(days=2)
    wf = fire_due_timers(wf)
    follow_up = ready_user_tasks(wf, "follow_up_overdue_requests")
    assert len(follow_up) == 1
    assert follow_up[0].task_spec.lane == "Coordinator"
    still_open = ready_user_tasks(wf, "answer_information_request")
    assert [evaluate_prop(wf, t, "assignedOrganisation") for t in still_open] == ["youth_care"]

    # Ending the follow-up branch does not end the case.
    wf = submit(wf, "follow_up_overdue_requests", example("follow-up-overdue"))
    assert not wf.is_completed()
    assert len(ready_user_tasks(wf, "answer_information_request")) == 1

    wf = submit(wf, "answer_information_request", answer("Youth care"))
    consultation = ready_user_tasks(wf, "case_consultation")[0]
    assert [a["organisation"] for a in consultation.data["answers"]] == [
        "school_guidance",
        "youth_care",
    ]

    wf = submit(
        wf, "case_consultation", dict(example("case-consultation"), next_step="closure_review")
    )
    wf = submit(wf, "closure_review", example("closure-review"))
    clock.advance(days=200)
    wf = fire_due_timers(wf)
    wf = submit(wf, "aftercare_check_in", example("aftercare-check-in"))
    assert wf.is_completed()
    assert wf.data["outcome"] == "closed"
    assert wf.data["follow_up"]["note"] == example("follow-up-overdue")["note"]


def test_answers_must_come_through_add_data_from_form(specs):
    """The partner form is stored under `answer` (spiffworkflow:variableName) by
    add_data_from_form; merging the fields into task.data by hand leaves no `answer`."""
    wf = register_and_take_to_table(specs, partners=("police",))
    task = ready_user_tasks(wf, "answer_information_request")[0]
    assert task.task_spec.variable == "answer"
    task.data.update(answer("Police"))
    with pytest.raises(WorkflowTaskException, match="answer"):
        task.run()
