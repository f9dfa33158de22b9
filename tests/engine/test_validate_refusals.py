"""What cannot run is refused before publishing, each message naming the file and the element
or field and saying what to do: unsupported form fields, tasks that reach nobody, duplicate
process ids, extensions and events mawflow does not run; and unknown variables are warned
about."""

from __future__ import annotations

import pytest

from webapp import engine

from .conftest import CASE, variant

REACH = {"coordinator": "network", "partner": "organisation", "process_owner": "none",
         "admin": "none"}  # fmt: skip
ASSIGNED = '<spiffworkflow:property name="assignedOrganisation" value="request[&quot;organisation&quot;]" />'  # noqa: E501
TIMER_WAIT = ('<bpmn:timerEventDefinition id="TimerDef_wait">\n        <bpmn:timeDuration '
              'xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-'
              'instance">"P30D"</bpmn:timeDuration>\n      </bpmn:timerEventDefinition>')


def problems_of(files, roles=REACH):
    with pytest.raises(engine.BundleInvalid) as info:
        engine.compile_bundle(files, roles)
    return info.value.problems


def only(problems, file, element=None):
    found = [p for p in problems if p.file == file and p.element_id == element]
    assert len(found) == 1, [str(p) for p in problems]
    return found[0].message


def test_the_test_bundle_has_neither_problems_nor_warnings(files):
    assert engine.compile_bundle(files, REACH).warnings == []


def test_an_unsupported_form_field_is_named_with_its_file(files):
    form = '{"type": "object", "properties": {"scan": {"type": "string", "format": "data-url"}}}'
    message = only(problems_of({**files, "forms/answer.schema.json": form}),
                   "forms/answer.schema.json")
    assert 'Field "scan" has the format "data-url"' in message


def test_both_naming_conventions_are_checked_and_widgets_are_named_in_the_ui_file(files):
    bad = variant(files, CASE, '"register.schema.json"', '"register-schema.json"')
    bad = variant(bad, CASE, '"register.uischema.json"', '"register-uischema.json"')
    bad["forms/register-schema.json"] = bad.pop("forms/register.schema.json")
    bad["forms/register-uischema.json"] = '{"urgency": {"ui:widget": "typeahead"}}'
    del bad["forms/register.uischema.json"]
    message = only(problems_of(bad), "forms/register-uischema.json")
    assert 'Field "urgency": the widget "typeahead"' in message
    bad["forms/register-uischema.json"] = '{"urgency": {"ui:widget": "radio"}}'
    assert engine.compile_bundle(bad, REACH).process_id == "test_case"


def test_a_ui_schema_the_task_does_not_name_is_a_warning(files):
    unnamed = variant(files, CASE, '<spiffworkflow:property name="formUiSchemaFilename" '
                      'value="register.uischema.json" />', "")
    [warning] = engine.compile_bundle(unnamed, REACH).warnings
    assert (warning.file, warning.element_id) == (CASE, "register")
    assert "without its UI schema 'register.uischema.json'" in warning.message


def test_a_partner_task_that_names_no_organisation_reaches_nobody(files):
    message = only(problems_of(variant(files, CASE, ASSIGNED, "")), CASE, "answer_request")
    assert "'Answer request' reaches nobody" in message
    assert "assignedOrganisation" in message and 'lane_owners = {"Partner": [...]}' in message


def test_lane_owners_set_in_a_script_is_an_assignment_from_the_data(files):
    owned = variant(variant(files, CASE, ASSIGNED, ""), CASE, "deadline_days = 7",
                    'deadline_days = 7\nlane_owners = {"Partner": partners}')
    assert engine.compile_bundle(owned, REACH).process_id == "test_case"


def test_a_task_in_a_lane_of_a_role_without_case_work_reaches_nobody(files):
    bad = variant(files, CASE, 'name="Partner"', 'name="Process owner"')
    message = only(problems_of(bad), CASE, "answer_request")
    assert "reaches nobody" in message and "does no case work" in message


def test_two_processes_with_one_id_name_both_files(files):
    copy = files[CASE].replace('name="Test case"', 'name="Test case, copy"')
    message = only(problems_of({**files, "processes/copy.bpmn": copy}), CASE, "test_case")
    assert "processes/case.bpmn and processes/copy.bpmn" in message


@pytest.mark.parametrize(("old", "new", "element", "words"), [
    ('<bpmn:scriptTask id="build_requests" name="Build requests">',
     '<bpmn:serviceTask id="build_requests" name="Build requests"><bpmn:extensionElements>'
     '<spiffworkflow:serviceTaskOperator id="http/GetRequestV2" resultVariable="r" />'
     '</bpmn:extensionElements>', "build_requests",
     ["the serviceTask 'Build requests' cannot run here", "script task"]),
    ('<spiffworkflow:calledDecisionId>triage</spiffworkflow:calledDecisionId>',
     '<spiffworkflow:calledDecisionId>triage</spiffworkflow:calledDecisionId>'
     '<spiffworkflow:allowGuest>true</spiffworkflow:allowGuest>', "triage",
     ["spiffworkflow:allowGuest", "no guest access", "Remove it"]),
    (TIMER_WAIT, '<bpmn:messageEventDefinition id="m1" messageRef="Message_x" />', "wait",
     ["waits for the message 'partner_replied', which nothing sends",
      "The application sends only: 'review_now'"]),
    (TIMER_WAIT, '<bpmn:signalEventDefinition id="s1" signalRef="Signal_x" />', "wait",
     ["waits for the signal 'all_clear', which nothing sends"]),
])  # fmt: skip
def test_what_mawflow_does_not_run_is_refused_naming_the_element(files, old, new, element,
                                                                 words):
    bad = variant(files, CASE, old, new)
    if old.startswith("<bpmn:scriptTask"):
        bad = variant(bad, CASE, "deadline_days = 7</bpmn:script>\n    </bpmn:scriptTask>",
                      "deadline_days = 7</bpmn:script>\n    </bpmn:serviceTask>")
    bad = variant(bad, CASE, "</bpmn:definitions>", '<bpmn:message id="Message_x" '
                  'name="partner_replied" /><bpmn:signal id="Signal_x" name="all_clear" />'
                  "</bpmn:definitions>")
    message = only(problems_of(bad), CASE, element)
    for word in words:
        assert word in message, message


def test_a_message_the_application_sends_may_be_waited_for(files):
    good = variant(files, CASE, TIMER_WAIT,
                   '<bpmn:messageEventDefinition id="m1" messageRef="Message_review" />')
    good = variant(good, CASE, "</bpmn:definitions>",
                   '<bpmn:message id="Message_review" name="review_now" /></bpmn:definitions>')
    assert engine.compile_bundle(good, REACH).process_id == "test_case"


def test_a_message_nobody_waits_for_is_refused_where_it_is_sent(files):
    bad = variant(files, CASE, '<bpmn:endEvent id="End_chase">',
                  '<bpmn:endEvent id="End_chase" name="Tell the police">'
                  '<bpmn:messageEventDefinition id="m2" messageRef="Message_x" />')
    bad = variant(bad, CASE, "</bpmn:definitions>",
                  '<bpmn:message id="Message_x" name="to_police" /></bpmn:definitions>')
    message = only(problems_of(bad), CASE, "End_chase")
    assert "sends the message 'to_police', which no part of the process waits for" in message


def test_an_unknown_extension_element_is_left_alone(files):
    kept = variant(files, CASE, "<spiffworkflow:calledDecisionId>",
                   "<spiffworkflow:somethingNew>x</spiffworkflow:somethingNew>"
                   "<spiffworkflow:calledDecisionId>")
    assert engine.compile_bundle(kept, REACH).warnings == []


def test_a_variable_no_step_sets_is_a_warning_naming_the_script_and_the_decision(files):
    typo = variant(files, CASE, "for o in partners]", "for o in partnrs]")
    dmn = next(p for p in files if p.endswith(".dmn"))
    text = typo[dmn]
    expression = text.split("<inputExpression", 1)[1].split("<text>", 1)[1].split("</text>")[0]
    typo[dmn] = text.replace(f"<text>{expression}</text>", f"<text>{expression} or urgnt</text>",
                             1)
    warnings = engine.compile_bundle(typo, REACH).warnings  # warnings do not block
    texts = {(w.file, w.element_id): w.message for w in warnings}
    assert "the script of 'Build requests' reads 'partnrs'" in texts[(CASE, "build_requests")]
    [(dmn_file, input_id)] = [k for k in texts if k[0] == dmn]
    assert "of the decision 'triage' (called by 'Triage' in processes/case.bpmn) reads 'urgnt'" \
        in texts[(dmn_file, input_id)]
    assert all(w.warning for w in warnings)
