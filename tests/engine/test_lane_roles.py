"""Lane names become roles; "Table" is an alias whose tasks the coordinators record."""

from __future__ import annotations

import pytest

from webapp import engine
from webapp.engine.taskinfo import role_name

from .conftest import CASE, ROLES, T0, variant

TABLE = ('<bpmn:lane id="Lane_coordinator" name="Coordinator">',
         '<bpmn:lane id="Lane_coordinator" name="Table">')  # fmt: skip


@pytest.mark.parametrize(("lane", "role"), [
    ("Coordinator", "coordinator"), ("Partner", "partner"), ("Process Owner", "process_owner"),
    ("Table", "coordinator"), (" table ", "coordinator"), ("TABLE", "coordinator"),
    ("Neighbour", "neighbour"), (None, None), ("", None),
])  # fmt: skip
def test_role_name(lane, role):
    assert role_name(lane) == role


def test_tasks_in_a_table_lane_are_for_coordinators(files):
    bundle = engine.compile_bundle(variant(files, CASE, *TABLE), ROLES)
    step = engine.start(bundle, {"case_code": "MAW-1"}, now=T0)
    [task] = step.ready
    assert task.spec_name == "register"
    assert bundle.spec.task_specs["register"].lane == "Table"
    assert task.lane == "coordinator"


def test_unknown_lane_is_still_refused_and_the_message_names_the_table(files):
    bad = variant(files, CASE, 'name="Partner"', 'name="Tables"')
    with pytest.raises(engine.BundleInvalid) as info:
        engine.compile_bundle(bad, ROLES)
    [problem] = [p for p in info.value.problems if p.element_id == "answer_request"]
    assert problem.file == CASE
    assert "lane 'Tables', which is not a known role" in problem.message
    assert "table (tasks go to coordinator)" in problem.message


def test_table_lane_is_refused_where_there_are_no_coordinators(files):
    roles = [r for r in ROLES if r != "coordinator"]
    with pytest.raises(engine.BundleInvalid) as info:
        engine.compile_bundle(variant(files, CASE, *TABLE), roles)
    problem = next(p for p in info.value.problems if p.element_id == "register")
    assert "lane 'Table'" in problem.message and "(tasks go to" not in problem.message
