"""Which element plays which part in the evaluation is the diagram's word (the property
evaluationMilestone), with the default process's ids where a version marks nothing; and a
process owner is warned when a milestone is marked twice, wrongly or nowhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from webapp import engine
from webapp.engine.bundle import build_bundle
from webapp.engine.milestones import MILESTONES, Milestones, check_milestones, resolve

ROOT = Path(__file__).resolve().parents[2]
CASE, REQUEST = "processes/case.bpmn", "processes/information-request.bpmn"
INTAKE_MARK = '<spiffworkflow:property name="evaluationMilestone" value="intake_decision" />'


@pytest.fixture(scope="module")
def default_files():
    return engine.read_bundle_dir(ROOT)


def processes(files):
    bundle = build_bundle(files, "maw_case")
    return [bundle.spec, *bundle.subprocess_specs.values()]


def changed(files, path, *replacements):
    out = dict(files)
    for old, new in replacements:
        assert old in out[path], old
        out[path] = out[path].replace(old, new)
    return out


def test_the_default_bundle_marks_every_milestone_once(default_files):
    found = resolve(processes(default_files))
    assert found == Milestones.defaults()
    assert check_milestones(processes(default_files), took_part=True) == []
    for key in MILESTONES:
        assert sum(f'value="{key}"' in text for text in default_files.values()) == 1, key


def test_a_renamed_step_that_keeps_its_mark_is_still_the_milestone(default_files):
    renamed = changed(default_files, CASE, ("confirm_intake_decision", "decide_on_intake"))
    procs = processes(renamed)
    assert resolve(procs).of("intake_decision") == {"decide_on_intake"}
    assert check_milestones(procs) == []


def test_an_unmarked_version_keeps_the_default_ids(default_files):
    """Versions published before the property existed count as they always did."""
    plain = {path: text.replace("evaluationMilestone", "unused") for path, text in
             default_files.items()}
    assert resolve(processes(plain)) == Milestones.defaults()
    assert check_milestones(processes(plain)) == []


def test_a_renamed_unmarked_intake_is_warned_about_with_the_figures_it_loses(default_files):
    renamed = changed(default_files, CASE, (INTAKE_MARK, ""),
                      ("confirm_intake_decision", "decide_on_intake"))
    procs = processes(renamed)
    assert resolve(procs).of("intake_decision") == frozenset()
    [warning] = check_milestones(procs)
    assert warning.warning and warning.file == CASE
    assert "'intake_decision'" in warning.message
    assert "misses the intake decisions" in warning.message
    assert "evaluationMilestone" in warning.message


def test_marked_twice_wrong_kind_and_unknown_values_are_warned_about(default_files):
    twice = changed(default_files, CASE, (
        '<spiffworkflow:property name="evaluationMilestone" value="review" />',
        '<spiffworkflow:property name="evaluationMilestone" value="consultation" />'))
    [warning, missing] = check_milestones(processes(twice))
    assert warning.element_id == "case_consultation"
    assert "2 elements are marked as the evaluation milestone 'consultation'" in warning.message
    assert "case_consultation, review_case" in warning.message
    # review lost its mark, and its default id plays another part: not taken
    assert resolve(processes(twice)).of("review") == frozenset()
    assert "'review'" in missing.message and missing.element_id is None

    on_a_timer = changed(default_files, REQUEST, (
        'value="information_request_deadline"', 'value="information_request_reminder"'))
    messages = [str(w) for w in check_milestones(processes(on_a_timer))]
    assert any("Timer_answer_deadline" in m and "must be a user task" in m for m in messages)

    typo = changed(default_files, CASE, ('value="case_end"', 'value="case_ended"'))
    [warning, missing] = check_milestones(processes(typo))
    assert warning.element_id == "end_case" and "'case_ended'" in warning.message
    assert "'case_end'" in missing.message and "the time in aftercare" in missing.message


def test_a_process_of_another_tool_is_left_alone_unless_it_lost_its_milestones(
        default_files):
    bare = {path: text for path, text in default_files.items()
            if not path.startswith("processes/")}
    bare["processes/call.bpmn"] = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="welcome_call" name="Welcome call" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:endEvent id="end"><bpmn:incoming>f1</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""
    bundle = build_bundle(bare, "welcome_call")
    procs = [bundle.spec, *bundle.subprocess_specs.values()]
    assert check_milestones(procs) == []
    [warning] = check_milestones(procs, took_part=True)
    assert "no element of this process is marked for the evaluation" in warning.message
