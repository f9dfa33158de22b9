"""Publishing says truthfully what changed and which version new cases start on; importing a
zip never replaces a draft silently; the form editor pairs forms in both naming conventions."""

import io
import zipfile

from sqlalchemy import func, select

from tests.webapp.helpers import actor
from webapp.extensions import db
from webapp.models import ProcessDraft, ProcessVersion
from webapp.services.designer import drafts

from .test_designer import FORM, OTHER_TOOL_BPMN


def owner():
    return actor("owner")


def versions() -> int:
    return db.session.scalar(select(func.count(ProcessVersion.id)))


def test_publishing_the_newest_version_again_publishes_nothing(network, login):
    page = login("owner").post("/designer/maw_case/publish", follow_redirects=True).text
    assert ("Nothing changed: the draft is the same as version 1, so nothing was published. "
            "New cases start on version 1.") in page
    assert versions() == 1


def test_each_publish_names_the_version_new_cases_start_on(network, login):
    client = login("owner")
    drafts.save_file(owner(), "maw_case", "forms/check-signal.schema.json", FORM)
    db.session.commit()
    page = client.post("/designer/maw_case/publish", follow_redirects=True).text
    assert "Published as version 2." in page and "New cases start on version 2." in page
    page = client.post("/designer/maw_case/versions/2/status", data={"status": "retired"},
                       follow_redirects=True).text
    assert "Version 2 is retired. New cases start on version 1." in page
    # The draft is version 2's content; version 1 is the newest in use: publishing is a change.
    page = client.post("/designer/maw_case/publish", follow_redirects=True).text
    assert "Published as version 3." in page and "New cases start on version 3." in page
    # Going back to version 1's content is a publish like any other.
    client.post("/designer/maw_case/versions/1/edit")
    page = client.post("/designer/maw_case/publish", follow_redirects=True).text
    assert "Published as version 4." in page
    four = db.session.scalar(select(ProcessVersion).where(ProcessVersion.version == 4))
    one = db.session.scalar(select(ProcessVersion).where(ProcessVersion.version == 1))
    assert four.bundle_hash == one.bundle_hash and four.files == one.files


def _zip(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buffer.getvalue()


WELCOME = {
    "welcome_call/welcome_call.bpmn": OTHER_TOOL_BPMN,
    "welcome_call/call-schema.json": '{"type": "object", "properties": '
                                     '{"reached": {"type": "boolean"}}}',
    "welcome_call/call-uischema.json": "{}",
}


def _import(client, **form):
    return client.post("/designer/import", data={
        "bundle": (io.BytesIO(_zip(WELCOME)), "welcome.zip"), **form},
        content_type="multipart/form-data", follow_redirects=True)


def test_an_import_over_an_existing_draft_asks_first(network, login):
    client = login("owner")
    assert _import(client).status_code == 200  # a new process: its draft is made
    drafts.save_file(owner(), "welcome_call", "forms/call-uischema.json", '{"ui:order": ["*"]}')
    db.session.commit()
    asked = _import(client)
    assert asked.status_code == 409
    assert "A draft of &#39;welcome_call&#39; exists already" in asked.text
    assert 'value="welcome_call_2"' in asked.text
    draft = db.session.scalar(select(ProcessDraft).where(ProcessDraft.process_id ==
                                                         "welcome_call"))
    db.session.refresh(draft)
    assert draft.files["forms/call-uischema.json"] == '{"ui:order": ["*"]}'  # untouched

    _import(client, choice="new", new_id="welcome_pilot")
    pilot = db.session.scalar(select(ProcessDraft).where(ProcessDraft.process_id ==
                                                         "welcome_pilot"))
    assert 'id="welcome_pilot"' in pilot.files["processes/welcome_call.bpmn"]
    assert 'processRef="welcome_pilot"' in pilot.files["processes/welcome_call.bpmn"]
    assert pilot.problems == []

    _import(client, choice="replace")
    db.session.refresh(draft)
    assert draft.files["forms/call-uischema.json"] == "{}"


def test_two_processes_with_one_id_are_named_on_import(network, login):
    copy = OTHER_TOOL_BPMN.replace('id="d1"', 'id="d2"')
    client = login("owner")
    client.post("/designer/import", data={"bundle": (io.BytesIO(_zip({
        **WELCOME, "welcome_call/copy.bpmn": copy})), "w.zip")},
        content_type="multipart/form-data")
    draft = db.session.scalar(select(ProcessDraft).where(ProcessDraft.process_id ==
                                                         "welcome_call"))
    [problem] = draft.problems
    assert problem["element_id"] == "welcome_call"
    assert "(in processes/copy.bpmn and processes/welcome_call.bpmn)" in problem["message"]


def test_the_form_editor_pairs_spiff_arena_names(network, login):
    client = login("owner")
    _import(client)
    for path in ("forms/call-schema.json", "forms/call-uischema.json"):
        page = client.get(f"/designer/welcome_call/edit/{path}").text
        assert "JSON Schema (forms/call-schema.json)" in page
        assert "UI schema (forms/call-uischema.json, optional)" in page
    client.post("/designer/welcome_call/forms/new", data={"name": "follow-up-schema"})
    assert "forms/follow-up-schema.json" in drafts.open_draft(owner(), "welcome_call").files
