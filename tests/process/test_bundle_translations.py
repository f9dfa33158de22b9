"""The default bundle ships in English, Dutch and French: every text people read has a
translation in every language it claims, the translations keep what is stored (codes, rules)
and the translated instructions still fill in with a case's data."""

import json
import re

import pytest

from webapp.engine.bundle import read_bundle_dir
from webapp.engine.catalogs import catalog_language, missing_translations, read_catalogs
from webapp.engine.texts import bundle_texts, form_texts
from webapp.engine.translation import translator

from .common import ROOT, example
from .driver import to_intake, to_review

FILES = read_bundle_dir(ROOT)
CLAIMED = sorted(filter(None, (catalog_language(p) for p in FILES)))
# Labels that judge the person, in any language (the field's rule: concerns, not verdicts).
VERDICTS = re.compile(r"\b(radicali[sz]ed|geradicaliseerde?|radicalisée?s?|terroris\w*)\b",
                      re.IGNORECASE)


def test_the_default_bundle_claims_dutch_and_french_written_in_english():
    assert CLAIMED == ["fr", "nl"]
    assert {c.source_language for c in read_catalogs(FILES).values()} == {"en"}


@pytest.mark.parametrize("language", CLAIMED)
def test_every_text_people_read_has_a_translation(language):
    missing = missing_translations(FILES, [language], "en")
    assert [f"{m.text.file} {m.text.element}: {m.text.source[:50]!r}" for m in missing] == []


@pytest.mark.parametrize("language", CLAIMED)
def test_no_translation_is_left_over_from_a_text_the_bundle_no_longer_has(language):
    texts = {(t.file, t.source) for t in bundle_texts(FILES)}
    catalog = read_catalogs(FILES)[language]
    stale = [(f, s[:50]) for f, entries in catalog.texts.items() for s in entries
             if (f, s) not in texts]
    assert stale == []


def _without_texts(path, form):
    """The form with every text blanked: what is left is what decides the stored data."""
    out = json.loads(json.dumps(form))
    for where, _ in form_texts(path, form):
        *parents, last = where.split("/")[1:]
        node = out
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[int(last) if isinstance(node, list) else last] = ""
    return out


@pytest.mark.parametrize("language", CLAIMED)
def test_a_translated_form_stores_exactly_what_the_original_stores(language):
    shown = translator(FILES, "default-bundle-test", language)
    for path in sorted(p for p in FILES if p.startswith("forms/")):
        original = json.loads(FILES[path])
        translated = shown.form(path.removeprefix("forms/"), original)
        assert (translated != original) == bool(form_texts(path, original)), path
        assert _without_texts(path, translated) == _without_texts(path, original), path


@pytest.mark.parametrize("language", ["en", *CLAIMED])
def test_no_label_or_name_judges_the_person(language):
    shown = translator(FILES, "default-bundle-test", language)
    words = [shown.text(t.file, t.source) for t in bundle_texts(FILES)
             if not t.element.endswith("(instructions)")]
    assert [w for w in words if VERDICTS.search(w)] == []


def _rendered(task, language):
    """The instructions as the engine filled them in for ``language`` when the task became
    ready (in its worker process, under its limits); the bundle's own language is the
    task's instructions as written."""
    return task.instructions if language == "en" else task.instructions_in[language]


@pytest.mark.parametrize(("language", "expected"), [
    ("nl", ["De beslissingstabel raadt aan: **Naar het casusoverleg**",
            "Waarom (de regel die van toepassing was): *Er werden uitspraken of bedreigingen"]),
    ("fr", ["La table de décision recommande : **Porter en concertation de cas**",
            "Pourquoi (la règle appliquée) : *Des propos ou des menaces ont été constatés"]),
])
def test_intake_instructions_show_the_recommendation_and_its_reason_translated(
        bundle, language, expected):
    case = to_intake(bundle, observed_concerns=["statements_or_threats"])
    text = _rendered(case.ready("confirm_intake_decision")[0], language)
    for part in expected:
        assert part in text


@pytest.mark.parametrize(("language", "domain", "due"), [
    ("nl", "Levensdomein: Onderwijs en werk", "uiterste datum 15 apr 2026"),
    ("fr", "Domaine de vie : Enseignement et travail", "échéance 15 avr. 2026"),
    ("en", "Life domain: Education and work", "due Apr 15, 2026"),
])
def test_an_action_names_its_life_domain_and_due_date_the_readers_way(
        bundle, language, domain, due):
    case = to_review(bundle)
    review = case.ready("review_case")[0]
    case.do("review_case", example("review", decision="adjust_plan"))
    case.do("agree_action_plan", example("action-plan"))
    action = next(t for t in case.ready("carry_out_action") if t.organisation == "school")
    text = _rendered(action, language)
    assert domain in text and due in text
    assert "{" not in _rendered(review, language)


@pytest.mark.parametrize("language", CLAIMED)
def test_every_translated_instruction_fills_in_on_the_way_to_closure(bundle, language):
    case = to_review(bundle)
    seen = {}
    steps = [("review_case", example("review", decision="closure_review")),
             ("closure_review", example("closure-review")),
             ("approve_closure", example("closure-approval"))]
    for name, data in steps:
        for task in case.ready():
            seen[task.spec_name] = _rendered(task, language)
        case.do(name, data)
    for task in case.ready():
        seen[task.spec_name] = _rendered(task, language)
    assert {"review_case", "closure_review", "approve_closure"} <= set(seen)
    for name, text in seen.items():
        assert "{{" not in text and "{%" not in text, name
        assert "Closure" not in text and "Review" not in text, name  # no English left
