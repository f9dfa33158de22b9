"""Languages: who gets which language, the switcher before and after logging in, the
settings page, the bundle's texts in the reader's language, dates the reader's way."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from webapp import create_app
from webapp.config import ConfigError
from webapp.extensions import db
from webapp.i18n.locale import COOKIE
from webapp.models import AuditEvent, Contribution, Organisation, User

from .helpers import complete, example, only_task, register, to_consultation

NL = {"Accept-Language": "nl-BE,nl;q=0.9,en;q=0.5"}
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def test_the_browser_language_is_used_when_offered_else_the_default(app):
    client = app.test_client()
    page = client.get("/login", headers=NL).get_data(as_text=True)
    assert _lang(page) == "nl" and "Aanmelden bij mawflow" in page
    page = client.get("/login", headers={"Accept-Language": "de-DE,de"}).get_data(as_text=True)
    assert _lang(page) == "en" and "Log in to mawflow" in page
    app.config["DEFAULT_LANGUAGE"] = "fr"
    page = client.get("/login", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert _lang(page) == "fr" and "Se connecter à mawflow" in page


def test_a_page_writes_an_e_mail_in_its_recipients_language_then_goes_on_in_its_own(app):
    """Templates keep the request's catalog, and writing in another language (an e-mail to a
    French partner from a Dutch reader's request) neither takes it nor leaves its own."""
    from flask import render_template_string

    from webapp.i18n.locale import in_language

    def say() -> str:
        return render_template_string("{{ _('Your settings') }}")

    with app.test_request_context("/", headers=NL):
        assert say() == "Je instellingen"
        with in_language("fr"):
            assert say() == "Vos paramètres"
        assert say() == "Je instellingen"


def test_the_switcher_works_before_login_and_the_choice_survives_logging_in(app, network):
    client = app.test_client()
    page = client.get("/login", headers=NL).get_data(as_text=True)
    assert 'lang="fr" title="Français"' in page and 'aria-pressed="true"' in page
    response = client.post("/language", data={"language": "fr", "next": "/login"}, headers=NL)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert f"{COOKIE}=fr" in response.headers["Set-Cookie"]
    page = client.get("/login", headers=NL).get_data(as_text=True)
    assert _lang(page) == "fr" and "Nom d'utilisateur" in page
    client.post("/login", data={"username": "police", "password": "correct-horse-battery"})
    inbox = client.get("/", headers=NL).get_data(as_text=True)
    assert _lang(inbox) == "fr" and "Vos paramètres" in inbox
    assert _user("police").language is None  # chosen on this browser, not saved for the person
    assert client.post("/language", data={"language": "de"}).status_code == 400
    assert client.post("/language", data={"language": "nl", "next": "//evil.example"}) \
        .headers["Location"] == "/"
    back = client.post("/language", data={"language": "nl"},
                       headers={"Referer": "http://localhost/settings?x=1"})
    assert back.headers["Location"] == "/settings?x=1"  # back to the page it was used on
    elsewhere = client.post("/language", data={"language": "nl"},
                            headers={"Referer": "http://evil.example/phish"})
    assert elsewhere.headers["Location"] == "/"


def test_a_logged_in_choice_is_kept_for_the_person_and_wins_everywhere(app, network, login):
    client = login("coordinator")
    client.post("/language", data={"language": "nl", "next": "/"})
    assert _user("coordinator").language == "nl"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "language_chosen"))
    elsewhere = login("coordinator")  # another browser, asking for French
    page = elsewhere.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert _lang(page) == "nl"


def test_the_settings_page_saves_a_language_or_goes_back_to_the_browsers(app, network, login):
    client = login("school")
    page = client.get("/settings").get_data(as_text=True)
    assert 'id="language-browser" value="" checked' in page
    assert "Europe/Brussels" in page
    response = client.post("/settings", data={"language": "fr"})
    assert response.status_code == 302 and _user("school").language == "fr"
    assert "Vos paramètres sont enregistrés." in client.get("/settings").get_data(as_text=True)
    response = client.post("/settings", data={"language": ""})
    assert _user("school").language is None and f"{COOKIE}=;" in response.headers["Set-Cookie"]
    page = client.get("/settings", headers=NL).get_data(as_text=True)
    assert _lang(page) == "nl"
    assert client.post("/settings", data={"language": "xx"}).status_code == 400


@pytest.mark.parametrize(("settings", "message"), [
    ({"DEFAULT_LANGUAGE": "de"}, "DEFAULT_LANGUAGE 'de' is not one of LANGUAGES"),
    ({"TIMEZONE": "Europe/Atlantis"}, "not a known time zone"),
    ({"LANGUAGES": " , "}, "at least one language"),
])
def test_a_deployment_with_impossible_language_settings_does_not_start(tmp_path, settings,
                                                                       message):
    with pytest.raises(ConfigError, match=message):
        create_app({"ENV_NAME": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://", **settings})


def test_languages_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MAWFLOW_LANGUAGES", "nl, fr")
    monkeypatch.setenv("MAWFLOW_DEFAULT_LANGUAGE", "nl")
    app = create_app({"ENV_NAME": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["LANGUAGES"] == ["nl", "fr"]
    assert app.config["BABEL_DEFAULT_LOCALE"] == "nl"


# ------------------------------------------------------------------ the bundle in Dutch


def test_a_task_form_in_dutch_stores_the_same_codes(app, network, login):
    register(now=T0)
    task = only_task("coordinator", "register_signal")
    client = login("coordinator")
    client.post("/language", data={"language": "nl"})
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "<h1 class=\"h3 mb-1\">Signaal registreren</h1>" in page
    assert "Vastgestelde zorgen" in page and ">Gezinssituatie</label>" in page
    assert "Noteer <strong>wat er echt gezien of gehoord werd</strong>" in page
    assert 'placeholder="dd/mm/jjjj"' in page  # the date field the Belgian Dutch way
    data = {**example("register-signal"), "signal_date": "15/04/2026", "action": "complete"}
    data["observed_concerns"] = ["family_situation", "social_isolation"]
    response = client.post(f"/tasks/{task.id}", data=data)
    assert response.status_code == 302
    flashed = client.get("/").get_data(as_text=True)
    assert "“Signaal registreren” voor casus" in flashed and "is uitgevoerd" in flashed
    stored = db.session.scalar(select(Contribution).where(Contribution.task_id == task.id))
    assert stored.data["observed_concerns"] == ["family_situation", "social_isolation"]
    assert stored.data["signal_date"] == "2026-04-15"


def test_a_wrong_date_is_refused_in_the_readers_words(app, network, login):
    register(now=T0)
    task = only_task("coordinator", "register_signal")
    client = login("coordinator")
    client.post("/language", data={"language": "fr"})
    data = {**example("register-signal"), "signal_date": "31/02/2026", "action": "complete"}
    page = client.post(f"/tasks/{task.id}", data=data).get_data(as_text=True)
    assert "Saisissez une date au format jj/mm/aaaa, par exemple 31/12/20" in page
    assert 'value="31/02/2026"' in page


def test_the_inbox_and_case_page_speak_french(app, network, login):
    police = db.session.scalar(select(Organisation).where(Organisation.code == "police"))
    police.names = {"fr": "Police locale", "nl": "Lokale politie"}
    db.session.commit()
    case = to_consultation(now=T0)
    complete("police", "answer_information_request", example("information-answer"), T0)
    complete("social", "answer_information_request",
             example("information-answer", nothing_to_share=True), T0)
    client = login("coordinator")
    client.post("/language", data={"language": "fr"})
    inbox = client.get("/").get_data(as_text=True)
    assert re.search(r'<a href="/tasks/\d+">Concertation de cas</a>\s*</td>\s*'
                     r'<td class="d-none d-md-table-cell">Coordinateurs</td>', inbox)
    assert '<option value="case_consultation" >Concertation de cas</option>' in inbox
    page = client.get(f"/cases/{case.code}").get_data(as_text=True)
    assert "Répondre à la demande d&#39;informations" in page  # the step, as recorded
    assert "Facteurs de risque connus" in page  # a field's title in recorded data
    assert "(Police locale)" in page  # the organisation's French name
    assert "Dossier en concertation de cas v1" in page  # the process name
    assert "2 mars 2026, 10:00" in page  # 09:00 UTC is 10:00 in Brussels
    xml = client.get(f"/cases/{case.code}/diagram.bpmn").get_data(as_text=True)
    assert 'name="Enregistrer un signalement"' in xml and 'id="register_signal"' in xml


def test_a_partner_sees_the_request_in_dutch(app, network, login):
    to_consultation(now=T0)
    task = only_task("police", "answer_information_request")
    client = login("police")
    client.post("/settings", data={"language": "nl"})
    inbox = client.get("/").get_data(as_text=True)
    assert "Informatievraag beantwoorden" in inbox
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Antwoord <strong>alleen voor je eigen organisatie</strong>" in page
    assert "Gekende risicofactoren" in page and "Niets te delen" in page
    assert ">Documenten</legend>" in page and "onder beroepsgeheim alleen" in page
