"""The case pages, the signal form, logging in, error pages and the page frame in Dutch and
French: a reader who chose a language sees these pages' words in it, and none of their English
words (every message of the templates and code that draw them, as `pybabel extract` finds it,
is looked for in the page's text nodes and labels)."""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

from webapp.extensions import db

from .helpers import complete, example, to_consultation
from .test_signals import report

ROOT = Path(__file__).resolve().parents[2]
WEBAPP = ROOT / "webapp"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

FRAME = ("templates/base.html", "templates/i18n/_switcher.html")
CASE_PAGE = (*FRAME, "templates/cases/show.html", "templates/cases/_pictures.html",
             "templates/_data.html", "templates/_parts.html", "services/caseview.py",
             "services/exports.py")
CASE_LIST = (*FRAME, "templates/cases/index.html", "services/exports.py")
LOGIN = (*FRAME, "templates/auth/login.html", "auth/routes.py", "extensions.py")
ERROR = (*FRAME, "templates/error.html", "errors.py", "web/__init__.py")
SIGNAL = (*FRAME, "templates/signals/new.html", "templates/_parts.html", "cases/routes.py",
          "signals/routes.py")
PARTNER_VIEW = (*FRAME, "templates/sharing/case.html", "templates/_data.html",
                "signals/routes.py", "services/exports.py")
SHARING = (*FRAME, "templates/sharing/manage.html", "sharing/routes.py",
           "services/disclosure.py")

#: What each language's reader must see (a few words per page, as a user would notice them).
SEEN = {
    "nl": {
        "case": ["Waar de casus staat in het proces", "Openstaande taken", "Tijdlijn",
                 "Opmerkingen", "Persoon (alleen coördinatoren)", "Wat werd vastgelegd",
                 "Casus geregistreerd", "Verantwoordelijke coördinator", "Dagen open",
                 "Je opmerking is toegevoegd.", "Dringende casus", "Afmelden", "Inbox"],
        "list": ["Deze casussen exporteren (CSV)", "Alle statussen", "Open"],
        "login": ["Aanmelden bij mawflow", "Meld je aan om verder te gaan."],
        "error": ["Fout 404", "Deze casus bestaat niet of is niet voor jou bestemd.",
                  "Terug naar je inbox", "Niet gevonden"],
        "signal": ["Een signaal melden", "Over wie het gaat", "Naam van de persoon",
                   "Het signaal naar de coördinator sturen", "Instructies"],
        "partner": ["Bedankt. Je signaal is geregistreerd als", "Wat je organisatie bijdroeg",
                    "Gedeeld door de coördinator"],
        "sharing": ["Betrokken organisaties", "Een plaats in het casusoverleg geven",
                    "Identiteit meegedeeld aan", "voor: informatievraag"],
    },
    "fr": {
        "case": ["Où en est le dossier dans le processus", "Tâches ouvertes", "Chronologie",
                 "Commentaires", "Personne (coordinateurs uniquement)",
                 "Ce qui a été consigné", "Dossier enregistré", "Coordinateur responsable",
                 "Jours depuis l'ouverture", "Votre commentaire a été ajouté.",
                 "Dossier urgent", "Se déconnecter", "Boîte de réception"],
        "list": ["Exporter ces dossiers (CSV)", "Tous les statuts", "Ouvert"],
        "login": ["Se connecter à mawflow", "Veuillez vous connecter pour continuer."],
        "error": ["Erreur 404", "Ce dossier n'existe pas ou ne vous est pas destiné.",
                  "Retour à votre boîte de réception", "Introuvable"],
        "signal": ["Transmettre un signalement", "Qui cela concerne", "Nom de la personne",
                   "Envoyer le signalement au coordinateur", "Instructions"],
        "partner": ["Merci. Votre signalement est enregistré sous",
                    "Ce que votre organisation a apporté", "Partagé par le coordinateur"],
        "sharing": ["Organisations impliquées", "Donner une place à la concertation de cas",
                    "Identité communiquée à", "pour : demande d'information"],
    },
}


class _Words(HTMLParser):
    """What a reader sees or hears of a page in the app's words: its text nodes and its labels,
    each with its spaces tidied. Recorded form data (``_data.html``'s lists) is left out: its
    titles and labels are the process bundle's, translated by the bundle's own catalogs."""

    LABELS = ("aria-label", "placeholder", "title", "alt")
    RECORDED = "row mb-0"

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self._hidden = 0
        self._lists: list[bool] = []  # open <dl>s: recorded data or not

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        if tag == "dl":
            self._lists.append(dict(attrs).get("class") == self.RECORDED)
        if self._recorded():
            return
        for name, value in attrs:
            if value and (name in self.LABELS or name.startswith("data-msg-")):
                self._add(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1
        if tag == "dl" and self._lists:
            self._lists.pop()

    def handle_data(self, data):
        if not self._hidden and not self._recorded():
            self._add(data)

    def _recorded(self) -> bool:
        return any(self._lists)

    def _add(self, text):
        text = " ".join(text.split())
        if text:
            self.words.append(text)


def _words(page: str) -> list[str]:
    parser = _Words()
    parser.feed(page)
    return parser.words


def _english(files) -> set[str]:
    """The messages (singular and plural) of these templates and modules."""
    found = set()
    for name in files:
        path = WEBAPP / name
        method = "jinja2" if path.suffix == ".html" else "python"
        for _line, message, _comments, _context in extract_from_file(method, str(path),
                                                                     KEYWORDS):
            found.update(m for m in (message if isinstance(message, tuple) else (message,)) if m)
    return found


def _translated(language: str) -> dict[str, str]:
    with (WEBAPP / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    return {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in catalog if m.id}


def _pattern(message: str) -> re.Pattern | None:
    """A text node the untranslated message would make; None when its words are too few to
    tell it from recorded data (``by %(name)s``)."""
    parts = re.split(r"%\(\w+\)[sd]", message)
    if sum(len(p.strip()) for p in parts) < 8:
        return None
    return re.compile(".+".join(re.escape(" ".join(p.split())) for p in parts))


def english_left(page: str, files, language: str) -> list[str]:
    """Messages of ``files`` still shown in English (those whose translation differs)."""
    translated = _translated(language)
    words = _words(page)
    left = []
    for message in sorted(_english(files)):
        string = translated.get(message)
        if string is not None and not isinstance(string, str):
            string = string[0]
        if string == message:  # "Status" is Dutch too
            continue
        if "%(" not in message:
            if " ".join(message.split()) in words:
                left.append(message)
            continue
        pattern = _pattern(message)
        if pattern is not None and any(pattern.fullmatch(w) for w in words):
            left.append(message)
    return left


def _speaks(page: str, files, language: str, seen: list[str]) -> None:
    assert f'<html lang="{language}">' in page
    assert english_left(page, files, language) == []
    text = " ".join(_words(page))
    missing = [s for s in seen if s not in text]
    assert missing == []


@pytest.fixture(params=["nl", "fr"])
def language(request):
    return request.param


def _in(client, language):
    response = client.post("/settings", data={"language": language})
    assert response.status_code == 302
    return client


def test_the_case_page_list_and_sharing_speak_the_readers_language(network, login, language):
    network["coordinator"].display_name = "Alex Martens"  # not "Coordinator", a word of the page
    db.session.commit()
    case = to_consultation(now=T0)
    complete("police", "answer_information_request", example("information-answer"), T0)
    coordinator = _in(login("coordinator"), language)
    coordinator.post(f"/cases/{case.code}/urgency", follow_redirects=True,
                     data={"urgent": "1", "reason": "A threat was made at school."})
    page = coordinator.post(f"/cases/{case.code}/comments", data={"body": "Called the school."},
                            follow_redirects=True).text
    _speaks(page, CASE_PAGE, language, SEEN[language]["case"])
    assert "Called the school." in page and "Test Person" in page

    listed = coordinator.get("/cases/").text
    _speaks(listed, CASE_LIST, language, SEEN[language]["list"])
    sharing = coordinator.get(f"/cases/{case.code}/sharing").text
    _speaks(sharing, SHARING, language, SEEN[language]["sharing"])


def test_the_csv_export_has_the_readers_headers_and_iso_dates(network, login, language):
    case = to_consultation(now=T0)
    coordinator = _in(login("coordinator"), language)
    body = coordinator.get(f"/cases/export.csv?code={case.code}").text.lstrip("\ufeff")
    header, row = body.splitlines()[:2]
    assert header.startswith({"nl": "Casus,Status,Huidige stap", "fr": "Dossier,Statut"}[language])
    assert ",2026-03-02," in row  # ISO: every spreadsheet reads it as a date
    assert {"nl": ",Open,", "fr": ",Ouvert,"}[language] in row


def test_the_login_page_speaks_the_readers_language(app, network, language):
    client = app.test_client()
    client.post("/language", data={"language": language})
    page = client.get("/cases/", follow_redirects=True).text  # "please log in" on the way
    _speaks(page, LOGIN, language, SEEN[language]["login"])
    failed = client.post("/login", data={"username": "police", "password": "wrong"}).text
    assert {"nl": "Aanmelden mislukt", "fr": "Échec de la connexion"}[language] in failed


def test_an_error_page_speaks_the_readers_language(network, login, language):
    coordinator = _in(login("coordinator"), language)
    response = coordinator.get("/cases/MAW-1999-9999")
    assert response.status_code == 404
    missing_page = coordinator.get("/no-such-page")
    assert missing_page.status_code == 404
    _speaks(response.text + missing_page.text, ERROR, language, SEEN[language]["error"])


def test_the_signal_form_and_the_partners_view_speak_the_readers_language(network, login,
                                                                          language):
    police = _in(login("police"), language)
    form = police.get("/signals/new").text
    _speaks(form, SIGNAL, language, SEEN[language]["signal"])
    sent = report(police)
    assert sent.status_code == 302
    view = police.get(sent.headers["Location"]).text
    _speaks(view, PARTNER_VIEW, language, SEEN[language]["partner"])
