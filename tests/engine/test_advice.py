"""Live advice: a user task's decision table worked out on its data and the answers so far."""

from __future__ import annotations

import pytest

from webapp import engine
from webapp.engine.advice import advise
from webapp.engine.bundle import Bundle

from .conftest import CASE, ROLES, T0, variant

ADVICE = '<spiffworkflow:property name="dueIn" value="&quot;P2D&quot;" />'
RULES = "rules/triage.dmn"


@pytest.fixture(scope="module")
def advised_files(files):
    """The casework bundle with the register task asking advice from the triage table."""
    return variant(files, CASE, ADVICE,
                   ADVICE + '<spiffworkflow:property name="adviceDecisionId" value="triage" />')


def _register(bundle):
    step = engine.start(bundle, {"case_code": "MAW-1"}, now=T0)
    return step, step.ready[0]


def test_advice_follows_the_answers_without_changing_the_case(advised_files):
    bundle = engine.compile_bundle(advised_files, ROLES)
    step, task = _register(bundle)
    high = advise(bundle, step.state, task.id, {"urgency": "high"})
    assert high.matched and high.decision_name == "Triage"
    assert (high.outputs, high.rule_number) == ([("Route", "urgent_care")], 1)
    low = advise(bundle, step.state, task.id, {"urgency": "low"})
    assert (low.outputs, low.rule_number) == ([("Route", "regular_care")], 2)
    again = engine.snapshot(bundle, step.state, now=T0)
    assert again.ready[0].data == task.data and "urgency" not in task.data


def test_a_task_without_advice_property_gets_none(bundle):
    step, task = _register(bundle)
    assert advise(bundle, step.state, task.id, {"urgency": "high"}) is None


def test_no_matching_rule_is_no_advice(advised_files):
    files = variant(advised_files, RULES, '<inputEntry id="UnaryTests_2"><text>-</text>',
                    '<inputEntry id="UnaryTests_2"><text>"medium"</text>')
    bundle = engine.compile_bundle(files, ROLES)
    step, task = _register(bundle)
    shown = advise(bundle, step.state, task.id, {"urgency": "low"})
    assert not shown.matched and shown.outputs == [] and shown.problem is None


def test_a_table_that_cannot_be_read_is_no_advice(advised_files):
    good = engine.compile_bundle(advised_files, ROLES)
    broken = Bundle({**advised_files, RULES: "<definitions"}, good.spec, good.subprocess_specs)
    step, task = _register(broken)
    shown = advise(broken, step.state, task.id, {"urgency": "high"})
    assert not shown.matched and shown.problem is None


def test_a_failing_cell_is_a_message_not_an_exception(advised_files):
    files = variant(advised_files, RULES, "<text>urgency</text>", "<text>len(urgency) / 0</text>")
    bundle = engine.compile_bundle(files, ROLES)
    step, task = _register(bundle)
    shown = advise(bundle, step.state, task.id, {"urgency": "high"})
    assert not shown.matched and "ZeroDivisionError" in shown.problem
    missing = advise(bundle, step.state, task.id, {})
    assert "urgency" in missing.problem


def test_a_task_that_is_not_ready_is_refused(advised_files):
    bundle = engine.compile_bundle(advised_files, ROLES)
    step, task = _register(bundle)
    done = engine.complete(bundle, step.state, task.id, {"urgency": "low", "partners": []},
                           now=T0)
    with pytest.raises(engine.TaskNotReady):
        advise(bundle, done.state, task.id, {"urgency": "high"})
