"""The JSON Schema constructs react-jsonschema-form shows by default, as a form made for
spiff-arena uses them: each renders here (and round-trips into task data) or is refused."""

import re

import pytest
from flask import Flask
from flask_babel import Babel

from webapp.engine.formdata import validate_data
from webapp.engine.formschema import check_schema

from .test_taskforms import TEMPLATES, block, get_form, post_form


@pytest.fixture
def app():
    app = Flask(__name__, template_folder=str(TEMPLATES))
    app.config.update(SECRET_KEY="test", WTF_CSRF_ENABLED=False)
    Babel(app)
    return app


SCHEMA = {
    "type": "object",
    "required": ["contact", "nicknames"],
    "properties": {
        "nicknames": {"type": "array", "title": "Names used", "minItems": 1, "maxItems": 3,
                      "uniqueItems": True, "items": {"type": "string", "maxLength": 20}},
        "case_ref": {"type": "string", "title": "Reference", "readOnly": True},
        "kind": {"type": "string", "title": "Kind", "const": "information_request"},
        "status": {"type": "string", "title": "Status", "default": "new"},
        "contact": {
            "type": "object", "title": "Contact person", "required": ["email"],
            "properties": {
                "email": {"type": "string", "format": "email", "title": "E-mail"},
                "phone": {"type": "string", "title": "Phone", "pattern": "^[0-9 +]{6,20}$"},
            },
        },
        "met_at": {"type": "string", "format": "date-time", "title": "Met at"},
        "summary": {"type": "string", "title": "Summary", "minLength": 5, "maxLength": 40},
        "hours": {"type": "number", "title": "Hours", "minimum": 0.5, "maximum": 8},
    },
}  # fmt: skip
VALID = {"nicknames-0": "Sam", "contact-email": "sam@example.org", "summary": "Met twice"}


def test_the_form_shows_every_construct(app):
    _, html = get_form(app, schema=SCHEMA, ui=None, data={"case_ref": "MAW-2026-0001"})
    # a list of short texts with add/remove, and its empty entry for the page's script
    assert re.search(r'<fieldset class="mb-3" id="nicknames" data-repeat="nicknames" '
                     r'data-repeat-min="1" data-repeat-max="3"', html)
    assert 'name="nicknames-0" type="text"' in html
    assert 'name="nicknames-__index__"' in html.split("<template")[1]
    assert 'data-repeat-add>Add an entry</button>' in html
    # read-only: shown with its value, not editable
    assert re.search(r'<input[^>]*id="case_ref"[^>]*readonly[^>]*value="MAW-2026-0001"', html)
    assert re.search(r'<input[^>]*id="kind"[^>]*readonly[^>]*value="information_request"',
                     html)
    assert 'value="new"' in block(html, "status")  # default
    # a nested object is a fieldset of its own fields
    group = html[html.index('id="contact"'):html.index('id="met_at"')]
    assert "<legend" in group and "Contact person" in group
    assert 'type="email"' in group and 'id="contact-phone"' in group
    assert 'type="datetime-local"' in block(html, "met_at") and "(UTC)" in html
    assert 'max="8" min="0.5"' in block(html, "hours")


def test_a_post_becomes_the_data_the_schema_describes(app):
    form, _, valid, html = post_form(app, {
        **VALID, "nicknames-1": "S.", "nicknames-4": "", "case_ref": "forged", "kind": "other",
        "status": "new", "met_at": "2026-03-01T14:30", "hours": "1.5",
        "contact-phone": "+32 470 12 34 56",
    }, schema=SCHEMA, ui=None)
    assert valid, html
    assert form.to_data() == {
        "nicknames": ["Sam", "S."], "kind": "information_request", "status": "new",
        "contact": {"email": "sam@example.org", "phone": "+32 470 12 34 56"},
        "met_at": "2026-03-01T14:30:00Z", "summary": "Met twice", "hours": 1.5,
    }  # case_ref: the posted value is ignored; the task keeps the one it has


@pytest.mark.parametrize(("posted", "field_id", "message"), [
    ({"nicknames-0": "Sam", "nicknames-1": "Sam"}, "nicknames",
     "Each value may be given only once."),
    ({"nicknames-0": "a", "nicknames-1": "b", "nicknames-2": "c", "nicknames-3": "d"},
     "nicknames", "Choose at most 3 options."),
    ({"contact-email": "not an address"}, "contact-email", "Enter an e-mail address"),
    ({"contact-email": ""}, "contact-email", "This field is required."),
    ({"contact-phone": "call me"}, "contact-phone", "Enter a value in the expected format."),
    ({"summary": "abc"}, "summary", "Enter at least 5 characters."),
    ({"hours": "9"}, "hours", "Enter a number of at most 8."),
    ({"met_at": "yesterday"}, "met_at", "Enter a valid date and time."),
])  # fmt: skip
def test_each_rule_is_told_next_to_its_field(app, posted, field_id, message):
    _, _, valid, html = post_form(app, {**VALID, **posted}, schema=SCHEMA, ui=None)
    assert valid is False
    assert message in block(html, field_id)


def test_a_list_entry_is_added_and_removed_without_scripts(app):
    form, row_action, _, html = post_form(
        app, {**VALID, "_add_row:nicknames": "1"}, schema=SCHEMA, ui=None)
    assert row_action and [e.data or "" for e in form.nicknames.entries] == ["Sam", ""]
    form, row_action, _, _ = post_form(
        app, {**VALID, "nicknames-1": "S.", "_remove_row:nicknames:0": "1"}, schema=SCHEMA,
        ui=None)
    assert row_action and [e.data for e in form.nicknames.entries] == ["S."]


def test_remove_is_hidden_at_min_items(app):
    _, html = get_form(app, schema=SCHEMA, ui=None)
    entries = html.split("<template")[0]
    assert re.search(r'name="_remove_row:nicknames:0"[^>]*data-repeat-remove hidden', entries)


def test_ui_readonly_hidden_and_known_widgets(app):
    ui = {"status": {"ui:readonly": True}, "summary": {"ui:widget": "hidden"},
          "hours": {"ui:widget": "updown"}}
    form, _, valid, html = post_form(app, {**VALID, "status": "changed"}, schema=SCHEMA, ui=ui)
    assert valid and "status" not in form.to_data() and "summary" not in form.to_data()
    assert 'id="summary"' not in html and re.search(r'id="status"[^>]*readonly', html)
    assert check_schema(SCHEMA, ui) == []


def test_read_only_fields_are_not_the_persons_to_fill_in():
    schema = {"type": "object", "required": ["ref"],
              "properties": {"ref": {"type": "string", "readOnly": True}}}
    assert validate_data(schema, {}) == []


@pytest.mark.parametrize(("prop", "ui", "expected"), [
    ({"type": "string", "format": "data-url"}, {}, 'Field "x" has the format "data-url"'),
    ({"type": "object"}, {}, 'Field "x" is an object without properties'),
    ({"type": "array", "items": {"type": "boolean"}}, {}, 'Field "x" has an unsupported type'),
    ({"type": "string"}, {"x": {"ui:widget": "typeahead"}},
     'Field "x": the widget "typeahead" (ui:widget) does not exist here'),
    ({"type": "object", "properties": {"l": {"type": "array", "items": {"type": "string"}}}},
     {}, 'Field "x > l": a list inside a group of fields are not supported'),
])  # fmt: skip
def test_what_cannot_be_shown_is_named(prop, ui, expected):
    problems = check_schema({"type": "object", "properties": {"x": prop}}, ui)
    assert len(problems) == 1 and expected in problems[0], problems
