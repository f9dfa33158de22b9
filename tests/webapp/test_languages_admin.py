"""The administrator's, privacy officer's and auditor's screens in Dutch and French: the users
page, the audit pages, the roles to confirm, the partner registry, the person's page and the
subject-access search show their translations and no English text of their own."""

import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from flask_babel import force_locale, gettext
from sqlalchemy import select

from webapp.auth.reauth import SESSION_KEY
from webapp.extensions import db
from webapp.models import Organisation, User, utcnow
from webapp.services import accounts
from webapp.services.audit import Actor

from .helpers import register

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"
#: The files whose messages these screens show (templates, forms, flashes, services).
AREA = [*sorted((ROOT / "webapp" / "templates").glob("admin/*.html")),
        *sorted((ROOT / "webapp" / "templates").glob("audit/*.html")),
        *sorted((ROOT / "webapp" / "templates").glob("roles/*.html")),
        *sorted((ROOT / "webapp" / "templates").glob("partners/*.html")),
        *sorted((ROOT / "webapp" / "templates").glob("privacy/*.html")),
        *(ROOT / "webapp" / name for name in (
            "admin/routes.py", "roles/routes.py", "audit/routes.py", "partners/routes.py",
            "privacy/routes.py", "models/accounts.py", "services/accounts.py",
            "services/access_log.py", "services/system_events.py", "services/network.py",
            "services/role_grants.py", "services/rectification.py",
            "services/subject_access.py", "services/evaluation/conventions.py"))]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}

#: People with names that are no words of the interface.
NAMES = {"admin": "Ada Admin", "coordinator": "Cora Jansens", "coordinator2": "Dirk Maes",
         "police": "Pieter Peeters", "social": "Sofie Wouters", "school": "Sara Claes",
         "owner": "Omar Ouali"}
ORGANISATIONS = {"municipality": {"nl": "Gemeente Mechelen", "fr": "Commune de Malines"},
                 "police": {"nl": "Politiezone", "fr": "Zone de police"},
                 "social": {"nl": "OCMW", "fr": "CPAS"},
                 "school": {"nl": "Basisschool De Linde", "fr": "École du Tilleul"}}

#: What a reader of each language sees on each page (a sample of each page's own words).
SEES = {
    "nl": {
        "users": ["Gebruikers", "Nieuwe gebruiker", "Coördinator · Gemeente Mechelen",
                  "Partner · Politiezone", "wacht op bevestiging door een coördinator",
                  "Geblokkeerd vanaf 1 adres", "Deblokkeren", "Deactiveren", "Organisaties",
                  "Geen actieve gebruikers"],
        "new_user": ["Volledige naam", "Eerste wachtwoord", "Aanmaken", "Annuleren",
                     "Dit veld is vereist.", "Gemeente Mechelen", "Proceseigenaar"],
        "events": ["Gebeurtenissen buiten casussen", "Mislukte aanmeldingen",
                   "mislukte aanmelding", "geblokkeerd na mislukte aanmeldingen",
                   "maakte een gebruiker aan", "vroeg een rol aan", "Het systeem",
                   "gebruikersnaam: ", "Vanaf dag", 'placeholder="dd/mm/jjjj"'],
        "bad_day": ["Geef een datum in als dd/mm/jjjj"],
        "audit_index": ["Wie een casus raadpleegde", "Casuscode", "Tonen"],
        "case_access": ["Wie casus", "raadpleegde", "registreerde de casus", "opende de casus",
                        "Exporteren als CSV", "Gemeente Mechelen"],
        "roles": ["Te bevestigen rollen", "Partner · Politiezone", "Aangevraagd door",
                  "Bevestigen", "Weigeren"],
        "partners": ["Partnerregister", "Nog niet ingevuld", "Politiezone", "Wijzigen"],
        "person": ["De persoon van casus", "Waarom worden de gegevens verbeterd?",
                   "Verbeteringen bewaren", "Wissen"],
        "subject_access": ["Alles wat over één persoon bewaard wordt", "Naam van de persoon",
                           "Geboortedatum", "Exporteren"],
        "subject_refused": ["Dit veld is vereist."],
        "subject_unknown": ["Geen enkele casus bevat gegevens van een persoon met deze naam."],
    },
    "fr": {
        "users": ["Utilisateurs", "Nouvel utilisateur", "Coordinateur · Commune de Malines",
                  "Partenaire · Zone de police", "attend la confirmation d'un coordinateur",
                  "Bloqué depuis 1 adresse", "Débloquer", "Désactiver", "Organisations",
                  "Aucun utilisateur actif"],
        "new_user": ["Nom complet", "Mot de passe initial", "Créer", "Annuler",
                     "Ce champ est requis.", "Commune de Malines"],
        "events": ["Événements hors dossiers", "Connexions échouées", "connexion échouée",
                   "bloqué après des connexions échouées", "a créé un utilisateur",
                   "a demandé l'attribution d'un rôle", "Le système",
                   "nom d'utilisateur : ", "À partir du", 'placeholder="jj/mm/aaaa"'],
        "bad_day": ["Saisissez une date au format jj/mm/aaaa"],
        "audit_index": ["Qui a consulté un dossier", "Code du dossier", "Afficher"],
        "case_access": ["Qui a consulté le dossier", "a enregistré le dossier",
                        "a ouvert le dossier", "Exporter en CSV", "Commune de Malines"],
        "roles": ["Rôles à confirmer", "Partenaire · Zone de police", "Demandé par",
                  "Confirmer", "Refuser"],
        "partners": ["Registre des partenaires", "Pas encore rempli", "Zone de police",
                     "Modifier"],
        "person": ["La personne du dossier", "Pourquoi les données sont-elles corrigées ?",
                   "Enregistrer les corrections", "Effacer"],
        "subject_access": ["Tout ce qui est conservé sur une personne", "Nom de la personne",
                           "Date de naissance", "Exporter"],
        "subject_refused": ["Ce champ est requis."],
        "subject_unknown": ["Aucun dossier ne contient de données d'une personne portant "
                            "ce nom."],
    },
}


def _area_messages() -> set[str]:
    """The English messages of these screens, as the catalogs know them (plurals: both)."""
    found = set()
    for path in AREA:
        method = "jinja2" if path.suffix == ".html" else "python"
        for _line, message, _comments, _context in extract_from_file(
                method, str(path), keywords=KEYWORDS):
            found.update([message] if isinstance(message, str) else message)
    return found


def _fragments(message: str) -> list[str]:
    """The literal words of a message around its placeholders, long enough to tell."""
    parts = re.split(r"%\(\w+\)[sd]|%%", message)
    return [p.strip(" .,:;()·—") for p in parts if len(p.strip(" .,:;()·—")) >= 4]


class _Reader(HTMLParser):
    """What a person reads in <main>: its text, and the labels screen readers and tooltips
    give (aria-label, title, placeholder)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth, self.skip, self.parts = 0, 0, []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.depth += 1
        if tag in ("script", "style"):
            self.skip += 1
        if self.depth:
            self.parts += [v for k, v in attrs if k in ("aria-label", "title", "placeholder")
                           and v]

    def handle_endtag(self, tag):
        if tag == "main":
            self.depth -= 1
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.parts.append(data)


def _read(html: str) -> str:
    reader = _Reader()
    reader.feed(html)
    return " ".join(" ".join(reader.parts).split())


def _english_left(html: str, messages: set[str], translate) -> list[str]:
    """Messages of these screens still shown in English (those whose translation differs)."""
    text = _read(html)
    left = []
    for message in messages:
        translation = translate(message)
        for fragment in _fragments(message):
            if fragment in translation:
                continue  # the same word in both languages ("Code", "Contact", "Status")
            if re.search(rf"(?<!\w){re.escape(fragment)}(?!\w)", text):
                left.append(fragment)
    return left


@pytest.fixture
def people(app, network):
    """The network with names that are nobody's interface words, organisations named in
    Dutch and French, an auditor and an organisation nobody works for yet."""
    for code, names in ORGANISATIONS.items():
        db.session.scalar(select(Organisation).where(Organisation.code == code)).names = names
    for username, name in NAMES.items():
        network[username].display_name = name
    accounts.create_user(Actor.system(), "auditor", "Aline Dubois", PASSWORD,
                         [("municipality", "auditor")])
    accounts.create_organisation(Actor.system(), "youth", "Jeugdhuis",  # nobody works there
                                 names={"fr": "Maison de jeunes"})
    db.session.commit()
    return network


def _speaking(language: str, *usernames: str) -> None:
    for username in usernames:
        db.session.scalar(select(User).where(User.username == username)).language = language
    db.session.commit()


def _fresh(client):
    with client.session_transaction() as session:  # exports ask for the password again
        session[SESSION_KEY] = utcnow().timestamp()
    return client


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_screens_of_administrators_auditors_and_privacy_officers_speak_the_language(
        app, people, login, language):
    _speaking(language, "admin", "auditor", "coordinator")
    with force_locale(language):
        translations = {m: gettext(m) for m in _area_messages()}
    messages = set(translations)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):  # a lockout, with failed logins
        app.test_client().post("/login", data={"username": "police", "password": "wrong"},
                               environ_base={"REMOTE_ADDR": "203.0.113.9"})
    admin = login("admin")
    new_user = admin.post("/admin/users/new", data={"username": "newbie"})
    admin.post("/admin/users/new", data={
        "username": "newbie", "display_name": "Nina Nys", "password": PASSWORD,
        "organisation": "police", "role": "partner"})
    case = register(full_name="Jonas Vermeulen", date_of_birth="2008-04-01")
    coordinator = _fresh(login("coordinator"))
    coordinator.get(f"/cases/{case.code}")
    auditor = login("auditor")

    pages = {
        "users": admin.get("/admin/"),
        "new_user": new_user,
        "partners": admin.get("/admin/partners/"),
        "events": auditor.get("/audit/events"),
        "bad_day": auditor.get("/audit/events?since=31/31/2026"),
        "audit_index": auditor.get("/audit/"),
        "case_access": auditor.get(f"/audit/cases/{case.code}"),
        "roles": coordinator.get("/roles/"),
        "person": coordinator.get(f"/cases/{case.code}/person"),
        "subject_access": coordinator.get("/subject-access"),
        "subject_refused": coordinator.post("/subject-access/export", data={"full_name": ""}),
        "subject_unknown": coordinator.post("/subject-access/export",
                                            data={"full_name": "Nobody Known"}),
    }
    for name, response in pages.items():
        assert response.status_code in (200, 422), name
        html = response.get_data(as_text=True)
        assert f'<html lang="{language}"' in html, name
        for words in SEES[language][name]:
            assert words in unescape(html), (name, words)
        left = _english_left(html, messages, translations.__getitem__)
        assert not left, f"{name} still shows in English: {left}"


def test_the_check_notices_english_left_on_a_page_and_nothing_outside_main():
    html = ('<nav>Administration</nav><main><h1>Gebruikers</h1><p>Users and organisations.'
            '</p><button aria-label="New user">+</button><p>Code: Contact</p></main>')
    dutch = {"Users": "Gebruikers", "Users and organisations.": "Gebruikers en organisaties.",
             "New user": "Nieuwe gebruiker", "Code": "Code", "Contact": "Contact",
             "Administration": "Beheer"}
    assert sorted(_english_left(html, set(dutch), dutch.get)) == [
        "New user", "Users", "Users and organisations"]


def test_exports_keep_their_keys_and_iso_times_with_the_readers_words(app, people, login):
    """CSV: the header in the reader's language, times ISO in UTC for spreadsheets, formulas
    defused; the subject-access JSON: English keys, the reader's words in its values."""
    _speaking("nl", "coordinator")
    case = register(full_name="Jonas Vermeulen")
    coordinator = _fresh(login("coordinator"))
    coordinator.get(f"/cases/{case.code}")
    csv_text = coordinator.get(f"/audit/cases/{case.code}/access.csv").get_data(as_text=True)
    header, first = csv_text.splitlines()[:2]
    assert header == ('"casus","wanneer (UTC)","wie","gebruikersnaam","organisatie","wat",'
                      '"detail","vanwaar"')
    assert re.match(rf'"{case.code}","\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d","Cora Jansens"', first)
    assert "registreerde de casus" in first
    export = coordinator.get(f"/cases/{case.code}/person/export.json").get_json()
    assert export["about"] == "Alles wat mawflow over deze persoon bewaart (AVG art. 15)."
    accessed = export["cases"][0]["accessed_by"]
    assert {"at", "who", "organisation", "what"} == set(accessed[0])
    assert accessed[0]["what"] == "registreerde de casus"
    assert accessed[0]["organisation"] == "Gemeente Mechelen"
