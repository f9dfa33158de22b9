"""Task form schemas: which fields a JSON Schema describes, and whether a form can be shown.

Pure Python on top of ``jsonschema``; the web layer turns the field kinds named here into
widgets. Validating what a person submitted is in formdata.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from webapp.engine.phrases import N_, Phrase, say

#: Property names that would clash with form machinery (WTForms attributes, CSRF, prefill).
RESERVED_NAMES = frozenset(
    {
        "csrf_token", "data", "errors", "form_errors", "meta", "obj", "prefix", "formdata",
        "process", "populate_obj", "validate", "validate_task", "validate_on_submit",
        "hidden_tag", "is_submitted", "to_data", "row_action", "fields_in_order",
    }
)  # fmt: skip
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_SUPPORTED = N_(
    "text, long text, date, date and time, e-mail address, choice (enum or x-options), whole "
    "number, number, yes/no, list of choices, list of short texts or numbers, group of fields "
    "(an object with properties) or repeatable rows"
)
#: The kinds of field an item of a list (an array of free values) can be.
LIST_ITEM_KINDS = frozenset({"text", "textarea", "date", "datetime", "email", "integer", "number"})
#: String formats the form can show (others are refused: RJSF would show a widget we lack).
_FORMATS = {"date": "date", "date-time": "datetime", "email": "email"}
_FORMAT_FREE = frozenset({"uri", "url", "hostname", "uuid", "time", "regex", "ipv4", "ipv6"})


def is_field_name(name: Any) -> bool:
    """True if ``name`` can name a form field (and an HTML id): letters, digits, ``_``."""
    return isinstance(name, str) and bool(_NAME_RE.match(name)) and name not in RESERVED_NAMES


def json_type(schema: Mapping[str, Any]) -> str | None:
    """The single JSON type of a property; ``["string", "null"]`` counts as ``"string"``."""
    declared = schema.get("type")
    if isinstance(declared, list):
        non_null = [t for t in declared if t != "null"]
        return non_null[0] if len(non_null) == 1 else None
    return declared if isinstance(declared, str) else None


def has_choices(schema: Mapping[str, Any]) -> bool:
    """True if a string property lists its allowed values (enum, oneOf consts, x-options)."""
    if "enum" in schema or "x-options" in schema:
        return True
    one_of = schema.get("oneOf")
    return isinstance(one_of, list) and bool(one_of) and all("const" in o for o in one_of)


def _string_kind(schema: Mapping[str, Any], widget: str | None) -> str | None:
    if has_choices(schema):
        return "radio" if widget == "radio" else "select"
    shown = schema.get("format")
    if widget in ("date", "datetime", "email"):
        return widget
    if shown in _FORMATS:
        return _FORMATS[shown]
    if shown is not None and shown not in _FORMAT_FREE:
        return None  # e.g. data-url (a file upload): nothing here can show it
    return "textarea" if widget == "textarea" else "text"


def _array_kind(schema: Mapping[str, Any], widget: str | None) -> str | None:
    items = schema.get("items")
    if not isinstance(items, Mapping):
        return None
    if json_type(items) == "object":
        return "rows"
    if json_type(items) == "string" and (has_choices(items) or "x-options" in schema):
        return "checkboxes" if widget == "checkboxes" else "multiselect"
    if field_kind(items) in LIST_ITEM_KINDS:
        return "list"
    return None


def is_read_only(schema: Mapping[str, Any], ui: Mapping[str, Any] | None = None) -> bool:
    """A field shown but not edited: ``readOnly``, a fixed ``const`` (not the "must be ticked"
    box) or ``ui:readonly`` / ``ui:disabled``. The server never takes its value from a post."""
    ui = ui or {}
    if schema.get("readOnly") is True or ui.get("ui:readonly") or ui.get("ui:disabled"):
        return True
    if ui.get("ui:widget") == "hidden":
        return True
    return "const" in schema and json_type(schema) != "boolean"


#: ``ui:widget`` values of react-jsonschema-form that forms here understand, and what each is
#: shown as (None: the field's usual control). "hidden" fields are kept, not shown.
WIDGETS = {
    "text": None, "textarea": "textarea", "select": None, "radio": "radio",
    "checkboxes": "checkboxes", "checkbox": None, "date": "date", "alt-date": "date",
    "datetime": "datetime", "alt-datetime": "datetime", "email": "email", "updown": None,
    "range": None, "password": None, "color": None, "uri": None, "hidden": None,
}


def field_kind(schema: Mapping[str, Any], ui: Mapping[str, Any] | None = None) -> str | None:
    """Name the kind of form field a property schema describes, or None if it is unsupported.

    Kinds: text, textarea, date, datetime, email, select, radio, integer, number, checkbox,
    multiselect, checkboxes, list (an array of free values), group (an object with
    properties: a fieldset) and rows (an array of objects).
    """
    chosen = (ui or {}).get("ui:widget")
    widget = WIDGETS.get(chosen) if isinstance(chosen, str) else None
    kind = json_type(schema)
    if kind == "string":
        return _string_kind(schema, widget)
    if kind in ("integer", "number"):
        return kind
    if kind == "boolean":
        return "checkbox"
    if kind == "array":
        return _array_kind(schema, widget)
    if kind == "object" and isinstance(schema.get("properties"), Mapping) and schema["properties"]:
        return "group"
    return None


def ordered_names(schema: Mapping[str, Any], ui: Mapping[str, Any] | None) -> list[str]:
    """Property names in ``ui:order`` order (``*`` stands for the rest), else schema order."""
    names = list((schema.get("properties") or {}).keys())
    order = (ui or {}).get("ui:order")
    if not isinstance(order, list):
        return names
    listed = [n for n in order if n in names]
    rest = [n for n in names if n not in listed]
    if "*" not in order:
        return listed + rest
    star = order.index("*")
    before = [n for n in order[:star] if n in names]
    after = [n for n in order[star + 1 :] if n in names]
    return before + rest + after


# --- check_schema -------------------------------------------------------------------------


META_VALIDATOR = Draft202012Validator(Draft202012Validator.META_SCHEMA)


def check_schema(schema: Any, ui: Any = None, *, meta: bool = True) -> list[str]:
    """List the problems that make ``schema`` (with its UI schema ``ui``) unusable as a task
    form, in plain words (English), each naming its field; see :func:`schema_problems`."""
    return [problem.english() for problem in schema_problems(schema, ui, meta=meta)]


def schema_problems(schema: Any, ui: Any = None, *, meta: bool = True) -> list[Phrase]:
    """The problems that make ``schema`` (with its UI schema ``ui``) unusable as a task form,
    each naming its field, as phrases the workbench shows in the reader's language.

    An empty list means every field can be shown. Problems: not valid JSON Schema (draft
    2020-12), top level not ``"type": "object"``, unsupported field types or formats, widgets
    that do not exist here, field names that cannot be form fields, lists or rows nested where
    the form cannot repeat them. ``meta=False`` skips the check against the JSON Schema
    meta-schema (the costly part) for a schema checked that way already.
    """
    if not isinstance(schema, dict):
        return [say(N_("The form schema must be a JSON object."))]
    error = best_match(META_VALIDATOR.iter_errors(schema)) if meta else None
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or say(N_("the top level"))
        message = error.message  # jsonschema's own words
        if error.absolute_path and error.absolute_path[-1] == "type":
            message = say(N_("%(value)s is not a type; use string, integer, number, boolean, "
                             "array or object"), value=repr(error.instance))
        return [say(N_("The form schema is not valid JSON Schema at %(where)s: %(error)s"),
                    where=where, error=message)]
    if schema.get("type") != "object":
        return [say(N_('The form schema must have "type": "object" at the top level.'))]
    if ui is not None and not isinstance(ui, Mapping):
        return [say(N_("The UI schema must be a JSON object."))]
    return list(_check_properties(schema, ui or {}, prefix="", inside=None))


def _ui_of(ui: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = ui.get(name)
    return value if isinstance(value, Mapping) else {}


def _unsupported(label: str, prop: Mapping[str, Any]) -> Phrase:
    if prop.get("format") and json_type(prop) == "string":
        return say(N_('Field "%(field)s" has the format "%(format)s", which the form cannot '
                      "show (supported: date, date-time, email, or none)."),
                   field=label, format=str(prop["format"]))
    if json_type(prop) == "object":
        return say(N_('Field "%(field)s" is an object without properties; list its fields '
                      'under "properties" (it is shown as a group of fields).'), field=label)
    shown = str(prop["type"]) if "type" in prop else say(N_("no type"))
    return say(N_('Field "%(field)s" has an unsupported type (%(type)s). Supported: '
                  "%(supported)s."), field=label, type=shown, supported=say(_SUPPORTED))


#: (what, inside what) -> the problem: lists and rows repeat only at the top level.
_NESTED = {
    ("rows", "rows"): N_('Field "%(field)s": repeatable rows inside repeatable rows are not '
                         "supported; move it to the top level of the form."),
    ("rows", "group"): N_('Field "%(field)s": repeatable rows inside a group of fields are not '
                          "supported; move it to the top level of the form."),
    ("list", "rows"): N_('Field "%(field)s": a list inside repeatable rows are not supported; '
                         "move it to the top level of the form."),
    ("list", "group"): N_('Field "%(field)s": a list inside a group of fields are not '
                          "supported; move it to the top level of the form."),
}


def _check_properties(
    schema: Mapping[str, Any], ui: Mapping[str, Any], prefix: str, inside: str | None
) -> Iterator[Phrase]:
    """``inside``: None at the top level, "rows" in repeatable rows, "group" in a group."""
    for name, prop in (schema.get("properties") or {}).items():
        label = f"{prefix}{name}"
        if not is_field_name(name):
            yield say(N_('Field "%(field)s": the name must start with a letter, use only '
                         "letters, digits and _, and not be one of: %(reserved)s."),
                      field=label, reserved=sorted(RESERVED_NAMES))
            continue
        if not isinstance(prop, Mapping):
            yield say(N_('Field "%(field)s" must be described by a JSON object.'), field=label)
            continue
        field_ui = _ui_of(ui, name)
        widget = field_ui.get("ui:widget")
        if widget is not None and (not isinstance(widget, str) or widget not in WIDGETS):
            yield say(N_('Field "%(field)s": the widget "%(widget)s" (ui:widget) does not exist '
                         "here; use one of: %(widgets)s."),
                      field=label, widget=str(widget), widgets=sorted(WIDGETS))
            continue
        kind = field_kind(prop, field_ui)
        if kind is None:
            yield _unsupported(label, prop)
        elif kind in ("rows", "list") and inside is not None:
            yield say(_NESTED[(kind, inside)], field=label)
        elif kind == "rows":
            yield from _check_properties(prop["items"], _ui_of(field_ui, "items"),
                                         f"{label} > ", inside="rows")
        elif kind == "group":
            yield from _check_properties(prop, field_ui, f"{label} > ",
                                         inside=inside or "group")
