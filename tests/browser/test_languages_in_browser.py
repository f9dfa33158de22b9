"""The main story in Dutch and in French: a coordinator switches language before logging in,
registers a signal and asks the police; the police officer picks a language on the settings
page and answers; the coordinator holds the case consultation; the case page shows it all.
The app's own pages are mostly still English until the wrapping pass: the assertions are on
the process bundle's texts (task titles, form labels, instructions), on what is wrapped (the
login page, the switcher, the settings page) and on dates. Every page checked passes axe-core
with its lang attribute right. Screenshots: tests/artifacts/language-*.png."""

import re

import pytest
from playwright.sync_api import expect

from webapp.demo import DEMO_PASSWORD

from .conftest import ARTIFACTS, screenshot
from .test_workday import AXE, example, fill_task_form, submit_task

pytestmark = pytest.mark.browser

WORDS = {
    "nl": {
        "language": "Nederlands", "login_title": "Aanmelden bij mawflow",
        "username": "Gebruikersnaam", "password": "Wachtwoord", "log_in": "Aanmelden",
        "settings": "Je instellingen", "save": "Bewaren",
        "register": "Signaal registreren", "signaller": "Organisatie van de melder",
        "role": "Functie van de melder", "date": "Datum van het signaal",
        "isolation": "Sociaal isolement", "observed": "Wat werd vastgesteld",
        "register_says": "Noteer wat er echt gezien of gehoord werd",
        "intake": "Beslissing over de aanmelding bevestigen",
        "intake_says": "De beslissingstabel raadt aan",
        "request": "Informatie opvragen", "answer": "Informatievraag beantwoorden",
        "answer_says": "Antwoord alleen voor je eigen organisatie",
        "risk": "Gekende risicofactoren", "consultation": "Casusoverleg",
        "summary": "Samenvatting van de ontvangen informatie", "moderate": "Matig",
        "closure": "Naar de afsluitingsbespreking", "closure_task": "Afsluitingsbespreking",
        "process": "Casus in het casusoverleg v1",
        "month": r"jan|feb|mrt|apr|mei|jun|jul|aug|sep|okt|nov|dec",
        "date_typed": "02/03/2026", "placeholder": "dd/mm/jjjj",
    },
    "fr": {
        "language": "Français", "login_title": "Se connecter à mawflow",
        "username": "Nom d'utilisateur", "password": "Mot de passe", "log_in": "Se connecter",
        "settings": "Vos paramètres", "save": "Enregistrer",
        "register": "Enregistrer un signalement",
        "signaller": "Organisation de l'auteur du signalement",
        "role": "Fonction de l'auteur du signalement", "date": "Date du signalement",
        "isolation": "Isolement social", "observed": "Ce qui a été constaté",
        "register_says": "Notez ce qui a réellement été vu ou entendu",
        "intake": "Confirmer la décision d'entrée",
        "intake_says": "La table de décision recommande",
        "request": "Demander des informations",
        "answer": "Répondre à la demande d'informations",
        "answer_says": "Répondez uniquement pour votre organisation",
        "risk": "Facteurs de risque connus", "consultation": "Concertation de cas",
        "summary": "Synthèse des informations reçues", "moderate": "Modéré",
        "closure": "Passer à l'évaluation de clôture", "closure_task": "Évaluation de clôture",
        "process": "Dossier en concertation de cas v1",
        "month": r"janv\.|févr\.|mars|avr\.|mai|juin|juil\.|août|sept\.|oct\.|nov\.|déc\.",
        "date_typed": "02/03/2026", "placeholder": "jj/mm/aaaa",
    },
}


def _accessibility_problems(page) -> list:
    """axe-core on the page as it is now (the context bypasses the CSP to inject it)."""
    if page.locator("#case-diagram").count():
        expect(page.locator("#case-diagram")).to_have_attribute("data-state", "ready")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def _checked(page, language: str, name: str) -> None:
    """The page is in ``language`` for assistive technology and passes axe; screenshot."""
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert _accessibility_problems(page) == [], name
    screenshot(page, f"language-{name}-{language}")


def _context(browser, base):
    return browser.new_context(base_url=base, bypass_csp=True, locale="en-US",
                               viewport={"width": 1280, "height": 900})


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_main_story_in_dutch_and_in_french(browser, live_server, language):
    base, _ = live_server
    words = WORDS[language]
    coordinator_context, police_context = _context(browser, base), _context(browser, base)
    try:
        coordinator = coordinator_context.new_page()
        # Before logging in: the switcher on the login page.
        coordinator.goto("/login")
        expect(coordinator.locator("html")).to_have_attribute("lang", "en")
        coordinator.get_by_role("button", name=words["language"]).click()
        expect(coordinator.get_by_role("heading", name=words["login_title"])).to_be_visible()
        _checked(coordinator, language, "login")
        coordinator.get_by_label(words["username"]).fill("coordinator")
        coordinator.get_by_label(words["password"]).fill(DEMO_PASSWORD)
        coordinator.get_by_role("button", name=words["log_in"], exact=True).click()
        coordinator.wait_for_url(base + "/")
        expect(coordinator.get_by_role("link", name=words["settings"])).to_be_visible()

        # Register the signal: the task form in the chosen language, dates typed its way.
        coordinator.get_by_role("link", name="Register a case").first.click()
        coordinator.get_by_role("button", name="Register and describe the signal").click()
        expect(coordinator.locator("h1")).to_have_text(words["register"])
        expect(coordinator.locator("main")).to_contain_text(
            words["register_says"])
        coordinator.get_by_label(words["signaller"]).fill("Atheneum Noord")
        coordinator.get_by_label(words["role"]).fill("teacher")
        date = coordinator.get_by_label(words["date"])
        expect(date).to_have_attribute("placeholder", words["placeholder"])
        date.fill(words["date_typed"])
        coordinator.get_by_label(words["isolation"]).check()
        coordinator.get_by_label(words["observed"]).fill("Withdrawn in class since January.")
        _checked(coordinator, language, "task-form")
        submit_task(coordinator)
        done = coordinator.get_by_text(re.compile(rf"“{words['register']}” for case MAW-"))
        expect(done).to_be_visible()  # the step's name in the flash message, translated
        code = re.search(r"MAW-\d{4}-\d{4}", done.inner_text()).group(0)

        row = coordinator.get_by_role("row").filter(has_text=code)
        row.get_by_role("link", name=words["intake"]).click()
        expect(coordinator.get_by_text(words["intake_says"])).to_be_visible()
        fill_task_form(coordinator, example("intake-decision", intake_decision="multi_agency"))
        submit_task(coordinator)
        coordinator.get_by_role("row").filter(has_text=code).get_by_role(
            "link", name=words["request"]).click()
        fill_task_form(coordinator, example("request-information", partners=["police"]))
        submit_task(coordinator)

        # The police officer chooses the language on the settings page, after logging in.
        police = police_context.new_page()
        police.goto("/login")
        police.get_by_label("Username").fill("police")
        police.get_by_label("Password").fill(DEMO_PASSWORD)
        police.get_by_role("button", name="Log in").click()
        police.goto("/settings")
        police.get_by_label(words["language"]).check()
        police.locator("main form button[type=submit]").click()  # in the language before
        expect(police.get_by_role("button", name=words["save"])).to_be_visible()
        expect(police.locator("html")).to_have_attribute("lang", language)
        police.goto("/")
        police_row = police.get_by_role("row").filter(has_text=code)
        expect(police_row).to_contain_text(words["answer"])
        _checked(police, language, "inbox")
        police_row.get_by_role("link", name=words["answer"]).click()
        expect(police.get_by_text(words["answer_says"])).to_be_visible()
        police.get_by_label(words["risk"]).fill("Known for truancy, nothing alarming.")
        submit_task(police)
        expect(police.get_by_role("row").filter(has_text=code)).to_have_count(0)

        # The case consultation, then the case page.
        coordinator.goto("/")
        coordinator.get_by_role("row").filter(has_text=code).get_by_role(
            "link", name=words["consultation"]).click()
        coordinator.get_by_label(words["summary"]).fill("The police answered.")
        coordinator.get_by_label(words["moderate"], exact=True).check()
        coordinator.get_by_label(words["closure"]).check()
        submit_task(coordinator)
        expect(coordinator.get_by_role("row").filter(has_text=code)).to_contain_text(
            words["closure_task"])
        coordinator.goto(f"/cases/{code}")
        expect(coordinator.get_by_text(words["process"]).first).to_be_visible()
        expect(coordinator.get_by_text(words["risk"]).first).to_be_visible()
        expect(coordinator.locator(".timeline time").first).to_have_text(
            re.compile(rf"^\d+ ({words['month']}) 20\d\d,? \d\d:\d\d$"))
        expect(coordinator.locator("#case-diagram")).to_have_attribute("data-state", "ready")
        expect(coordinator.locator("#case-diagram").get_by_text(words["register"])).to_be_visible()
        _checked(coordinator, language, "case-page")

        # After logging in, the switcher changes the language again, everywhere.
        other = "fr" if language == "nl" else "nl"
        coordinator.get_by_role("button", name=WORDS[other]["language"]).click()
        expect(coordinator.locator("html")).to_have_attribute("lang", other)
        expect(coordinator.get_by_text(WORDS[other]["process"]).first).to_be_visible()
    finally:
        coordinator_context.close()
        police_context.close()


def test_the_workbench_shows_each_text_beside_its_translation(browser, live_server):
    base, _ = live_server
    context = _context(browser, base)
    try:
        owner = context.new_page()
        owner.goto("/login")
        owner.get_by_label("Username").fill("owner")
        owner.get_by_label("Password").fill(DEMO_PASSWORD)
        owner.get_by_role("button", name="Log in").click()
        owner.goto("/designer/maw_case/")
        expect(owner.locator("#translation-gaps")).to_contain_text(
            "Every text has a translation in every language offered.")
        owner.get_by_role("link", name="Translations").click()
        expect(owner.get_by_role("link", name="Français")).to_be_visible()
        row = owner.get_by_role("row", name="register_signal (name)")
        expect(row.get_by_role("textbox", name="Register signal")).to_have_value(
            "Signaal registreren")
        assert _accessibility_problems(owner) == []
        ARTIFACTS.mkdir(parents=True, exist_ok=True)  # the first screen: the page is long
        owner.screenshot(path=str(ARTIFACTS / "language-workbench-translations.png"))
    finally:
        context.close()
