"""The process owners' workbench: drafts, validation, publishing, migration, zip, access."""

import io
import zipfile

import pytest
from sqlalchemy import select

from tests.webapp.helpers import actor, complete, example, register
from webapp.extensions import db
from webapp.models import AuditEvent, Case, ProcessVersion
from webapp.services.designer import bundlezip, drafts, migration
from webapp.services.errors import InvalidInput

NEW_TASK = """
    <bpmn:userTask id="check_signal" name="Check the signal">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="check-signal.schema.json" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_to_triage</bpmn:incoming>
      <bpmn:outgoing>Flow_check_to_triage</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="Flow_check_to_triage" sourceRef="check_signal"
                       targetRef="triage_recommendation" />
"""
FORM = '{"type": "object", "properties": {"ok": {"type": "boolean", "title": "Signal checked"}}}'


def insert_check_task(text: str) -> str:
    """register_signal -> check_signal (new, in the coordinator lane) -> triage."""
    text = text.replace(
        '<bpmn:sequenceFlow id="Flow_to_triage" sourceRef="register_signal" '
        'targetRef="triage_recommendation" />',
        '<bpmn:sequenceFlow id="Flow_to_triage" sourceRef="register_signal" '
        'targetRef="check_signal" />' + NEW_TASK)
    text = text.replace("<bpmn:flowNodeRef>register_signal</bpmn:flowNodeRef>",
                        "<bpmn:flowNodeRef>register_signal</bpmn:flowNodeRef>"
                        "<bpmn:flowNodeRef>check_signal</bpmn:flowNodeRef>")
    end = "</bpmn:incoming>\n    </bpmn:businessRuleTask"
    return text.replace(f"<bpmn:incoming>Flow_to_triage{end}",
                        f"<bpmn:incoming>Flow_check_to_triage{end}")


def owner():
    return actor("owner")


def test_missing_form_is_named_and_blocks_publishing(network):
    draft = drafts.open_draft(owner(), "maw_case")
    changed = insert_check_task(draft.files["processes/case.bpmn"])
    assert "check_signal" in changed
    draft = drafts.save_file(owner(), "maw_case", "processes/case.bpmn", changed)
    assert any(p["element_id"] == "check_signal" and "check-signal.schema.json" in p["message"]
               for p in draft.problems), draft.problems
    with pytest.raises(InvalidInput):
        drafts.publish_draft(owner(), "maw_case")
    draft = drafts.save_file(owner(), "maw_case", "forms/check-signal.schema.json", FORM)
    assert draft.problems == []
    first = db.session.scalar(select(ProcessVersion).where(ProcessVersion.version == 1))
    before = dict(first.files)
    version = drafts.publish_draft(owner(), "maw_case").version
    assert version.version == 2
    assert "forms/check-signal.schema.json" in version.files
    db.session.expire_all()
    assert first.files == before  # editing and publishing the draft left version 1 alone


@pytest.mark.parametrize(("path", "content", "expected"), [
    ("processes/case.bpmn", "<bpmn:definitions", "not well-formed XML"),
    ("forms/register-signal.schema.json", "{", "not valid JSON"),
    ("forms/register-signal.schema.json", '{"type": "nonsense"}', "not a valid JSON Schema"),
])
def test_broken_files_are_named(network, path, content, expected):
    draft = drafts.save_file(owner(), "maw_case", path, content)
    assert any(p["file"] == path and expected in p["message"] for p in draft.problems)


def test_lane_problem_names_the_element(network):
    draft = drafts.open_draft(owner(), "maw_case")
    text = draft.files["processes/case.bpmn"].replace('name="Coordinator"', 'name="Chairman"', 1)
    draft = drafts.save_file(owner(), "maw_case", "processes/case.bpmn", text)
    assert any(p["element_id"] == "register_signal" and "not a known role" in p["message"]
               for p in draft.problems)


def test_published_version_never_changes(network):
    version = db.session.scalar(select(ProcessVersion))
    version.files = {**version.files, "forms/x.json": "{}"}
    with pytest.raises(ValueError, match="cannot change"):
        db.session.flush()
    db.session.rollback()


def test_migration_moves_safe_cases_and_names_the_reason(network):
    moves = register()
    complete("coordinator", "register_signal", example("register-signal"))
    stays = register()  # at register_signal, which the new version changes
    drafts.save_file(owner(), "maw_case", "forms/check-signal.schema.json", FORM)
    draft = drafts.open_draft(owner(), "maw_case")
    drafts.save_file(owner(), "maw_case", "processes/case.bpmn",
                     insert_check_task(draft.files["processes/case.bpmn"]))
    drafts.publish_draft(owner(), "maw_case")
    db.session.commit()
    plans = {p.code: p for p in migration.plan(owner(), "maw_case", 1, 2)}
    assert plans[moves.code].reason is None
    assert "Register signal" in plans[stays.code].reason
    moved, refused = migration.migrate(owner(), "maw_case", 1, 2, [moves.id, stays.id])
    db.session.commit()
    assert moved == [moves.code]
    assert refused[0][0] == stays.code
    assert db.session.get(Case, moves.id).process_version.version == 2
    assert db.session.get(Case, stays.id).process_version.version == 1
    complete("coordinator", "confirm_intake_decision",
             example("intake-decision", intake_decision="multi_agency"))
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "process_cases_migrated")).detail["cases"] == [moves.code]


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_round_trip_and_flat_spiff_layout(network):
    files = drafts.open_draft(owner(), "maw_case").files
    flat = {path.split("/")[1]: text.encode() for path, text in files.items()}
    flat["process_model.json"] = b'{"id": "x"}'
    assert bundlezip.read_zip(_zip(flat)) == files
    assert bundlezip.read_zip(bundlezip.export_zip(files)) == files


@pytest.mark.parametrize(("name", "expected"), [
    ("../evil.bpmn", "outside the bundle"), ("/etc/x.bpmn", "outside the bundle"),
    ("bad name!.bpmn", "not a valid file name"),
])
def test_unsafe_zips_are_refused(network, name, expected):
    with pytest.raises(InvalidInput, match=expected):
        bundlezip.read_zip(_zip({name: b"<x/>"}))


def test_external_entities_are_not_resolved(network, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    xml = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'
           '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
           '<bpmn:process id="p" isExecutable="true"><bpmn:documentation>&x;</bpmn:documentation>'
           '</bpmn:process></bpmn:definitions>')
    problems = drafts.validate_files({"processes/p.bpmn": xml}, None)
    assert "TOPSECRET" not in str(problems)


def test_partner_and_coordinator_cannot_reach_the_workbench(network, login):
    for user in ("police", "coordinator", "admin"):
        client = login(user)
        assert client.get("/designer/").status_code == 403
        assert client.get("/designer/maw_case/").status_code == 403


def test_process_owner_sees_counts_not_case_content(network, login):
    case = register(full_name="Jordan Example")
    complete("coordinator", "register_signal",
             example("register-signal", signal_description="Withdrawn in class since October."))
    client = login("owner")
    page = client.get("/designer/").get_data(as_text=True)
    assert "Running cases" in page
    assert client.get(f"/cases/{case.code}").status_code in (403, 404)
    plan = client.get("/designer/maw_case/migrate?from=1&to=1")
    assert plan.status_code == 302
    for url in ("/designer/", "/designer/maw_case/"):
        text = client.get(url).get_data(as_text=True)
        assert "Jordan Example" not in text and "Withdrawn in class" not in text


def test_editor_pages_relax_only_style_src(network, login):
    client = login("owner")
    page = client.get("/designer/maw_case/edit/processes/case.bpmn")
    assert page.status_code == 200
    csp = page.headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in csp and "script-src 'self';" in csp
    assert "unsafe-inline" not in client.get("/designer/").headers["Content-Security-Policy"]


def test_trial_steps_through_forms_without_a_case(network, login):
    client = login("owner")
    client.post("/designer/maw_case/try", data={"action": "start"})
    page = client.get("/designer/maw_case/try").get_data(as_text=True)
    assert "Register signal" in page
    assert db.session.scalar(select(Case.id)) is None


def test_form_preview_renders_and_checks_sample(network, login):
    client = login("owner")
    page = client.post("/designer/maw_case/preview", data={
        "schema": FORM, "ui": "", "sample": '{"ok": "yes"}'}).get_data(as_text=True)
    assert "Signal checked" in page and "ok: " in page
    page = client.post("/designer/maw_case/preview", data={
        "schema": '{"type": "object", "properties": {"x": {"type": "nonsense"}}}'})
    assert "not a type" in page.get_data(as_text=True)


OTHER_TOOL_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d1"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="c1"><bpmn:participant id="p1" processRef="welcome_call" />
  </bpmn:collaboration>
  <bpmn:process id="welcome_call" name="Welcome call" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l1" name="Coordinator">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>call</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>done</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="call" name="Make the welcome call">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="call-schema.json" />
          <spiffworkflow:property name="formUiSchemaFilename" value="call-uischema.json" />
        </spiffworkflow:properties>
        <spiffworkflow:instructionsForEndUser>Call **{{ case_code }}**.<!--
        --></spiffworkflow:instructionsForEndUser>
        <spiffworkflow:unknownToUs>kept as it is</spiffworkflow:unknownToUs>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="done"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call" />
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="done" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_bundle_from_another_spiff_tool_imports_publishes_and_runs(network):
    data = _zip({
        "welcome_call/welcome_call.bpmn": OTHER_TOOL_BPMN.encode(),
        "welcome_call/call-schema.json": b'{"type": "object", "properties": '
                                         b'{"reached": {"type": "boolean"}}}',
        "welcome_call/call-uischema.json": b'{}',
        "welcome_call/process_model.json": b'{"display_name": "Welcome call"}',
    })
    draft = bundlezip.import_zip(owner(), data)
    assert draft.process_id == "welcome_call"
    assert draft.problems == []
    assert sorted(draft.files) == ["forms/call-schema.json", "forms/call-uischema.json",
                                   "processes/welcome_call.bpmn"]
    version = drafts.publish_draft(owner(), "welcome_call").version
    assert (version.process_id, version.version) == ("welcome_call", 1)
    from webapp.services.designer import trial

    run = trial.start(owner(), "welcome_call")
    (task,) = run.step.ready
    assert task.form == "call-schema.json" and "TRIAL-0001" in task.instructions
    run = trial.complete(owner(), "welcome_call", task.id, {"reached": True})
    assert run.step.finished


def test_diff_names_changed_elements_and_files(network, login):
    drafts.save_file(owner(), "maw_case", "forms/check-signal.schema.json", FORM)
    draft = drafts.open_draft(owner(), "maw_case")
    drafts.save_file(owner(), "maw_case", "processes/case.bpmn",
                     insert_check_task(draft.files["processes/case.bpmn"]))
    db.session.commit()
    page = login("owner").get("/designer/maw_case/diff?a=1&b=draft").get_data(as_text=True)
    assert "Check the signal (userTask, check_signal)" in page
    assert "Flow_to_triage (sequenceFlow, Flow_to_triage)" in page  # now leads to the new step
    assert "forms/check-signal.schema.json" in page


def test_retiring_keeps_one_published_version(network):
    with pytest.raises(InvalidInput, match="only published version"):
        drafts.set_status(owner(), "maw_case", 1, "retired")


def test_export_is_the_version_as_published(network, login):
    response = login("owner").get("/designer/maw_case/export.zip?version=1")
    version = db.session.scalar(select(ProcessVersion))
    assert bundlezip.read_zip(response.data) == version.files


def test_trial_jumps_to_a_timer(network):
    from webapp.services.designer import trial

    run = trial.start(owner(), "maw_case")
    with pytest.raises(Exception, match="No timer"):
        trial.fire_timers(owner(), "maw_case")
    assert run.step.ready[0].spec_name == "register_signal"


def test_a_case_inside_the_information_requests_moves_and_goes_on(network):
    from tests.webapp.helpers import inbox, to_consultation

    case = to_consultation(partners=("police",))
    assert len(inbox("police")) == 1  # the police answer is pending inside the call activity
    drafts.save_file(owner(), "maw_case", "forms/check-signal.schema.json", FORM)
    draft = drafts.open_draft(owner(), "maw_case")
    drafts.save_file(owner(), "maw_case", "processes/case.bpmn",
                     insert_check_task(draft.files["processes/case.bpmn"]))
    drafts.publish_draft(owner(), "maw_case")
    db.session.commit()
    (plan,) = migration.plan(owner(), "maw_case", 1, 2)
    assert plan.reason is None, plan.reason
    moved, _ = migration.migrate(owner(), "maw_case", 1, 2, [case.id])
    db.session.commit()
    assert moved == [case.code]
    (task,) = inbox("police")
    complete("police", task.spec_name, example("information-answer"))
    moved_case = db.session.get(Case, case.id)
    assert moved_case.current_step == "Case consultation", moved_case.last_error


def test_a_new_decision_table_is_valid_from_the_start(network):
    path = drafts.add_decision(owner(), "maw_case", "review_advice")
    draft = drafts.open_draft(owner(), "maw_case")
    assert path in draft.files and draft.problems == []
    with pytest.raises(InvalidInput, match="letters"):
        drafts.add_decision(owner(), "maw_case", "1 bad")


def test_a_stale_editor_does_not_overwrite_someone_elses_save(network, login):
    client = login("owner")
    url = "/designer/maw_case/files/forms/register-signal.uischema.json"
    opened = client.get(url).headers["X-Content-Hash"]
    first = client.post(url, json={"content": "{}", "base": opened})
    assert first.status_code == 200
    second = client.post(url, json={"content": '{"ui:order": ["*"]}', "base": opened})
    assert second.status_code == 409
    assert "after you opened it" in second.get_json()["error"]
    assert client.get(url).get_data(as_text=True) == "{}"


def test_a_broken_diagram_can_be_repaired_as_text(network, login):
    client = login("owner")
    original = drafts.open_draft(owner(), "maw_case").files["processes/case.bpmn"]
    db.session.commit()
    url = "/designer/maw_case/files/processes/case.bpmn"
    saved = client.post(url, json={"content": original[:-40]}).get_json()
    assert any("not well-formed XML" in p["message"] for p in saved["problems"])
    page = client.get("/designer/maw_case/edit/processes/case.bpmn?as=text")
    assert page.status_code == 200
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    assert client.post(url, json={"content": original}).get_json()["problems"] == []
