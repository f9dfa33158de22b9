"""compile_bundle refuses broken bundles with messages naming the element."""

from __future__ import annotations

import pytest

from webapp import engine
from webapp.engine.bundle import parse_xml

from .conftest import CASE, ROLES, variant

SCRIPT = "deadline_days = 7"


def _problems(files, roles=ROLES, process_id=None):
    with pytest.raises(engine.BundleInvalid) as info:
        engine.compile_bundle(files, roles, process_id)
    return info.value.problems


def _assert_problem(problems, file, element, *words):
    texts = [str(p) for p in problems]
    matching = [p for p in problems if p.file == file and p.element_id == element]
    assert matching, texts
    message = str(matching[0]).lower()
    for word in words:
        assert word.lower() in message, message


def test_valid_bundle_compiles(bundle):
    assert (bundle.process_id, bundle.process_name) == ("test_case", "Test case")
    assert bundle.form("answer.schema.json")["type"] == "object"
    assert bundle.form("missing.json") is None


def test_malformed_xml(files):
    problems = _problems({**files, CASE: files[CASE][:-40]})
    assert problems[0].file == CASE and "well-formed" in problems[0].message


def test_missing_form_file(files):
    bad = variant(files, CASE, '"answer.schema.json"', '"answr.schema.json"')
    _assert_problem(_problems(bad), CASE, "answer_request", "answr.schema.json", "Answer request")


def test_missing_decision(files):
    bad = variant(files, CASE, ">triage</spiffworkflow:calledDecisionId>",
                  ">triage_v2</spiffworkflow:calledDecisionId>")  # fmt: skip
    _assert_problem(_problems(bad), CASE, "triage", "triage_v2", "does not exist")


def test_unknown_advice_decision(files):
    bad = variant(files, CASE, '<spiffworkflow:property name="dueIn" value="&quot;P2D&quot;" />',
                  '<spiffworkflow:property name="adviceDecisionId" value="triage_v2" />')
    _assert_problem(_problems(bad), CASE, "register", "Register signal", "advice", "triage_v2",
                    "does not exist", "known: triage")


def test_known_advice_decision_compiles(files):
    good = variant(files, CASE, '<spiffworkflow:property name="dueIn" value="&quot;P2D&quot;" />',
                   '<spiffworkflow:property name="adviceDecisionId" value="triage" />')
    assert engine.compile_bundle(good, ROLES).process_id == "test_case"


def test_unknown_notify_as(files):
    bad = variant(files, CASE, '<spiffworkflow:property name="dueIn" value="&quot;P2D&quot;" />',
                  '<spiffworkflow:property name="notifyAs" value="nudge" />')
    _assert_problem(_problems(bad), CASE, "register", "Register signal", "notifyAs", "nudge",
                    "reminder, escalation")
    good = variant(files, CASE, '<spiffworkflow:property name="dueIn" value="&quot;P2D&quot;" />',
                   '<spiffworkflow:property name="notifyAs" value="reminder" />')
    assert engine.compile_bundle(good, ROLES).process_id == "test_case"


def test_invalid_json_schema(files):
    problems = _problems({**files, "forms/answer.schema.json": '{"type": "nope"}'})
    assert problems[0].file == "forms/answer.schema.json"
    assert "nope" in problems[0].message


def test_form_that_is_not_json(files):
    problems = _problems({**files, "forms/register.uischema.json": "{oops"})
    assert problems[0].file == "forms/register.uischema.json"


def test_script_syntax_error(files):
    bad = variant(files, CASE, SCRIPT, "deadline_days = (7")
    _assert_problem(_problems(bad), CASE, "build_requests", "Build requests", "line 2")


def test_import_in_script(files):
    bad = variant(files, CASE, SCRIPT, "import os\ndeadline_days = 7")
    _assert_problem(_problems(bad), CASE, "build_requests", "import")


def test_sandbox_violation_in_expression_property(files):
    bad = variant(files, CASE, "request[&quot;organisation&quot;]", "request.__class__")
    _assert_problem(_problems(bad), CASE, "answer_request", "assignedOrganisation", "__class__")


@pytest.mark.parametrize("name", ["summary", "urgentWhen"])
def test_summary_and_urgency_expressions_are_checked_too(files, name):
    bad = variant(files, CASE, '<spiffworkflow:property name="dueIn" value="&quot;P2D&quot;" />',
                  f'<spiffworkflow:property name="{name}" value="().__class__" />')
    _assert_problem(_problems(bad), CASE, "register", name, "__class__")


def test_sandbox_violation_in_timer_and_dmn(files):
    bad = variant(files, CASE, '"P30D"', "__import__('os')")
    bad = variant(bad, "rules/triage.dmn", '"urgent_care"', "().__class__")
    problems = _problems(bad)
    _assert_problem(problems, CASE, "wait", "Wait a month", "timer")
    _assert_problem(problems, "rules/triage.dmn", "Rule_high", "__class__")


def test_unknown_lane_name(files):
    bad = variant(files, CASE, 'name="Partner"', 'name="Neighbour"')
    _assert_problem(_problems(bad), CASE, "answer_request", "Neighbour", "not a known role")


def test_user_task_without_lane(files):
    bad = variant(files, CASE, "<bpmn:flowNodeRef>chase</bpmn:flowNodeRef>", "")
    _assert_problem(_problems(bad), CASE, "chase", "Chase partners", "outside any lane")


def test_all_problems_are_reported_together(files):
    bad = variant(files, CASE, SCRIPT, "import os")
    bad = variant(bad, CASE, 'name="Partner"', 'name="Neighbour"')
    problems = _problems({**bad, "forms/answer.schema.json": '{"type": "nope"}'})
    assert {p.element_id for p in problems} >= {"build_requests", "answer_request", None}


def test_reserved_element_id(files):
    bad = variant(files, CASE, "EndEvent_closed", "End")
    _assert_problem(_problems(bad), CASE, "End", "reserved")


def test_main_process_must_be_unambiguous(files):
    second = files[CASE].replace('id="test_case"', 'id="other_case"')
    second = second.replace("Definitions_test", "D2")
    problems = _problems({**files, "processes/other.bpmn": second})
    assert "more than one" in problems[0].message
    assert problems[0].element_id is None


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xml = f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]><r>&x;</r>'
    assert "TOP-SECRET" not in (parse_xml(xml).text or "")


def test_bundle_files_and_hash(tmp_path, files):
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    (tmp_path / "processes" / "notes.txt").write_text("ignored")
    (tmp_path / "README.md").write_text("ignored")
    assert engine.read_bundle_dir(tmp_path) == files
    assert engine.bundle_hash(dict(reversed(files.items()))) == engine.bundle_hash(files)
    assert engine.bundle_hash({**files, CASE: files[CASE] + " "}) != engine.bundle_hash(files)
