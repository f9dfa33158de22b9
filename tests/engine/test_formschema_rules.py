"""Rules across fields (``if``/``then``, ``anyOf``) give one readable message next to a field."""

from webapp.engine.formdata import FieldError, validate_data


def _text(name):
    return {"required": [name], "properties": {name: {"pattern": r"\S"}}}


SCHEMA = {
    "type": "object",
    "properties": {
        "nothing": {"type": "boolean", "title": "Nothing to share"},
        "risks": {"type": "string", "title": "Risks"},
        "strengths": {"type": "string", "title": "Strengths"},
    },
    "if": {"properties": {"nothing": {"const": False}}},
    "then": {"anyOf": [_text("risks"), _text("strengths")]},
}


def test_an_any_of_of_fields_is_reported_next_to_the_first_with_their_titles():
    assert validate_data(SCHEMA, {"nothing": False}) == [
        FieldError(("risks",), "Fill in at least one of: Risks, Strengths.")]


def test_the_form_can_word_the_message_itself():
    schema = {**SCHEMA, "then": {**SCHEMA["then"], "errorMessage": "Tick or write."}}
    assert validate_data(schema, {"nothing": False, "risks": "  "}) == [
        FieldError(("risks",), "Tick or write.")]


def test_the_rule_holds_only_when_its_condition_does():
    assert validate_data(SCHEMA, {"nothing": True}) == []
    assert validate_data(SCHEMA, {"nothing": False, "strengths": "Plays football"}) == []


def test_inside_rows_the_message_goes_to_the_row_field():
    schema = {"type": "object", "properties": {"rows": {"type": "array", "items": SCHEMA}}}
    assert validate_data(schema, {"rows": [{"nothing": True}, {"nothing": False}]}) == [
        FieldError(("rows", 1, "risks"), "Fill in at least one of: Risks, Strengths.")]


def test_an_any_of_of_choices_asks_to_choose():
    schema = {"type": "object", "properties": {
        "level": {"type": "string", "anyOf": [{"const": "low"}, {"const": "high"}]}}}
    assert validate_data(schema, {"level": "medium"}) == [
        FieldError(("level",), "Choose one of the listed options.")]
