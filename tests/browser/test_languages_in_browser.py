"""The main story in Dutch and in French: a coordinator switches language before logging in,
registers a signal and asks the police; the police officer picks a language on the settings
page and answers; the coordinator holds the case consultation; the case page shows it all.
Every page checked passes axe-core with its lang attribute right, and its visible text (main
and navigation) holds none of the app's own English: the messages of its catalog, the
texts of the process bundle (each unless the language writes it the same) and the demo
organisations' English names; what the story types and people's names are left aside. The
strings found are reported by page. Screenshots: tests/artifacts/language-*.png."""

import json
import re

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import expect

from webapp.demo import DEMO_PASSWORD, NAMES, ORGANISATIONS, USERS

from ..webapp.helpers import requests_for
from .conftest import ARTIFACTS, ROOT, screenshot
from .test_workday import AXE, example, fill_task_form

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


# --- the app's own English ------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%[sdf]|\{\w*\}")
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_MARKDOWN_LINE = re.compile(r"^\s*(?:#+\s+|>\s*|[-+]\s+|\d+\.\s+)")


def _worth_looking_for(fragment: str) -> bool:
    """At least two words or eight letters: shorter English ("Case", "Due") is too often
    also a word of the other language or part of a name."""
    words = re.findall(r"[^\W\d_]+", fragment)
    return len(words) >= 2 or sum(map(len, words)) >= 8


def _fragments(text: str, placeholders: re.Pattern) -> list[str]:
    """The runs of literal text a message shows, split where a placeholder goes; tags and
    Markdown marks are left out (a page shows their text, not them)."""
    found = []
    for line in text.splitlines():
        line = re.sub(r"<[^>]+>", "", _MARKDOWN_LINE.sub("", line)).replace("**", "")
        line = re.sub(r"(?<!\w)\*|\*(?!\w)", "", line)  # *emphasis*, not a * in a word
        for part in placeholders.split(line):
            part = " ".join(part.split())
            if _worth_looking_for(part):
                found.append(part)
    return found


def _catalog(language: str):
    path = ROOT / "webapp" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        return read_po(po)


def _written_the_same(message, catalog) -> bool:
    """The language writes this message as English does (its translation is the msgid)."""
    translated = catalog.get(message.id)
    return translated is not None and not translated.fuzzy and translated.string == message.id


def _app_english(language: str) -> set[str]:
    """The app's messages (the msgids of the Dutch catalog), unless ``language`` or Dutch
    writes them the same; an untranslated or fuzzy message is shown in English, so it
    counts."""
    dutch, own = _catalog("nl"), _catalog(language)
    found = set()
    for message in dutch:
        if not message.id or _written_the_same(message, dutch) or \
                _written_the_same(message, own):
            continue
        for msgid in message.id if isinstance(message.id, tuple) else [message.id]:
            found.update(_fragments(msgid, _PLACEHOLDER))
    return found


def _bundle_english(language: str) -> set[str]:
    """The process bundle's texts as written in English (the sources of its catalogs),
    unless ``language`` translates a text as written; instructions are split where a
    placeholder or a Markdown line break goes."""
    texts = json.loads((ROOT / "i18n" / f"{language}.json").read_text())["texts"]
    found = set()
    for entries in texts.values():
        for source, translation in entries.items():
            if translation != source:
                found.update(_fragments(source, _JINJA))
    return found


def _vocabulary(language: str) -> set[str]:
    """The words ``language`` itself uses in the app's and the bundle's translations: a
    single English word among them ("organisation", "Documents" in French) is no sign of
    English."""
    written = [m.string for m in _catalog(language) if m.id and not m.fuzzy]
    written = [w for item in written for w in (item if isinstance(item, tuple) else [item])]
    texts = json.loads((ROOT / "i18n" / f"{language}.json").read_text())["texts"]
    written += [t for entries in texts.values() for t in entries.values()]
    return {w.lower() for item in written for w in re.findall(r"[^\W\d_]+", item)}


def _english(language: str) -> list[str]:
    """What to look for on a page in ``language``, longest first: the app's and the
    bundle's English, and the demo organisations' English names (each has a name in
    ``language``, so its English one on a page is a name not shown the reader's way)."""
    own = _vocabulary(language)
    found = {f for f in _app_english(language) | _bundle_english(language)
             if not re.fullmatch(r"[^\W\d_]+", f) or f.lower() not in own}
    found |= {name for code, name in ORGANISATIONS if NAMES[code][language] != name}
    return sorted(found, key=len, reverse=True)


ENGLISH = {language: _english(language) for language in ("nl", "fr")}


def _english_on(page, language: str) -> list[str]:
    """The app's English strings in the page's main part and navigation (as shown, so
    in capitals where the page writes them so), longest first, each once (a string inside
    a longer one found is left out)."""
    text = " ".join(page.evaluate(
        "() => Array.from(document.querySelectorAll('main, nav'), e => e.innerText)"
        ".join(' ')").split())
    for content in _CONTENT:  # what people typed and their names are not the app's words
        text = re.sub(re.escape(content), " ", text, flags=re.IGNORECASE)
    found: list[str] = []
    for english in ENGLISH[language]:
        if _PATTERNS[english].search(text) and \
                not any(english.lower() in longer.lower() for longer in found):
            found.append(english)
    return found


def _as_written(english: str) -> re.Pattern:
    """``english`` where it is not part of a longer word."""
    before = r"(?<!\w)" if re.match(r"\w", english) else ""
    after = r"(?!\w)" if re.search(r"\w$", english) else ""
    return re.compile(before + re.escape(english) + after, re.IGNORECASE)


_PATTERNS = {english: _as_written(english) for found in ENGLISH.values() for english in found}


def _strings(data) -> list[str]:
    if isinstance(data, dict):
        return [s for value in data.values() for s in _strings(value)]
    if isinstance(data, list):
        return [s for value in data for s in _strings(value)]
    return [data] if isinstance(data, str) and " " in data.strip() else []  # not codes


#: What the story types (the forms' example data, in English) and the people's names
#: ("Chris Coordinator"): content, whatever its language, longest first.
_TYPED = ["Atheneum Noord", "teacher", "Withdrawn in class since January.",
          "Known for truancy, nothing alarming.", "The police answered."]
_CONTENT = sorted({*_TYPED, *(person for _, person, _ in USERS),
                   *_strings(requests_for("police")),
                   *(s for path in (ROOT / "forms" / "examples").glob("*.json")
                     for s in _strings(json.loads(path.read_text())))}, key=len, reverse=True)


def _letters(text: str) -> str:
    """A diagram label's letters: bpmn-js draws each line apart, and a word broken at a soft
    hyphen (U+00AD) shows a hyphen there."""
    return re.sub(r"[\s\u00ad-]", "", text)


def _report(english: dict[str, list[str]]) -> str:
    return "English left on the pages:\n" + "\n".join(
        f"  {name}: " + " | ".join(found) for name, found in english.items() if found)


# --- pages -----------------------------------------------------------------------------


def _accessibility_problems(page) -> list:
    """axe-core on the page as it is now (the context bypasses the CSP to inject it)."""
    if page.locator("#case-diagram").count():
        expect(page.locator("#case-diagram")).to_have_attribute("data-state", "ready")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def _checked(page, language: str, name: str, english: dict[str, list[str]]) -> None:
    """The page is in ``language`` for assistive technology and passes axe; what English it
    still shows goes into ``english`` under ``name``; screenshot."""
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert _accessibility_problems(page) == [], name
    english[name] = _english_on(page, language)
    screenshot(page, f"language-{name}-{language}")


def _submit(page) -> None:
    """Complete the task on the page (the button's words are the page language's)."""
    page.locator("form.task-form button[name=action][value=complete]").click()


def _context(browser, base):
    return browser.new_context(base_url=base, bypass_csp=True, locale="en-US",
                               viewport={"width": 1280, "height": 900})


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_main_story_in_dutch_and_in_french(browser, live_server, language):
    base, _ = live_server
    words = WORDS[language]
    english: dict[str, list[str]] = {}
    coordinator_context, police_context = _context(browser, base), _context(browser, base)
    try:
        coordinator = coordinator_context.new_page()
        # Before logging in: the switcher on the login page.
        coordinator.goto("/login")
        expect(coordinator.locator("html")).to_have_attribute("lang", "en")
        coordinator.get_by_role("button", name=words["language"]).click()
        expect(coordinator.get_by_role("heading", name=words["login_title"])).to_be_visible()
        _checked(coordinator, language, "login", english)
        coordinator.get_by_label(words["username"]).fill("coordinator")
        coordinator.get_by_label(words["password"]).fill(DEMO_PASSWORD)
        coordinator.get_by_role("button", name=words["log_in"], exact=True).click()
        coordinator.wait_for_url(base + "/")
        expect(coordinator.get_by_role("link", name=words["settings"])).to_be_visible()
        _checked(coordinator, language, "inbox-coordinator", english)

        # Register the signal: the task form in the chosen language, dates typed its way.
        coordinator.goto("/cases/new")
        _checked(coordinator, language, "register-case", english)
        coordinator.locator("main form button[type=submit]").click()
        expect(coordinator.locator("h1")).to_have_text(words["register"])
        code = re.search(r"MAW-\d{4}-\d{4}", coordinator.content()).group(0)
        expect(coordinator.locator("main")).to_contain_text(words["register_says"])
        coordinator.get_by_label(words["signaller"]).fill(_TYPED[0])
        coordinator.get_by_label(words["role"]).fill(_TYPED[1])
        date = coordinator.get_by_label(words["date"])
        expect(date).to_have_attribute("placeholder", words["placeholder"])
        date.fill(words["date_typed"])
        coordinator.get_by_label(words["isolation"]).check()
        coordinator.get_by_label(words["observed"]).fill(_TYPED[2])
        _checked(coordinator, language, "task-form", english)
        _submit(coordinator)
        done = coordinator.locator(".flash-messages").get_by_text(
            re.compile(rf"{re.escape(words['register'])}\W.*{code}"))  # “…” or « … »
        expect(done).to_be_visible()  # the step's name in the flash message, translated

        # The next steps of the same case open at once.
        expect(coordinator.locator("h1")).to_have_text(words["intake"])
        expect(coordinator.get_by_text(words["intake_says"])).to_be_visible()
        _checked(coordinator, language, "intake", english)
        fill_task_form(coordinator, example("intake-decision", intake_decision="multi_agency"))
        _submit(coordinator)
        expect(coordinator.locator("h1")).to_have_text(words["request"])
        fill_task_form(coordinator, example("request-information",
                                            partners=requests_for("police")))
        _checked(coordinator, language, "request-information", english)
        _submit(coordinator)

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
        _checked(police, language, "settings", english)
        police.goto("/")
        police_row = police.get_by_role("row").filter(has_text=code)
        expect(police_row).to_contain_text(words["answer"])
        _checked(police, language, "inbox", english)
        police_row.get_by_role("link", name=words["answer"]).click()
        expect(police.get_by_text(words["answer_says"])).to_be_visible()
        police.get_by_label(words["risk"]).fill(_TYPED[3])
        _checked(police, language, "answer", english)
        _submit(police)
        expect(police.get_by_role("row").filter(has_text=code)).to_have_count(0)

        # The case consultation, then the case page.
        coordinator.goto("/")
        coordinator.get_by_role("row").filter(has_text=code).get_by_role(
            "link", name=words["consultation"]).click()
        coordinator.get_by_label(words["summary"]).fill(_TYPED[4])
        coordinator.get_by_label(words["moderate"], exact=True).check()
        coordinator.get_by_label(words["closure"]).check()
        _checked(coordinator, language, "consultation", english)
        _submit(coordinator)
        coordinator.goto("/")
        expect(coordinator.get_by_role("row").filter(has_text=code)).to_contain_text(
            words["closure_task"])
        coordinator.goto(f"/cases/{code}")
        expect(coordinator.get_by_text(words["process"]).first).to_be_visible()
        expect(coordinator.get_by_text(words["risk"]).first).to_be_visible()
        expect(coordinator.locator(".timeline time").first).to_have_text(
            re.compile(rf"^\d+ ({words['month']}) 20\d\d,? \d\d:\d\d$"))
        expect(coordinator.locator("#case-diagram")).to_have_attribute("data-state", "ready")
        # the diagram's names in the language; long words may break at a soft hyphen
        label = coordinator.locator(
            '#case-diagram [data-element-id="register_signal"] .djs-visual text').first
        expect(label).to_be_visible()
        assert _letters(label.text_content()) == _letters(words["register"])
        _checked(coordinator, language, "case-page", english)

        # After logging in, the switcher changes the language again, everywhere.
        other = "fr" if language == "nl" else "nl"
        coordinator.get_by_role("button", name=WORDS[other]["language"]).click()
        expect(coordinator.locator("html")).to_have_attribute("lang", other)
        expect(coordinator.get_by_text(WORDS[other]["process"]).first).to_be_visible()
    finally:
        coordinator_context.close()
        police_context.close()
    assert not any(english.values()), _report(english)


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
