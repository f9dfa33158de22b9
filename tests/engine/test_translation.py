"""Translating a process bundle: which texts are translatable, translated copies of forms,
diagrams and instructions, and what validation says about missing translations."""

from __future__ import annotations

import json
import re

import pytest

from webapp import engine
from webapp.engine.catalogs import catalog_errors, missing_translations, translation_warnings
from webapp.engine.hyphens import SOFT_HYPHEN, soft_hyphens
from webapp.engine.texts import bundle_texts, output_strings
from webapp.engine.translation import translator

from .conftest import CASE, ROLES, T0, variant

SCHEMA = {
    "title": "Register",
    "type": "object",
    "required": ["urgency"],
    "properties": {
        "urgency": {"type": "string", "title": "Urgency", "description": "How soon?",
                    "oneOf": [{"const": "high", "title": "High"},
                              {"const": "low", "title": "Low"}]},
        "title": {"type": "string", "title": "Title", "default": "Low"},
        "rows": {"type": "array", "title": "Rows", "items": {
            "type": "object", "properties": {"kind": {"type": "string", "title": "Kind",
                                                      "enum": ["a"], "enumNames": ["Aa"]}}}},
    },
    "anyOf": [{"required": ["title"], "errorMessage": "Give a title."}],
    "x-attachments": {"title": "Documents", "description": "Seen by the table."},
}
UI = {"ui:order": ["urgency"], "urgency": {"ui:widget": "radio", "ui:help": "Think twice."},
      "rows": {"items": {"kind": {"ui:placeholder": "Pick one"}}}}
NL = {
    "source_language": "en",
    "texts": {
        "forms/register.schema.json": {
            "Register": "Registreren", "Urgency": "Dringendheid", "High": "Hoog",
            "Low": "Laag", "How soon?": "Hoe snel?", "Title": "Titel", "Rows": "Rijen",
            "Kind": "Soort", "Aa": "A-a", "Give a title.": "Geef een titel.",
            "Documents": "Documenten", "Seen by the table.": "Gezien door het overleg.",
        },
        "forms/register.uischema.json": {"Think twice.": "Denk twee keer na.",
                                         "Pick one": "Kies er een"},
        "processes/case.bpmn": {
            "Register signal": "Signaal registreren", "Coordinator": "Coördinator",
            "Register case **{{ case_code }}** <b>{{ note }}</b>":
                "Registreer casus **{{ case_code }}**: {{ urgency | label }} <b>{{ note }}</b>",
        },
        "rules/triage.dmn": {"Route": "Route", "urgent_care": "dringende zorg"},
    },
}


@pytest.fixture
def translated(files):
    changed = dict(files)
    changed["forms/register.schema.json"] = json.dumps(SCHEMA)
    changed["forms/register.uischema.json"] = json.dumps(UI)
    changed["i18n/nl.json"] = json.dumps(NL)
    return changed


def test_the_texts_are_names_instructions_labels_and_form_wording_never_codes(translated):
    texts = {(t.file, t.element): t.source for t in bundle_texts(translated)}
    assert texts[("processes/case.bpmn", "register (name)")] == "Register signal"
    assert texts[("processes/case.bpmn", "Lane_coordinator (name)")] == "Coordinator"
    assert texts[("processes/case.bpmn", "register (instructions)")].startswith("Register case")
    assert texts[("rules/triage.dmn", "Output_1 (label)")] == "Route"
    assert texts[("rules/triage.dmn", "LiteralExpression_1 (output)")] == "urgent_care"
    form = {k[1]: v for k, v in texts.items() if k[0] == "forms/register.schema.json"}
    assert form["/properties/urgency/oneOf/0/title"] == "High"
    assert form["/properties/title/title"] == "Title"  # a field named "title" is a field
    assert form["/properties/rows/items/properties/kind/enumNames/0"] == "Aa"
    assert form["/anyOf/0/errorMessage"] == "Give a title."
    assert form["/x-attachments/title"] == "Documents"  # the file field's legend
    assert "/properties/title/default" not in form  # defaults are data
    ui = {k[1]: v for k, v in texts.items() if k[0] == "forms/register.uischema.json"}
    assert ui == {"/urgency/ui:help": "Think twice.", "/rows/items/kind/ui:placeholder":
                  "Pick one"}
    shown = set(texts.values())
    assert not shown & {"request", "answer", "high", "urgency", "radio"}  # variables, codes


def test_message_and_signal_names_are_codes_the_engine_matches_not_texts(translated):
    changed = variant(translated, CASE, '<bpmn:process id="test_case"',
                      '<bpmn:message id="M" name="review_now" /><bpmn:signal id="S" '
                      'name="close_open_actions" /><bpmn:process id="test_case"')
    shown = {t.source for t in bundle_texts(changed)}
    assert "Register signal" in shown
    assert not shown & {"review_now", "close_open_actions"}


def test_decision_cells_give_their_result_strings_not_the_strings_they_test():
    expression = '"care" if "x" in seen else ("school" if y else "welfare")'
    assert output_strings(expression) == ["care", "school", "welfare"]
    assert output_strings('"a" + name') == [] and output_strings("not python (") == []


def test_a_translated_form_keeps_codes_defaults_and_rules_and_is_made_once(translated):
    bundle = engine.compile_bundle(translated, ROLES)
    dutch = translator(bundle.files, bundle.hash, "nl")
    original = bundle.form("register.schema.json")
    form = dutch.form("register.schema.json", original)
    assert form["title"] == "Registreren"
    assert form["properties"]["urgency"]["oneOf"] == [{"const": "high", "title": "Hoog"},
                                                      {"const": "low", "title": "Laag"}]
    assert form["properties"]["title"]["default"] == "Low"
    assert form["required"] == ["urgency"] and form["anyOf"][0]["required"] == ["title"]
    assert form["anyOf"][0]["errorMessage"] == "Geef een titel."
    assert form["x-attachments"] == {"title": "Documenten",
                                     "description": "Gezien door het overleg."}
    assert form is dutch.form("register.schema.json", original)  # identity-keyed caches hit
    assert original["title"] == "Register"  # the bundle is untouched
    ui = dutch.form("register.uischema.json", bundle.form("register.uischema.json"))
    assert ui["urgency"] == {"ui:widget": "radio", "ui:help": "Denk twee keer na."}
    english = translator(bundle.files, bundle.hash, "en")
    assert english.form("register.schema.json", original) is original


def test_instructions_in_another_language_use_labels_and_decision_texts(translated):
    bundle = engine.compile_bundle(translated, ROLES)
    step = engine.start(bundle, {"case_code": "MAW-1", "note": "<i>", "urgency": "high"},
                        now=T0)
    [task] = step.ready
    assert task.instructions == "Register case **MAW-1** <b>&lt;i&gt;</b>"
    # filled in for every language of the bundle when the task became ready, in the worker
    assert task.instructions_in == {"nl": "Registreer casus **MAW-1**: Hoog <b>&lt;i&gt;</b>"}
    dutch = translator(bundle.files, bundle.hash, "nl")
    assert dutch.name("Register signal") == "Signaal registreren"
    assert dutch.name("Not translated") == "Not translated"
    assert dutch.decision_text("urgent_care") == "dringende zorg"
    printed = dutch.environment.from_string("{{ route }} / {{ other }}").render(
        route="urgent_care", other="urgent_care x")
    assert printed == "dringende zorg / urgent_care x"


def test_the_diagram_is_drawn_with_translated_names_and_the_same_ids(translated):
    bundle = engine.compile_bundle(translated, ROLES)
    shown = translator(bundle.files, bundle.hash, "nl").diagram("processes/case.bpmn")
    xml = shown.replace(SOFT_HYPHEN, "")  # where long words may break (below)
    assert 'id="register" name="Signaal registreren"' in xml
    assert 'name="Coördinator"' in xml and 'name="request"' in xml  # variables stay
    # as written in the bundle's own language, but for where long words may break
    source = translator(bundle.files, bundle.hash, None).diagram("processes/case.bpmn")
    assert _names(source.replace(SOFT_HYPHEN, "")) == _names(bundle.files["processes/case.bpmn"])


def _names(xml: str) -> list[tuple[str, str]]:
    return re.findall(r'id="([^"]+)" name="([^"]*)"', xml)


def test_long_words_in_a_shown_diagram_may_break_where_their_language_allows():
    """bpmn-js cuts a word wider than its box anywhere ("Afsluitingsbesp / reking") but breaks
    at a soft hyphen: shown names get them where the language's hyphenation allows."""
    assert soft_hyphens("Afsluitingsbespreking", "nl") == \
        "Afslui\u00adtings\u00adbe\u00adspre\u00adking"
    assert soft_hyphens("Demande d'informations complémentaires", "fr_BE") == \
        "Demande d'informations com\u00adplé\u00admen\u00adtaires"
    assert soft_hyphens("De casus evalueren", "nl") == "De casus evalueren"  # whole on a line
    assert soft_hyphens("Afsluitingsbespreking", "tlh") == "Afsluitingsbespreking"


def test_missing_translations_name_file_and_element_and_the_source_needs_none(translated):
    missing = missing_translations(translated, ["en", "nl", "fr"], "en")
    assert {m.language for m in missing} == {"nl", "fr"}
    dutch = [(m.text.file, m.text.element) for m in missing if m.language == "nl"]
    assert ("processes/case.bpmn", "answer_request (name)") in dutch
    assert ("processes/case.bpmn", "register (name)") not in dutch
    french = [m for m in missing if m.language == "fr"]
    assert len(french) == len(bundle_texts(translated))  # no French catalog at all
    warnings = translation_warnings(translated, ["nl"], "en")
    assert any("no Dutch translation of “Answer request”" in str(w) for w in warnings)


def test_a_dutch_bundle_needs_no_dutch_catalog(files):
    assert missing_translations(files, ["nl"], "nl") == []


def test_a_broken_catalog_is_refused_and_broken_instructions_are_a_warning(translated):
    broken = dict(translated, **{"i18n/nl.json": "{not json"})
    assert catalog_errors(broken)
    with pytest.raises(engine.BundleInvalid, match="i18n/nl.json"):
        engine.compile_bundle(broken, ROLES)
    bad = json.loads(translated["i18n/nl.json"])
    key = "Register case **{{ case_code }}** <b>{{ note }}</b>"
    bad["texts"]["processes/case.bpmn"][key] = "Registreer {{ case_code "
    changed = dict(translated, **{"i18n/nl.json": json.dumps(bad)})
    engine.compile_bundle(changed, ROLES)  # not refused
    warnings = [str(w) for w in translation_warnings(changed, [], "en")]
    assert warnings == ["i18n/nl.json, element 'register (instructions)': the translated "
                        "instructions are not a valid template: unexpected end of template, "
                        "expected 'end of print statement'."]


REGISTER = "Register case **{{ case_code }}** <b>{{ note }}</b>"


def _with_dutch(files, instructions):
    catalog = json.loads(files["i18n/nl.json"])
    catalog["texts"]["processes/case.bpmn"][REGISTER] = instructions
    return dict(files, **{"i18n/nl.json": json.dumps(catalog)})


def test_translated_instructions_that_leave_out_or_add_a_placeholder_are_a_warning(translated):
    # the fixture's own translation adds {{ urgency }}, a field of the step's form: fine
    assert translation_warnings(translated, [], "en") == []
    changed = _with_dutch(translated, "Registreer casus **{{ case_cod }}**")
    warnings = [str(w) for w in translation_warnings(changed, [], "en")]
    assert warnings == [
        "i18n/nl.json, element 'register (instructions)': the translated instructions leave "
        "out {{ case_code }}, {{ note }}",
        "i18n/nl.json, element 'register (instructions)': the translated instructions use "
        "{{ case_cod }}, which the source does not use and no step of the process sets",
    ]
    engine.compile_bundle(changed, ROLES)  # a warning, never a refusal


def test_a_translation_may_reword_loops_and_conditions_around_the_same_placeholders(
        translated):
    reworded = ("{% if note %}Casus **{{ case_code }}** ({{ note }}){% endif %}: "
                "{% for item in requests %}{{ item.organisation }}{% endfor %}")
    assert translation_warnings(_with_dutch(translated, reworded), [], "en") == []
