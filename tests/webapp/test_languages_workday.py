"""The working screens in Dutch and French: the inbox (tabs, filters, sorting, buttons, empty
states), a partner's information request and a coordinator's task (form buttons, the case
beside it, validation messages, flashes) carry no English of their own.

Each page is read in English and in the other language: every message of these screens
(from their templates and code) that the English page shows must be gone from the translated
page, so a text left unwrapped or untranslated fails here."""

import html
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from babel.messages.extract import extract_from_file
from flask_babel import force_locale, gettext

from .helpers import example, only_task, register, to_consultation

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WEBAPP = Path(__file__).resolve().parents[2] / "webapp"
TEMPLATES = ["inbox/index.html", "tasks/show.html", "tasks/_asked.html", "tasks/_attachments.html",
             "tasks/_advice.html", "tasks/conflict.html", "taskforms/_macros.html"]
CODE = ["inbox/routes.py", "tasks/routes.py", "services/inbox.py", "services/tasks.py",
        "taskforms/fields.py", "taskforms/messages.py"]


@cache
def _messages() -> tuple[str, ...]:
    """The messages of these screens that read as words (two or more, no placeholder)."""
    found = [m[1] for name in TEMPLATES
             for m in extract_from_file("jinja2", WEBAPP / "templates" / name)]
    found += [m[1] for name in CODE for m in extract_from_file(
        "python", WEBAPP / name, keywords={"_": None, "_l": None, "ngettext": (1, 2)})]
    texts = {text for message in found
             for text in (message if isinstance(message, tuple) else (message,))}
    return tuple(sorted(t for t in texts if t and " " in t.strip() and "%(" not in t))


def _english_left(english: str, translated: str, language: str) -> list[str]:
    """The messages the English page shows that the translated page still shows in
    English; asserts that the English page showed a fair number of them."""
    shown = [m for m in _messages() if m in english]
    assert len(shown) >= 8, shown  # the comparison is about something
    with force_locale(language):
        differ = [m for m in shown if gettext(m) != m]
    return [m for m in differ if m in translated]


def _page(client, url: str, language: str) -> str:
    """The page's own part (<main>: the menu around it is another screen's), unescaped."""
    client.post("/language", data={"language": language})
    page = client.get(url).get_data(as_text=True)
    return html.unescape(page[page.index("<main"):page.index("</main>")])


def test_a_coordinators_inbox_and_task_in_dutch(app, network, login):
    register(now=T0)
    task = only_task("coordinator", "register_signal")
    client = login("coordinator")
    for url in ("/", "/?due=overdue", "/?tab=mine", f"/tasks/{task.id}"):
        english = _page(client, url, "en")
        dutch = _page(client, url, "nl")
        assert _english_left(english, dutch, "nl") == [], url
    inbox = _page(client, "/", "nl")
    assert "<h1 class=\"h3 mb-0\">Je inbox</h1>" in inbox
    assert ">Alles voor mij" in inbox and ">Processtap</label>" in inbox
    assert ">Termijn (vroegste eerst)</option>" in inbox and ">Te laat</option>" in inbox
    assert "1–1 van 1 taak" in inbox and ">Opnemen<span" in inbox
    assert "Doorgeven aan…" in inbox and ">Toewijzen</button>" in inbox
    assert "Geen taken voldoen aan deze filters." in client.get("/?due=overdue").text
    assert "Je hebt geen enkele taak opgenomen." in client.get("/?tab=mine").text

    claimed = client.post(f"/tasks/{task.id}/claim", data={"next": "/"}, follow_redirects=True)
    assert "Je hebt “Signaal registreren” voor casus" in claimed.text
    assert ">Jij</span>" in claimed.text and ">Vrijgeven<span" in claimed.text

    page = client.get(f"/tasks/{task.id}").text
    assert ">Versturen en taak uitvoeren</button>" in page and ">Ontwerp bewaren</button>" in page
    assert "Een ontwerp is alleen voor jou" in page and "opgenomen door jou" in page
    data = {**example("register-signal"), "signal_date": "15/04/2026",
            "signal_description": "", "action": "complete"}
    refused = client.post(f"/tasks/{task.id}", data=data)
    assert refused.status_code == 422
    assert "Dit veld is verplicht." in refused.text and "This field is required" not in refused.text
    assert "Er werd nog niets bewaard" in refused.text


def test_a_partners_information_request_in_french(app, network, login):
    to_consultation(now=T0)
    task = only_task("police", "answer_information_request")
    client = login("police")
    for url in ("/", f"/tasks/{task.id}"):
        english = _page(client, url, "en")
        french = _page(client, url, "fr")
        assert _english_left(english, french, "fr") == [], url
    inbox = _page(client, "/", "fr")
    assert "Votre boîte de réception" in inbox and ">Prendre en charge<span" in inbox
    assert ">Échéance (la plus proche d'abord)</option>" in inbox
    assert "Personne pour l'instant" in inbox and ">Qui s'en occupe</th>" in inbox

    page = _page(client, f"/tasks/{task.id}", "fr")
    assert "La question à Police" in page and "Ce que vous pouvez voir de ce dossier" in page
    assert ">Envoyer et accomplir la tâche</button>" in page
    assert ">Enregistrer le brouillon</button>" in page and ">Ajouter des fichiers</label>" in page
    too_long = {**example("information-answer"), "risk_factors": "x" * 5001,
                "action": "complete"}
    refused = client.post(f"/tasks/{task.id}", data=too_long)
    assert refused.status_code == 422
    assert "Saisissez au plus 5000 caractères." in refused.text
    assert "Enter at most" not in refused.text
    saved = client.post(f"/tasks/{task.id}", data={**example("information-answer"),
                                                   "action": "draft"}, follow_redirects=True)
    assert ("Brouillon de « Répondre à la demande d&#39;informations » enregistré."
            in saved.text)
    assert "Vous reprenez votre brouillon enregistré le" in saved.text


def test_an_empty_inbox_in_both_languages(app, network, login):
    client = login("school")
    assert "Hier wacht niets." in _page(client, "/", "nl")
    page = _page(client, "/", "fr")
    assert "Rien en attente ici." in page and "Nothing waiting here" not in page
