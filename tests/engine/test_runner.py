"""Running the casework bundle: ready tasks, completion, multi-instance, timers, state."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from webapp import engine
from webapp.engine import serializer

from .conftest import T0, first, roundtrip

REGISTER = {"urgency": "high", "partners": ["police", "school"]}


def _start(bundle):
    return roundtrip(bundle, engine.start(bundle, {"case_code": "MAW-1", "note": "<i>"}, now=T0))


def _at_requests(bundle):
    step = _start(bundle)
    return roundtrip(
        bundle, engine.complete(bundle, step.state, step.ready[0].id, REGISTER, now=T0)
    )


def test_start_offers_register_task_with_lane_form_and_filled_instructions(bundle):
    step = _start(bundle)
    [task] = step.ready
    assert (task.spec_name, task.title, task.lane) == ("register", "Register signal", "coordinator")
    assert (task.form, task.ui_form) == ("register.schema.json", "register.uischema.json")
    assert task.instructions == "Register case **MAW-1** <b>&lt;i&gt;</b>"
    assert task.organisation is None
    assert task.due_at == T0 + timedelta(days=2)
    assert task.data["case_code"] == "MAW-1"
    assert not step.finished


def test_due_date_is_stable_across_later_snapshots(bundle):
    step = _start(bundle)
    later = engine.snapshot(bundle, step.state, now=T0 + timedelta(days=9))
    assert later.ready[0].due_at == T0 + timedelta(days=2)
    assert later.state == step.state


def test_rule_and_script_run_and_partner_tasks_are_assigned(bundle):
    step = _at_requests(bundle)
    assert [(c.spec_name, c.type) for c in step.completed] == [
        ("triage", "BusinessRuleTask"),
        ("build_requests", "ScriptTask"),
    ]
    answers = [t for t in step.ready if t.spec_name == "answer_request"]
    assert [(t.title, t.lane, t.organisation) for t in answers] == [
        ("Answer request", "partner", "police"),
        ("Answer request", "partner", "school"),
    ]
    assert {t.due_at for t in answers} == {T0 + timedelta(days=7)}
    assert answers[1].instructions == "Please answer for school."
    assert answers[0].data["route"] == "urgent_care"


def test_complete_refuses_unknown_garbage_and_non_ready_ids(bundle):
    start = _start(bundle)
    step = _at_requests(bundle)
    timer_id = step.timers[0].task_id
    done_id = start.ready[0].id
    for bad in ("00000000-0000-0000-0000-000000000000", "not-a-uuid", timer_id):
        with pytest.raises(engine.TaskNotReady):
            engine.complete(bundle, step.state, bad, {}, now=T0)
    with pytest.raises(engine.TaskNotReady):
        engine.complete(bundle, step.state, done_id, {}, now=T0)


def test_multi_instance_outputs_are_collected(bundle):
    step = _at_requests(bundle)
    for task in reversed([t for t in step.ready if t.spec_name == "answer_request"]):
        answer = {"answer": f"seen by {task.organisation}"}
        step = roundtrip(bundle, engine.complete(bundle, step.state, task.id, answer, now=T0))
    assert sorted(step.data["answers"]) == ["seen by police", "seen by school"]
    assert not [t for t in step.ready if t.spec_name == "answer_request"]


def test_boundary_timer_waits_then_fires_reminder_while_partners_keep_their_tasks(bundle):
    step = _at_requests(bundle)
    [timer] = step.timers
    assert timer.due_at == T0 + timedelta(days=5)
    early = engine.fire_timers(bundle, step.state, now=T0 + timedelta(days=4, hours=23))
    assert [t.id for t in early.ready] == [t.id for t in step.ready]
    assert early.timers == step.timers and early.completed == []
    late = roundtrip(bundle, engine.fire_timers(bundle, step.state, now=T0 + timedelta(days=6)))
    assert [c.type for c in late.completed] == ["TimerEvent"]
    chase = first(late, "chase")
    assert chase.lane == "coordinator"
    assert [t.id for t in late.ready if t.spec_name == "answer_request"] == [
        t.id for t in step.ready
    ]


def test_intermediate_timer_then_closing_script_finishes_the_case(bundle):
    step = _at_requests(bundle)
    answered_at = T0 + timedelta(days=1)
    for task in [t for t in step.ready if t.spec_name == "answer_request"]:
        step = engine.complete(bundle, step.state, task.id, {"answer": "ok"}, now=answered_at)
    [timer] = roundtrip(bundle, step).timers
    assert timer.due_at == answered_at + timedelta(days=30)
    assert not engine.fire_timers(bundle, step.state, now=timer.due_at).finished
    done = engine.fire_timers(bundle, step.state, now=timer.due_at + timedelta(seconds=1))
    assert done.finished and done.ready == [] and done.timers == []
    assert done.data["outcome"] == "answered"
    assert done.data["closure_reason"] == "All 2 partners answered"
    assert ("EndEvent_closed", "Case closed", "EndEvent") in [
        (c.spec_name, c.title, c.type) for c in done.completed
    ]


def test_state_does_not_embed_the_spec_but_resumes_on_a_stored_bundle(bundle, files):
    step = _at_requests(bundle)
    stored = json.loads(step.state)
    assert "spec" not in stored and "subprocess_specs" not in stored
    wf = serializer.load_state(step.state, bundle.spec, bundle.subprocess_specs, bundle.hash)
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    with_spec = BpmnWorkflowSerializer(registry).serialize_json(wf)
    assert len(step.state) < len(with_spec) - len(bundle.spec_json()) // 2
    reloaded = engine.Bundle.from_stored(files, bundle.spec_json())
    task = first(step, "answer_request")
    after = engine.complete(reloaded, step.state, task.id, {"answer": "x"}, now=T0)
    assert len([t for t in after.ready if t.spec_name == "answer_request"]) == 1


def test_unloadable_states_raise_state_error(bundle, files):
    step = _start(bundle)
    other = engine.compile_bundle({**files, "forms/extra.json": "{}"}, ["coordinator", "partner"])
    for bad_bundle, state in ((bundle, "{nope"), (bundle, "[]"), (other, step.state)):
        with pytest.raises(engine.StateError):
            engine.snapshot(bad_bundle, state)


@pytest.mark.parametrize(
    "data",
    [
        {"typename": "x"},
        {"a": [{"b": {"typename": 1}}]},
        {"a": {1, 2}},
        {"a": (1, 2)},
        {"a": float("nan")},
        {1: "int key"},
        {"when": T0},
    ],
)
def test_non_json_or_typename_data_is_rejected(bundle, data):
    step = _start(bundle)
    with pytest.raises(engine.DataRejected):
        engine.complete(bundle, step.state, step.ready[0].id, data, now=T0)
    with pytest.raises(engine.DataRejected):
        engine.start(bundle, data, now=T0)
