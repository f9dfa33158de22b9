"""The process owners' workbench in Dutch and in French: the process list, a draft with a
validation problem (also one found while the owner read English), the editors' words and
the translations page show the owner's language, and no English sentence of the workbench
is left on them."""

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.webapp.helpers import actor
from webapp.extensions import db
from webapp.services.designer import drafts

from .test_designer import FORM, insert_check_task
from .test_trials import saved_scenario

ROOT = Path(__file__).resolve().parents[2]
#: Where the workbench's messages are written (templates, views, services, validation).
AREA = ("webapp/templates/designer/", "webapp/designer/", "webapp/services/designer/",
        "webapp/services/bundles.py", "webapp/engine/", "webapp/i18n/phrases.py")
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\{[^}]*\}\}|\{\w+\}")


@pytest.fixture(scope="module")
def english_sentences(tmp_path_factory):
    """{language: English pieces of the workbench's messages that its translation does not
    keep}: three words or more between placeholders, e.g. "is a user task outside any lane;
    put it in the lane of the role that does it"."""
    target = tmp_path_factory.mktemp("workbench") / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run([str(pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k",
                    "lazy_gettext", "-o", str(target), "."], cwd=ROOT, check=True)
    with target.open("rb") as handle:
        extracted = [m for m in read_po(handle) if m.id and any(
            where.startswith(AREA) for where, _line in m.locations)]
    pieces = {}
    for language in ("nl", "fr"):
        with (ROOT / f"webapp/translations/{language}/LC_MESSAGES/messages.po").open("rb") as f:
            catalog = read_po(f)
        found = set()
        for message in extracted:
            ids = [message.id] if isinstance(message.id, str) else list(message.id)
            kept = catalog.get(ids[0], context=message.context)
            strings = kept.string if isinstance(kept.string, tuple | list) else [kept.string]
            for text in ids:
                for piece in _PLACEHOLDER.split(text):
                    piece = piece.strip(" .,:;()'\"“”")
                    if len(piece.split()) >= 3 and not any(piece in s for s in strings):
                        found.add(piece)
        pieces[language] = found
    assert len(pieces["nl"]) > 300  # the scan sees the workbench's messages
    return pieces


def _readable(page: str) -> str:
    """What a person reads or hears on a page: its text, its labels and the editors' words."""
    words = [" ".join(json.loads(html.unescape(w)).values())
             for w in re.findall(r'data-words="([^"]*)"', page)]
    labels = re.findall(r'(?:aria-label|title|placeholder)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(" ".join([text, *labels, *words]))


def _english_left(page: str, pieces: set[str]) -> list[str]:
    readable = " ".join(_readable(page).split())
    return sorted(p for p in pieces if p in readable)


def _owner_reading(login, language):
    client = login("owner")
    client.post("/language", data={"language": language})
    return client


def _draft_with_a_missing_form():
    """The owner added a task whose form does not exist: saved while reading English (no
    request: the service alone), so the draft keeps the problem as found then."""
    owner = actor("owner")
    draft = drafts.open_draft(owner, "maw_case")
    drafts.save_file(owner, "maw_case", "processes/case.bpmn",
                     insert_check_task(draft.files["processes/case.bpmn"]))
    db.session.commit()


EXPECTED = {
    "nl": {
        "start": ["Processen", "Een bundel importeren", "Nieuwe casussen starten hier",
                  "Het ontwerp openen", "Lopende casussen", "Wie wijzigde wat"],
        "draft": ["1 probleem op te lossen voor je publiceert",
                  "de taak 'Check the signal' gebruikt het formulierbestand "
                  "'check-signal.schema.json', dat niet in forms/ staat",
                  "Los de problemen hierboven op om het ontwerp uit te proberen of te "
                  "publiceren.", "Publiceren als nieuwe versie", "Een formulier toevoegen",
                  " · element "],
        "saved": ["Bewaard. Het ontwerp heeft geen problemen", "Bezig met bewaren…"],
        "translations": ["Vertalingen van het ontwerp", "(naam)", "(instructies)"],
    },
    "fr": {
        "start": ["Processus", "Importer un paquet", "Les nouveaux dossiers démarrent ici",
                  "Ouvrir le brouillon", "Dossiers en cours", "Qui a modifié quoi"],
        "draft": ["1 problème à corriger avant de publier",
                  "la tâche « Check the signal » utilise le fichier de formulaire "
                  "« check-signal.schema.json », qui n'est pas dans forms/",
                  "Corrigez les problèmes ci-dessus pour essayer ou publier le brouillon.",
                  "Publier comme nouvelle version", "Ajouter un formulaire", " · élément "],
        "saved": ["Enregistré. Le brouillon n'a aucun problème", "Enregistrement…"],
        "translations": ["Traductions du brouillon", "(nom)", "(instructions)"],
    },
}


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_workbench_start_page_speaks_the_owners_language(app, network, login,
                                                             english_sentences, language):
    client = _owner_reading(login, language)
    drafts.open_draft(actor("owner"), "maw_case")  # "Who changed what" and the draft line
    _draft_with_a_missing_form()
    page = client.get("/designer/").get_data(as_text=True)
    assert f'<html lang="{language}"' in page
    for text in EXPECTED[language]["start"]:
        assert text in page, text
    assert _english_left(page, english_sentences[language]) == []


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_a_problem_found_in_english_is_shown_in_the_owners_language(app, network, login,
                                                                    english_sentences,
                                                                    language):
    _draft_with_a_missing_form()
    client = _owner_reading(login, language)
    page = client.get("/designer/maw_case/").get_data(as_text=True)
    for text in EXPECTED[language]["draft"]:
        assert html.unescape(text) in html.unescape(page), text
    assert "uses the form file" not in page
    assert _english_left(page, english_sentences[language]) == []

    editor = client.get("/designer/maw_case/edit/processes/case.bpmn").get_data(as_text=True)
    assert _english_left(editor, english_sentences[language]) == []
    assert EXPECTED[language]["saved"][1] in _readable(editor)  # the script's words


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_an_editors_save_answers_in_the_owners_language(app, network, login, language):
    _draft_with_a_missing_form()
    client = _owner_reading(login, language)
    url = "/designer/maw_case/files/forms/check-signal.schema.json"
    answer = client.post(url, json={"content": '{"type": "object", "properties": {}}'})
    assert answer.status_code == 200
    assert answer.get_json()["problems"] == []
    assert EXPECTED[language]["saved"][0] in answer.get_json()["html"]

    broken = client.post(url, json={"content": "{"}).get_json()
    [problem] = broken["problems"]
    assert problem["message"].startswith(
        {"nl": "het formulierbestand is geen geldige JSON: ",
         "fr": "le fichier de formulaire n'est pas du JSON valide : "}[language])
    assert problem["message"] in html.unescape(broken["html"])
    assert client.post(url, json={}).get_json()["error"] == {
        "nl": "Er is niets te bewaren.", "fr": "Il n'y a rien à enregistrer."}[language]


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_translations_page_speaks_the_owners_language(app, network, login,
                                                          english_sentences, language):
    client = _owner_reading(login, language)
    page = client.get(f"/designer/maw_case/translations?language={language}") \
        .get_data(as_text=True)
    assert page.count('name="key"') > 10  # the texts are listed
    for text in EXPECTED[language]["translations"]:
        assert text in page, text
    assert _english_left(page, english_sentences[language]) == []


def test_a_scenario_that_no_longer_runs_as_saved_says_where_in_dutch(app, network, login):
    saved_scenario()
    owner = actor("owner")
    drafts.save_file(owner, "maw_case", "forms/check-signal.schema.json", FORM)
    text = drafts.open_draft(owner, "maw_case").files["processes/case.bpmn"]
    drafts.save_file(owner, "maw_case", "processes/case.bpmn", insert_check_task(text))
    db.session.commit()  # run and kept while nobody read it
    page = html.unescape(_owner_reading(login, "nl").get("/designer/maw_case/")
                         .get_data(as_text=True))
    assert ("Bij stap 1 ('Register signal') verschilt het pad nu: het scenario ging door "
            "Register signal → Recommend an intake outcome; het ontwerp gaat nu door Register "
            "signal.") in page
    assert "Publiceren hoewel 1 scenario verschilt" in page
    assert "the path now differs" not in page


def test_the_english_workbench_is_unchanged(app, network, login, english_sentences):
    """English stays the source: the same sentences as before the workbench was wrapped
    (and the scan above finds them where they are)."""
    _draft_with_a_missing_form()
    page = login("owner").get("/designer/maw_case/").get_data(as_text=True)
    assert "1 problem to fix before publishing" in page
    assert ("the task 'Check the signal' uses the form file 'check-signal.schema.json', "
            "which is not in forms/") in html.unescape(page)
    left = _english_left(page, english_sentences["nl"])
    assert "Fix the problems above to try or publish the draft" in left
    assert len(left) > 10


@pytest.mark.parametrize(("language", "expected"), [
    ("nl", "ok: Vink het vakje aan of uit."), ("fr", "ok : Cochez ou décochez la case.")])
def test_the_form_previews_sample_check_speaks_the_owners_language(app, network, login,
                                                                   language, expected):
    """A sample that does not fit the form is told as the task form would tell it."""
    client = _owner_reading(login, language)
    form = '{"type": "object", "properties": {"ok": {"type": "boolean", "title": "Klaar"}}}'
    page = client.post("/designer/maw_case/preview", data={
        "schema": form, "ui": "", "sample": '{"ok": "yes"}'}).get_data(as_text=True)
    assert expected in html.unescape(page)
    assert "is not of type" not in page


def test_a_saved_answer_the_form_no_longer_accepts_is_worded_in_dutch(app, network, login):
    """The field's problem too, as the task form words it, not only the sentence around it."""
    saved_scenario()
    owner = actor("owner")
    name = "forms/request-information.schema.json"
    text = drafts.open_draft(owner, "maw_case").files[name]
    drafts.save_file(owner, "maw_case", name, text.replace('"maximum": 60', '"maximum": 10'))
    db.session.commit()
    page = html.unescape(_owner_reading(login, "nl").get("/designer/maw_case/")
                         .get_data(as_text=True))
    assert ("Bij stap 3 ('Request information') aanvaardt het formulier de bewaarde antwoorden "
            "niet meer: deadline_days: Geef een getal van hoogstens 10 in.") in page
    assert "at most" not in page
