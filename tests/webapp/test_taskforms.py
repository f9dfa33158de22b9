"""Task forms built from JSON Schema: what a practitioner sees and what the workflow receives."""

import json
import re
from pathlib import Path

import pytest
from flask import Flask, render_template_string, request
from flask_babel import Babel

from webapp.taskforms import build_task_form

TEMPLATES = Path(__file__).resolve().parents[2] / "webapp" / "templates"
RENDER = (
    '{% from "taskforms/_macros.html" import render_task_form_fields %}'
    "{{ render_task_form_fields(form) }}"
)
PARTNERS = [("police", "Police"), ("school", "Westside School")]
SOURCES = {"partner_organisations": lambda: PARTNERS, "partners": lambda: PARTNERS}

SCHEMA = {
    "type": "object",
    "required": ["summary", "organisation"],
    "properties": {
        "summary": {"type": "string", "title": "Summary", "maxLength": 20},
        "details": {"type": "string", "title": "Details", "description": "What happened"},
        "seen_on": {"type": "string", "format": "date", "title": "Seen on"},
        "risk": {"type": "string", "enum": ["low", "high_risk"]},
        "urgency": {"type": "string", "enum": ["now", "later"], "enumNames": ["Now", "Later on"]},
        "organisation": {"type": "string", "x-options": "partner_organisations"},
        "age": {"type": "integer", "minimum": 0, "maximum": 120},
        "score": {"type": "number"},
        "consent": {"type": "boolean", "title": "Consent given"},
        "topics": {"type": "array", "items": {"type": "string", "enum": ["online", "school"]}},
        "partners": {"type": "array", "x-options": "partners", "items": {"type": "string"}},
        "contacts": {
            "type": "array",
            "title": "Contacts",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}, "phone": {"type": "string"}},
            },
        },
    },
}  # fmt: skip
UI = {
    "details": {"ui:widget": "textarea"},
    "risk": {"ui:widget": "radio"},
    "topics": {"ui:widget": "checkboxes"},
}


@pytest.fixture
def app():
    app = Flask(__name__, template_folder=str(TEMPLATES))
    app.config.update(SECRET_KEY="test", WTF_CSRF_ENABLED=False)
    Babel(app, default_locale="nl_BE")  # dates typed the Belgian way: 31/12/2026
    return app


def get_form(app, data=None, schema=SCHEMA, ui=UI):
    with app.test_request_context():
        form = build_task_form(schema, ui, data=data, option_sources=SOURCES)
        return form, render_template_string(RENDER, form=form)


def post_form(app, data, schema=SCHEMA, ui=UI):
    """Build the form from a POST; returns (form, row_action, valid, html)."""
    with app.test_request_context(method="POST", data=data):
        form = build_task_form(schema, ui, formdata=request.form, option_sources=SOURCES)
        row_action = form.row_action()
        valid = None if row_action else form.validate_task()
        return form, row_action, valid, render_template_string(RENDER, form=form)


def block(html, field_id):
    """The markup of the field (or group) holding the control with this id."""
    at = html.index(f'id="{field_id}"')
    start = html.rfind('class="mb-3', 0, at)
    end = html.find('class="mb-3', at)
    return html[start : end if end != -1 else None]


VALID = {"summary": "Worried teacher", "organisation": "school", "contacts-0-name": "Ann"}


@pytest.mark.parametrize(
    ("field_id", "control"),
    [
        ("summary", '<input aria-required="true" class="form-control" id="summary" maxlength="20"'),
        ("details", '<textarea aria-describedby="details-help" class="form-control"'),
        ("seen_on", 'placeholder="dd/mm/yyyy" type="text"'),
        ("urgency", '<select class="form-select" id="urgency"'),
        ("risk-0", 'type="radio" value="low"'),
        ("organisation", '<option value="school">Westside School</option>'),
        ("age", 'max="120" min="0" name="age" step="1" type="number"'),
        ("score", 'step="any" type="number"'),
        ("consent", 'type="checkbox"'),
        ("topics-1", 'type="checkbox" value="school"'),
        ("partners", 'multiple name="partners"'),
        ("contacts-0-name", 'name="contacts-0-name" type="text"'),
    ],
)
def test_each_field_kind_renders_with_label_and_control(app, field_id, control):
    _, html = get_form(app)
    assert re.search(rf'<label for="{field_id}" class="form(-check)?-label">', html)
    assert control in block(html, field_id)


def test_labels_help_and_required_marks(app):
    _, html = get_form(app)
    assert "Consent given</label>" in html
    assert ">High risk</label>" in html  # enum value humanised
    assert ">Later on</label>" not in html and ">Later on</option>" in html
    assert '<div id="details-help" class="form-text">What happened</div>' in html
    assert 'Summary<span class="text-danger"' in html
    assert "Details<span" not in html
    assert "<legend" in block(html, "risk") and "<legend" in block(html, "contacts")


def test_missing_required_field_shows_error_next_to_it_and_keeps_other_values(app):
    form, _, valid, html = post_form(app, {"summary": "", "details": "Seen at school", "age": "15"})
    assert valid is False
    summary = block(html, "summary")
    assert "is-invalid" in summary
    assert 'class="invalid-feedback d-block">This field is required.</div>' in summary
    assert 'aria-describedby="summary-error"' in summary
    assert "is-invalid" not in block(html, "details")
    assert "Seen at school</textarea>" in html
    assert 'value="15"' in block(html, "age")


def test_max_length_is_enforced(app):
    form, _, valid, html = post_form(app, {**VALID, "summary": "x" * 21})
    assert valid is False
    assert "Enter at most 20 characters." in block(html, "summary")


def test_value_outside_enum_is_refused(app):
    _, _, valid, html = post_form(app, {**VALID, "urgency": "yesterday"})
    assert valid is False
    assert "Choose one of the listed options." in block(html, "urgency")


def test_x_options_accepts_only_values_of_the_source(app):
    _, _, valid, html = post_form(app, {**VALID, "organisation": "secret_service"})
    assert valid is False
    assert "Choose one of the listed options." in block(html, "organisation")
    _, _, valid, html = post_form(app, {**VALID, "partners": ["police", "hackers"]})
    assert valid is False
    assert "Choose one of the listed options." in block(html, "partners")
    form, _, valid, _ = post_form(app, {**VALID, "partners": ["police"]})
    assert valid is True
    assert form.to_data()["partners"] == ["police"]


def test_valid_post_gives_json_native_data(app):
    form, _, valid, _ = post_form(
        app,
        {
            **VALID, "details": "  spaces trimmed  ", "seen_on": "2026-03-01", "risk": "low",
            "age": "15", "score": "2.5", "topics": ["online", "school"], "contacts-1-name": "Bo",
            "contacts-1-phone": "0123", "contacts-2-name": "", "contacts-2-phone": "",
        },
    )  # fmt: skip
    assert valid is True
    data = form.to_data()
    assert data == {
        "summary": "Worried teacher",
        "details": "spaces trimmed",
        "seen_on": "2026-03-01",
        "risk": "low",
        "organisation": "school",
        "age": 15,
        "score": 2.5,
        "consent": False,
        "topics": ["online", "school"],
        "contacts": [{"name": "Ann"}, {"name": "Bo", "phone": "0123"}],
    }
    assert json.loads(json.dumps(data)) == data


@pytest.mark.parametrize("typed", ["30/02/2026", "2026-02-30", "3/1/26", "soon"])
def test_invalid_date_is_refused_and_shown_again(app, typed):
    _, _, valid, html = post_form(app, {**VALID, "seen_on": typed})
    assert valid is False
    seen_on = block(html, "seen_on")
    assert "Enter a date as dd/mm/yyyy, for example 31/12/20" in seen_on
    assert f'value="{typed}"' in seen_on


@pytest.mark.parametrize("typed", ["01/03/2026", "1/3/2026", "1-3-2026", "2026-03-01"])
def test_a_date_is_typed_the_readers_way_and_stored_as_iso(app, typed):
    _, html = get_form(app, data={"seen_on": "2026-03-01"})
    assert 'type="text" value="01/03/2026"' in html
    form, _, valid, _ = post_form(app, {**VALID, "seen_on": typed})
    assert valid and form.to_data()["seen_on"] == "2026-03-01"


def test_prefill_from_data_ignores_unknown_keys_and_wrong_types(app):
    data = {
        "summary": "From before", "age": "not a number", "consent": True, "topics": ["school"],
        "organisation": "police", "contacts": [{"name": "Ann"}, {"name": "Bo"}], "case_code": "X",
    }  # fmt: skip
    _, html = get_form(app, data=data)
    assert 'value="From before"' in block(html, "summary")
    assert 'value=""' in block(html, "age")
    assert "checked" in block(html, "consent")
    assert '<input checked class="form-check-input" id="topics-1"' in html
    assert '<option selected value="police">' in html
    assert 'value="Ann"' in block(html, "contacts-0-name")
    assert 'value="Bo"' in block(html, "contacts-1-name")
    assert "case_code" not in html


def test_defaults_prefill_and_rows_start_with_min_items(app):
    schema = {
        "type": "object",
        "properties": {
            "status": {"type": "string", "default": "open"},
            "people": {
                "type": "array",
                "minItems": 2,
                "items": {"type": "object", "properties": {"who": {"type": "string"}}},
            },
        },
    }
    _, html = get_form(app, schema=schema, ui={"ui:order": ["people", "*"]})
    assert 'value="open"' in html
    assert 'id="people-1-who"' in html and 'id="people-2-who"' not in html
    assert "Remove row" not in html  # cannot go below minItems
    assert html.index('id="people"') < html.index('id="status"')


def test_add_row_keeps_entered_data(app):
    form, row_action, _, html = post_form(
        app, {**VALID, "details": "keep me", "_add_row:contacts": "1"}
    )
    assert row_action is True
    assert 'value="Ann"' in block(html, "contacts-0-name")
    assert 'id="contacts-1-name"' in html
    assert "keep me</textarea>" in html
    assert "is-invalid" not in html


def test_remove_row_keeps_the_other_rows(app):
    data = {
        **VALID,
        "contacts-1-name": "Bo",
        "contacts-2-name": "Cy",
        "_remove_row:contacts:1": "1",
    }
    form, row_action, _, html = post_form(app, data)
    assert row_action is True
    assert [row["name"] for row in form.to_data()["contacts"]] == ["Ann", "Cy"]
    assert 'value="Cy"' in block(html, "contacts-1-name")
    assert "Bo" not in html


def test_error_in_a_row_is_shown_on_that_row(app):
    data = {**VALID, "contacts-1-phone": "0123", "contacts-1-name": ""}
    _, _, valid, html = post_form(app, data)
    assert valid is False
    assert "This field is required." in block(html, "contacts-1-name")
    assert "is-invalid" not in block(html, "contacts-0-name")


def test_unsupported_field_is_skipped_not_crashing(app):
    schema = {
        "type": "object",
        "properties": {"blob": {"type": "object"}, "ok": {"type": "string"}},
    }
    form, html = get_form(app, schema=schema, ui=None)
    assert 'id="ok"' in html and "blob" not in html


def test_rows_of_three_or_more_simple_fields_show_as_a_grid_with_labels(app):
    schema = {
        "type": "object",
        "properties": {"people": {"type": "array", "title": "Network map", "items": {
            "type": "object", "required": ["who"],
            "properties": {"who": {"type": "string", "title": "Who"},
                           "kind": {"type": "string", "enum": ["family", "peer"]},
                           "closeness": {"type": "integer", "title": "Closeness"}}}}},
    }  # fmt: skip
    _, html = get_form(app, schema=schema)
    assert '<th scope="col" class="small">Who<span class="text-danger"' in html
    assert '<label for="people-0-who" class="visually-hidden">Who, row 1</label>' in html
    assert 'class="form-select form-select-sm" id="people-0-kind"' in html
    _, stacked = get_form(app, schema=schema, ui={"people": {"ui:options": {"layout": "stacked"}}})
    assert "<th" not in stacked and "row 1</span></legend>" in stacked
