"""Validation of task data against form schemas, and the checks a process owner sees."""

import pytest

from webapp.engine.formdata import FieldError, validate_data
from webapp.engine.formschema import check_schema

SCHEMA = {
    "type": "object",
    "required": ["summary", "organisation"],
    "properties": {
        "summary": {"type": "string", "maxLength": 10},
        "organisation": {"type": "string", "x-options": "partner_organisations"},
        "risk": {"type": "string", "enum": ["low", "high"]},
        "seen_on": {"type": "string", "format": "date"},
        "age": {"type": "integer", "minimum": 0, "maximum": 120},
        "partners": {
            "type": "array",
            "items": {"type": "string", "x-options": "partner_organisations"},
        },
        "contacts": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}},
            },
        },
    },
}
ROWS = {"type": "array", "items": {"type": "object"}}
OPTIONS = {"partner_organisations": ["police", "school"]}


def errors_by_path(data):
    return {e.path: e.message for e in validate_data(SCHEMA, data, OPTIONS)}


def test_valid_data_has_no_errors():
    data = {"summary": "ok", "organisation": "police", "seen_on": "2026-03-01", "age": 30}
    assert validate_data(SCHEMA, data, OPTIONS) == []


def test_missing_required_is_reported_on_the_missing_field():
    assert validate_data(SCHEMA, {"organisation": "police"}, OPTIONS) == [
        FieldError(("summary",), "This field is required.")
    ]


def test_messages_are_plain_words_on_the_field_path():
    errors = errors_by_path(
        {
            "summary": "far too long text",
            "organisation": "secret_service",
            "risk": "medium",
            "seen_on": "2026-02-30",
            "age": 200,
            "partners": ["school", "nobody"],
            "contacts": [{"name": "A"}, {}],
        }
    )
    assert errors == {
        ("summary",): "Enter at most 10 characters.",
        ("organisation",): "Choose one of the listed options.",
        ("risk",): "Choose one of the listed options.",
        ("seen_on",): "Enter a valid date.",
        ("age",): "Enter a number of at most 120.",
        ("partners", 1): "Choose one of the listed options.",
        ("contacts", 1, "name"): "This field is required.",
    }


def test_wrong_type_and_min_rows():
    errors = errors_by_path(
        {"summary": "x", "organisation": "school", "age": "ten", "contacts": []}
    )
    assert errors == {("age",): "Enter a whole number.", ("contacts",): "Fill in at least 1 row."}


def test_x_options_source_missing_allows_nothing():
    errors = validate_data(SCHEMA, {"summary": "x", "organisation": "police"}, {})
    assert errors == [FieldError(("organisation",), "Choose one of the listed options.")]


def test_usable_schema_has_no_problems():
    assert check_schema(SCHEMA) == []


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ([], "must be a JSON object"),
        ({"type": "array"}, '"type": "object"'),
        ({"type": "object", "properties": {"a": {"type": "strin"}}}, "'strin' is not a type"),
        ({"type": "object", "properties": {"a": {"type": "object"}}},
         'Field "a" is an object without'),
        ({"type": "object", "properties": {"data": {"type": "string"}}}, 'Field "data": the name'),
        ({"type": "object", "properties": {"my-field": {"type": "string"}}}, 'Field "my-field"'),
        (
            {"type": "object", "properties": {"r": {"type": "array", "items": {
                "type": "object", "properties": {"n": ROWS}
            }}}},
            'Field "r > n": repeatable rows inside repeatable rows',
        ),
    ],
)  # fmt: skip
def test_check_schema_names_the_problem(schema, expected):
    problems = check_schema(schema)
    assert len(problems) == 1
    assert expected in problems[0]
