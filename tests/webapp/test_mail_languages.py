"""Each e-mail is written in its recipient's language (their own choice, else the deployment's
default), whoever caused it and whatever language the worker runs in; still without case
content. A real SMTP server (aiosmtpd); time moved explicitly."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import User
from webapp.services.notifications import settings as choices
from webapp.services.notifications import worker

from .helpers import actor, complete, example, register, requests_for
from .mail_helpers import give_addresses, smtp_fixture  # noqa: F401 - the smtp fixture

NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # 06:00 in Brussels: before the daily digests
PERSON = "Jana Testperson-Vermeulen"
QUESTION = "Does your file show contact with the cousin in Antwerp since last winter"


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def ask_police_and_social():
    """A case taken to an information request to the police and social services, by a
    coordinator who reads mawflow in French."""
    case = register(now=NOW, full_name=PERSON)
    complete("coordinator", "register_signal", example("register-signal"), NOW)
    complete("coordinator", "confirm_intake_decision",
             example("intake-decision", intake_decision="multi_agency"), NOW)
    complete("coordinator", "request_information",
             example("request-information",
                     partners=[dict(row, question=QUESTION)
                               for row in requests_for("police", "social")],
                     deadline_days=14, reminder_days=7), NOW)
    return case


def _languages(network):
    give_addresses("police", "social", "school", "coordinator")
    _user("police").language = "nl"
    _user("social").language = "fr"
    _user("coordinator").language = "fr"  # who causes the mail does not choose its language
    db.session.commit()


def _body(message) -> str:
    return message.get_body(("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(("html",)).get_content()


def test_a_dutch_and_a_french_partner_each_get_their_new_task_in_their_language(
        app, network, smtp):
    _languages(network)
    case = ask_police_and_social()
    worker.run_mail_pass(NOW)
    (dutch,) = smtp.to("police@example.org")
    assert dutch["Subject"] == f"Nieuwe taak voor casus {case.code}"
    text = _body(dutch)
    assert "Er wacht een nieuwe taak op je in mawflow." in text
    assert f"Casus: {case.code}" in text and "Termijn: 16 maart 2026" in text
    assert "Dit bericht zegt bewust niets over de casus" in text
    assert "Kies wat je ontvangt:" in text and "Alle e-mail van mawflow stoppen:" in text
    assert '<html lang="nl">' in _html(dutch) and "Open in mawflow" in _html(dutch)
    (french,) = smtp.to("social@example.org")
    assert french["Subject"] == f"Nouvelle tâche pour le dossier {case.code}"
    text = _body(french)
    assert "Une nouvelle tâche vous attend dans mawflow." in text
    assert f"Dossier : {case.code}" in text and "Échéance : 16 mars 2026" in text
    assert "Vous recevez ce message pour : Une nouvelle tâche pour moi" in text
    assert '<html lang="fr">' in _html(french)
    for message in (dutch, french):
        whole = _body(message) + _html(message)
        assert "A new task" not in whole and "Hello," not in whole
        assert PERSON not in whole and "Testperson" not in whole and QUESTION not in whole


def test_without_a_choice_mail_is_in_the_deployments_default_language(app, network, smtp):
    _languages(network)
    _user("social").language = None
    db.session.commit()
    app.config["DEFAULT_LANGUAGE"] = "nl"  # MAWFLOW_DEFAULT_LANGUAGE
    case = ask_police_and_social()
    worker.run_mail_pass(NOW)
    (message,) = smtp.to("social@example.org")
    assert message["Subject"] == f"Nieuwe taak voor casus {case.code}"


def test_the_daily_digest_is_in_each_recipients_language(app, network, smtp):
    _languages(network)
    for name in ("police", "social"):
        choices.update_choices(actor(name), {"task_new": "digest"}, 8)
    db.session.commit()
    case = ask_police_and_social()
    worker.run_mail_pass(NOW)
    assert smtp.to("police@example.org") == [] and smtp.to("social@example.org") == []
    worker.run_mail_pass(NOW + timedelta(hours=2, minutes=5))  # 08:05 in Brussels
    (dutch,) = smtp.to("police@example.org")
    assert dutch["Subject"] == "Je mawflow-overzicht: 1 item wacht"
    text = _body(dutch)
    assert "Je dagelijkse overzicht van mawflow: 1 item wacht op je." in text
    assert "== Nieuwe taken ==" in text and f"casus {case.code}" in text
    assert "te doen tegen 16 maart 2026" in text
    assert "Je krijgt dit overzicht voor wat je één keer per dag wilt ontvangen." in text
    (french,) = smtp.to("social@example.org")
    assert french["Subject"] == "Votre résumé mawflow : 1 en attente"
    text = _body(french)
    assert "Votre résumé quotidien de mawflow : 1 élément vous attend." in text
    assert "== Nouvelles tâches ==" in text and f"dossier {case.code}" in text
    assert "échéance le 16 mars 2026" in text
    for message in (dutch, french):
        assert "Your daily digest" not in _body(message) + _html(message)
        assert PERSON not in _body(message) + _html(message)


def test_the_administrators_page_shows_each_message_in_its_recipients_language(
        app, network, login):
    _languages(network)
    _user("admin").language = "nl"
    db.session.commit()
    case = ask_police_and_social()
    worker.run_mail_pass(NOW)  # no SMTP server: the messages wait on the page
    page = login("admin").get("/admin/mail").text
    assert "E-mail die verstuurd zou zijn" in page  # the page in the admin's language
    assert f"Nieuwe taak voor casus {case.code}" in page  # police's mail, as police reads it
    assert f"Nouvelle tâche pour le dossier {case.code}" in page  # social's, in French
