"""Process owners translate their bundle: the workbench's translation page, the warnings on
the draft page and at deployment, and a translated draft published and shown to a reader."""

import json
import shutil

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Organisation, ProcessDraft
from webapp.services.designer import drafts

from ..conftest import ROOT
from .helpers import actor, only_task, register

CHANGED = "Register the signal, please"


def _renamed_first_step(owner_client):
    """The owner renames the first step in the draft: the name has no translation yet."""
    draft = drafts.open_draft(actor("owner"), "maw_case")
    text = draft.files["processes/case.bpmn"].replace('name="Register signal"',
                                                      f'name="{CHANGED}"')
    drafts.save_file(actor("owner"), "maw_case", "processes/case.bpmn", text)
    db.session.commit()


def test_the_draft_page_counts_the_texts_without_a_translation(app, network, login):
    client = login("owner")
    page = client.get("/designer/maw_case/").get_data(as_text=True)
    assert "Every text has a translation in every language offered." in page
    _renamed_first_step(client)
    page = client.get("/designer/maw_case/").get_data(as_text=True)
    assert "1 text has no translation in Dutch." in page
    assert "1 text has no translation in French." in page


def test_the_owner_translates_beside_the_source_and_publishes(app, network, login):
    client = login("owner")
    _renamed_first_step(client)
    page = client.get("/designer/maw_case/translations?language=nl&missing=1") \
        .get_data(as_text=True)
    assert page.count('name="key"') == 1 and CHANGED in page
    assert "register_signal (name)" in page  # file and element named
    key = json.dumps(["processes/case.bpmn", CHANGED])
    assert f'value="{key.replace(chr(34), "&#34;")}"' in page
    response = client.post("/designer/maw_case/translations?language=nl",
                           data={"language": "nl", "key": key, "text-0": "Graag het signaal"})
    assert response.status_code == 302
    flashed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Translations saved. Every text has a translation." in flashed
    draft = db.session.scalar(select(ProcessDraft).where(ProcessDraft.process_id == "maw_case"))
    catalog = json.loads(draft.files["i18n/nl.json"])
    assert catalog["texts"]["processes/case.bpmn"][CHANGED] == "Graag het signaal"
    assert catalog["texts"]["processes/case.bpmn"]["Confirm intake decision"]  # others kept
    assert draft.problems == []
    assert client.post("/designer/maw_case/publish").status_code == 302
    register()
    task = only_task("coordinator", "register_signal")
    reader = login("coordinator")
    reader.post("/language", data={"language": "nl"})
    assert "Graag het signaal" in reader.get(f"/tasks/{task.id}").get_data(as_text=True)
    reader.post("/language", data={"language": "fr"})  # no French yet: shown as written
    assert f">{CHANGED}</h1>" in reader.get(f"/tasks/{task.id}").get_data(as_text=True)


def test_an_emptied_translation_is_removed_and_the_source_language_is_refused(
        app, network, login):
    client = login("owner")
    key = json.dumps(["processes/case.bpmn", "Register signal"])
    client.post("/designer/maw_case/translations", data={"language": "fr", "key": key,
                                                        "text-0": "  "})
    draft = db.session.scalar(select(ProcessDraft).where(ProcessDraft.process_id == "maw_case"))
    assert "Register signal" not in json.loads(draft.files["i18n/fr.json"])["texts"][
        "processes/case.bpmn"]
    assert client.get("/designer/maw_case/translations?language=en").status_code == 404
    response = client.post("/designer/maw_case/translations",
                           data={"language": "fr", "key": "not json", "text-0": "x"})
    assert response.status_code == 302
    assert "The page sent a text it does not know." in client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert client.post("/designer/maw_case/translations",
                       data={"language": "xx"}).status_code == 400


def test_translated_instructions_that_leave_out_a_placeholder_are_pointed_out(
        app, network, login):
    client = login("owner")
    draft = drafts.open_draft(actor("owner"), "maw_case")
    source = next(s for s in json.loads(draft.files["i18n/nl.json"])["texts"][
        "processes/case.bpmn"] if s.startswith("### Aftercare check-in"))
    key = json.dumps(["processes/case.bpmn", source])
    client.post("/designer/maw_case/translations?language=nl",
                data={"language": "nl", "key": key,
                      "text-0": "### Nazorgcontact\nDe casus werd enkele maanden geleden "
                                "afgesloten."})
    page = client.get("/designer/maw_case/translations?language=nl").get_data(as_text=True)
    assert "aftercare_check_in (instructions): the translated instructions leave out " \
        "{{ aftercare_months }}" in page
    draft = db.session.scalar(select(ProcessDraft).where(ProcessDraft.process_id == "maw_case"))
    assert drafts.errors_of(draft.problems) == []  # a warning: publishing stays possible


def test_a_broken_catalog_is_a_problem_that_blocks_publishing(app, network, login):
    draft = drafts.save_file(actor("owner"), "maw_case", "i18n/nl.json", "{not json")
    db.session.commit()
    assert [p["file"] for p in draft.problems] == ["i18n/nl.json"]
    page = login("owner").get("/designer/maw_case/translations?language=nl") \
        .get_data(as_text=True)
    assert "Problems in the translation files" in page


def test_deploy_lists_the_texts_without_a_translation(app, tmp_path):
    for folder in ("processes", "rules", "forms"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    result = app.test_cli_runner().invoke(args=["deploy", "--path", str(tmp_path)])
    assert result.exit_code == 0 and "Published:" in result.output
    assert ("warning: processes/case.bpmn, element 'register_signal (name)': no Dutch "
            "translation of “Register signal”") in result.output
    assert "no French translation" in result.output
    complete = app.test_cli_runner().invoke(args=["deploy"])  # the default bundle: none
    assert "warning" not in complete.output


def test_organisations_get_names_in_other_languages_from_the_command_line(app):
    result = app.test_cli_runner().invoke(args=[
        "create-org", "police", "Local police", "--name-in", "nl=Lokale politie",
        "--name-in", "fr=Police locale"])
    assert result.exit_code == 0, result.output
    police = db.session.scalar(select(Organisation).where(Organisation.code == "police"))
    assert police.names == {"nl": "Lokale politie", "fr": "Police locale"}
    assert (police.name_in("fr"), police.name_in("de")) == ("Police locale", "Local police")
