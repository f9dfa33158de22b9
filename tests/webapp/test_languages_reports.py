"""The evaluation, the coordinator's overview, person search, the notification settings and the
administrator's mail page in Dutch and in French: no English text of these pages is left,
months, dates and durations are written the reader's way."""

import html
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Organisation, User
from webapp.services.notifications import settings as choices
from webapp.services.notifications import worker

from .helpers import to_consultation
from .mail_helpers import give_addresses

ROOT = Path(__file__).resolve().parents[2]
JANUARY = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
PERIOD = "start=2026-01&end=2026-03"
FR_SPAN = "janvier\u2009–\u2009mars 2026"  # French sets the dash between thin spaces
#: The files whose texts these pages show (templates and the code that writes their words).
AREA = ("webapp/templates/reports/", "webapp/templates/coordination/",
        "webapp/templates/notifications/", "webapp/reports/", "webapp/coordination/",
        "webapp/notifications/", "webapp/services/notifications/", "webapp/services/overview.py",
        "webapp/services/evaluation/", "webapp/services/suppression.py",
        "webapp/pictures/charts.py")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
WORDS = {
    "nl": {
        "/reports/": ["Hoe het netwerk werkt: januari–maart 2026", "Van signaal tot afsluiting",
                      "Maand per maand", "jan 2026", "mrt 2026", "Niemand is hier herkenbaar.",
                      "minder dan 5", "Beslissingen over de aanmelding", "Totaal"],
        "/reports/heatmap": ["Waar casussen passeren en wachten: januari–maart 2026",
                             "Gepasseerd in de periode"],
        "/reports/coverage": ["Wie dekt welk levensdomein: januari–maart 2026",
                              "Het partnerregister", "Nog niet in het register",
                              "Sociale dienst"],
        "/reports/charts/trends.svg": ["Maand per maand, januari–maart 2026",
                                       "De tabel onder de grafiek bevat dezelfde cijfers."],
        "/overview": ["Openstaande taken van partners", "Nu een herinnering sturen",
                      "Sociale dienst", "26 jan 2026"],
        "/settings/notifications": ["E-mailmeldingen", "Meteen", "In mijn dagelijkse overzicht",
                                    "Een nieuwe taak voor mij, mijn organisatie of mijn rol"],
        "/cases/search": ["Een casus zoeken op de persoon", "Naam (of een deel ervan)",
                          "Geboortedatum"],
        "/admin/mail": ["Wie niet per e-mail bereikbaar is", "Nieuwe taak voor casus"],
    },
    "fr": {
        "/reports/": [f"Comment le réseau fonctionne : {FR_SPAN}",
                      "Du signalement à la clôture", "Mois par mois", "janv. 2026",
                      "mars 2026", "Personne ne peut être reconnu ici.", "moins de 5",
                      "Décisions d'entrée", "Total"],
        "/reports/heatmap": [f"Où les dossiers passent et attendent : {FR_SPAN}",
                             "Passages sur la période"],
        "/reports/coverage": [f"Qui couvre quel domaine de vie : {FR_SPAN}",
                              "Le registre des partenaires", "Pas encore dans le registre",
                              "Service social"],
        "/reports/charts/trends.svg": [f"Mois par mois, {FR_SPAN}",
                                       "Le tableau sous le graphique contient les mêmes"],
        "/overview": ["Tâches ouvertes des partenaires", "Envoyer un rappel maintenant",
                      "Service social", "26 janv. 2026"],
        "/settings/notifications": ["Notifications par e-mail", "Immédiatement",
                                    "Dans mon résumé quotidien",
                                    "Une nouvelle tâche pour moi, mon organisation ou mon rôle"],
        "/cases/search": ["Trouver un dossier par la personne", "Nom (ou une partie)",
                          "Date de naissance"],
        "/admin/mail": ["Qui ne peut pas être joint par e-mail",
                        "Nouvelle tâche pour le dossier"],
    },
}
WHO = {"/settings/notifications": "police", "/admin/mail": "admin"}


@pytest.fixture(scope="module")
def english(tmp_path_factory):
    """The English texts of the area's messages, in pieces between placeholders long
    enough not to be a word that also occurs in other text (and that no translation keeps)."""
    target = Path(sys.executable).parent / "pybabel"
    pot = tmp_path_factory.mktemp("reports") / "messages.pot"
    subprocess.run([str(target), "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k",
                    "lazy_gettext", "-o", str(pot), "."], cwd=ROOT, check=True)
    with pot.open("rb") as handle:
        extracted = read_po(handle)
    kept = {}
    for language in ("nl", "fr"):
        path = ROOT / "webapp" / "translations" / language / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as handle:
            catalog = read_po(handle)
        pieces = set()
        for message in extracted:
            if not message.id or not any(f.startswith(AREA) for f, _ in message.locations):
                continue
            found = catalog.get(message.id, message.context)
            translated = " ".join(found.string if isinstance(found.string, tuple | list)
                                  else [found.string])
            for text in message.id if isinstance(message.id, tuple) else [message.id]:
                for piece in PLACEHOLDER.split(text):
                    piece = piece.strip(" .,:;()“”\"")
                    if len(piece) >= 12 and " " in piece and piece not in translated:
                        pieces.add(piece)
        kept[language] = pieces
    return kept


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


@pytest.fixture
def partner_tasks(network):
    """An information request to the police and social services in January 2026 (tasks due
    two weeks later; their mail waits, as no SMTP server is set); social services has its
    name in Dutch and French."""
    social = db.session.scalar(select(Organisation).where(Organisation.code == "social"))
    social.names = {"nl": "Sociale dienst", "fr": "Service social"}
    give_addresses("police", "social")
    case = to_consultation(("police", "social"), now=JANUARY)
    worker.run_mail_pass(JANUARY)  # no SMTP server: the admin's page shows them
    return case


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_pages_speak_the_readers_language(app, partner_tasks, login, english, language):
    for name in ("coordinator", "police", "social", "admin"):  # the mail shown is theirs
        _user(name).language = language
    db.session.commit()
    clients = {name: login(name) for name in ("coordinator", "police", "admin")}
    for path, expected in WORDS[language].items():
        client = clients[WHO.get(path, "coordinator")]
        address = f"{path}?{PERIOD}" if path.startswith("/reports") else path
        response = client.get(address)
        assert response.status_code == 200, path
        page = html.unescape(response.get_data(as_text=True))
        for words in expected:
            assert words in page, (language, path, words)
        left = sorted(piece for piece in english[language] if piece in page)
        assert left == [], (language, path)
        for month in ("January", "February", "March"):
            assert month not in page, (language, path)


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_exports_and_figures_follow_the_language(app, partner_tasks, login, language):
    _user("coordinator").language = language
    db.session.commit()
    client = login("coordinator")
    exported = client.get(f"/reports/intake.csv?{PERIOD}").get_data(as_text=True)
    header = exported.lstrip("\ufeff").splitlines()[0]
    assert header == {"nl": '"Beslissing","Casussen"', "fr": '"Décision","Dossiers"'}[language]
    heat = client.get(f"/reports/heatmap.json?{PERIOD}").get_json()
    texts = {e["id"]: e for e in heat["elements"]}
    intake = texts["register_signal"]
    assert intake["passed_text"] == {"nl": "minder dan 5", "fr": "moins de 5"}[language]
    assert intake["passed_short"] == "<5"
    funnel = client.get(f"/reports/charts/funnel.svg?{PERIOD}").get_data(as_text=True)
    assert {"nl": "Ontvangen signalen", "fr": "Signalements reçus"}[language] in funnel
    assert "fewer than" not in funnel and "The table below" not in funnel


def test_a_period_that_makes_no_sense_is_refused_in_the_readers_language(app, network,
                                                                          login):
    _user("coordinator").language = "fr"
    db.session.commit()
    page = login("coordinator").get("/reports/?start=2026-13&end=2026-01",
                                    follow_redirects=True).get_data(as_text=True)
    assert "Indiquez les mois au format AAAA-MM" in html.unescape(page)


def test_the_unsubscribe_page_speaks_the_language_of_the_person_it_was_made_for(app, network):
    user = _user("police")
    user.language = "nl"
    db.session.commit()
    token = choices.unsubscribe_token(user.id)
    anonymous = app.test_client()
    asked = anonymous.get(f"/unsubscribe/{token}", headers={"Accept-Language": "fr"}).text
    assert "Alle e-mail van mawflow stoppen?" in asked and 'lang="nl"' in asked
    done = anonymous.post(f"/unsubscribe/{token}").text
    assert "mawflow stuurt geen e-mail meer naar deze account." in done
    broken = anonymous.get(f"/unsubscribe/{token}x", headers={"Accept-Language": "fr"})
    assert broken.status_code == 400
    assert "Ce lien n'est pas valide." in html.unescape(broken.text)


def test_a_reminder_twice_is_refused_with_the_time_the_readers_way(app, partner_tasks, login):
    from webapp.models import Task

    task = db.session.scalar(select(Task).where(Task.case_id == partner_tasks.id,
                                                Task.lane == "partner").order_by(Task.id))
    _user("coordinator").language = "nl"
    db.session.commit()
    client = login("coordinator")
    first = client.post(f"/overview/tasks/{task.id}/remind", follow_redirects=True).text
    assert "Herinnering verstuurd naar" in html.unescape(first)
    again = html.unescape(client.post(f"/overview/tasks/{task.id}/remind",
                                      follow_redirects=True).text)
    assert "Er werd al een herinnering over deze taak verstuurd op" in again
    assert "UTC" not in again.split("Er werd al een herinnering")[1][:80]


@pytest.mark.parametrize(("language", "start", "end"), [
    ("nl", "januari 2026", "maart 2026"), ("fr", "janvier 2026", "mars 2026")])
def test_the_period_is_chosen_from_months_named_in_the_readers_language(
        app, network, login, language, start, end):
    """A browser's month field names the months in the browser's language: the report pages
    list them in the reader's, with the period's own months chosen, on each report."""
    _user("coordinator").language = language
    db.session.commit()
    client = login("coordinator")
    for page in ("/reports/", "/reports/heatmap", "/reports/coverage"):
        text = client.get(f"{page}?start=2026-01&end=2026-03").get_data(as_text=True)
        assert 'type="month"' not in text, page
        chosen = dict(re.findall(
            r'<select class="form-select" id="(start|end)".*?<option value="[\d-]+" selected>'
            r"([^<]+)</option>", text, re.S))
        assert chosen == {"start": start, "end": end}, page
