"""Task form schemas: which fields a JSON Schema describes, and validation of submitted data.

Pure Python on top of ``jsonschema``; the web layer turns the field kinds named here into
widgets, and reports the errors returned here next to the fields they concern.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from jsonschema.exceptions import best_match

from webapp.engine.identity import IdentityCache
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


@dataclass(frozen=True)
class FieldError:
    """A problem with one submitted value; ``path`` leads from the form data to the field.

    ``message`` is in English. ``rule`` (the JSON Schema keyword that failed, ``"check"`` for
    a rule without a wording of its own, ``""`` for the form's own ``errorMessage``) and
    ``values`` (``limit``: the rule's value, ``rows``, ``type``, ``titles``) let the web layer
    word it in the reader's language; they take no part in comparing errors."""

    path: tuple[str | int, ...]
    message: str
    rule: str = field(default="", compare=False)
    values: Mapping[str, Any] = field(default_factory=dict, compare=False)


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


# --- validate_data ------------------------------------------------------------------------


#: The option values of the validation running in this context (see validate_data).
_OPTION_VALUES: ContextVar[Mapping[str, Collection[str]] | None] = ContextVar(
    "form_option_values", default=None
)


def _x_options(validator, source, instance, schema):
    """``"x-options": "<source>"``: the value (or each item) must be one of the source's."""
    option_values = _OPTION_VALUES.get()
    if option_values is None:
        return
    allowed = option_values.get(source, ())
    if validator.is_type(instance, "string"):
        if instance not in allowed:
            yield ValidationError(f"{instance!r} is not one of the options of {source}")
    elif validator.is_type(instance, "array"):
        for index, item in enumerate(instance):
            if isinstance(item, str) and item not in allowed:
                yield ValidationError(
                    f"{item!r} is not one of the options of {source}", path=[index]
                )


# Made once: extending a validator builds a class, which costs about half a millisecond.
_FormValidator = validators.extend(Draft202012Validator, {"x-options": _x_options})
_FORMATS_CHECKED = FormatChecker(formats=["date"])
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE_TIME_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$", re.ASCII)


@_FORMATS_CHECKED.checks("email")
def _is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(_EMAIL_RE.match(value))


@_FORMATS_CHECKED.checks("date-time")
def _is_date_time(value: object) -> bool:
    """RFC 3339 (what JSON Schema means): a date, a time and an offset or Z."""
    if not isinstance(value, str):
        return True
    if not _DATE_TIME_RE.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _plural(n: Any, word: str, words: str = "") -> str:
    return f"{n} {word}" if n == 1 else f"{n} {words or word + 's'}"


def _is_rows(schema: Mapping[str, Any]) -> bool:
    items = schema.get("items")
    return isinstance(items, Mapping) and json_type(items) == "object"


def _item_verb(schema: Mapping[str, Any]) -> str:
    return "Fill in" if _is_rows(schema) else "Choose"


def _item_count(n: Any, schema: Mapping[str, Any]) -> str:
    return _plural(n, "row") if _is_rows(schema) else _plural(n, "option")


_TYPE_MESSAGES = {
    "integer": "Enter a whole number.",
    "number": "Enter a number.",
    "string": "Enter text.",
    "boolean": "Tick or untick the box.",
    "array": "Enter a list of values.",
    "object": "Enter a group of values.",
}

_FORMAT_MESSAGES = {
    "date": "Enter a valid date.",
    "date-time": "Enter a valid date and time.",
    "email": "Enter an e-mail address such as name@example.org.",
}

_MESSAGES = {
    "maxLength": lambda v, s: f"Enter at most {_plural(v, 'character')}.",
    "minLength": lambda v, s: (
        "This field is required." if v == 1 else f"Enter at least {_plural(v, 'character')}."
    ),
    "enum": lambda v, s: "Choose one of the listed options.",
    "x-options": lambda v, s: "Choose one of the listed options.",
    "oneOf": lambda v, s: "Choose one of the listed options.",
    "const": lambda v, s: "This box must be ticked." if v is True else "Enter the expected value.",
    "format": lambda v, s: _FORMAT_MESSAGES.get(v, "Check the format."),
    "minimum": lambda v, s: f"Enter a number of at least {v}.",
    "maximum": lambda v, s: f"Enter a number of at most {v}.",
    "exclusiveMinimum": lambda v, s: f"Enter a number greater than {v}.",
    "exclusiveMaximum": lambda v, s: f"Enter a number less than {v}.",
    "multipleOf": lambda v, s: f"Enter a multiple of {v}.",
    "minItems": lambda v, s: f"{_item_verb(s)} at least {_item_count(v, s)}.",
    "maxItems": lambda v, s: f"{_item_verb(s)} at most {_item_count(v, s)}.",
    "uniqueItems": lambda v, s: "Each value may be given only once.",
    "pattern": lambda v, s: "Enter a value in the expected format.",
    "type": lambda v, s: _TYPE_MESSAGES.get(json_type(s) or "", "This value has the wrong type."),
    "additionalProperties": lambda v, s: "This value is not part of the form.",
}


def _subschema(root: Mapping[str, Any], path: tuple[str | int, ...]) -> Mapping[str, Any]:
    """The schema of the value at ``path`` in the data (``{}`` when the schema does not say)."""
    node: Any = root
    for step in path:
        node = node.get("items") if isinstance(step, int) else (
            node.get("properties") or {}).get(step)
        if not isinstance(node, Mapping):
            return {}
    return node


def _read_only_path(root: Mapping[str, Any], path: tuple[str | int, ...]) -> bool:
    """True if the value at ``path`` lies in a read-only field: its value never comes from
    the person filling in the form, so a problem with it is not theirs to fix."""
    return any(is_read_only(_subschema(root, path[:end])) for end in range(1, len(path) + 1))


def _any_of_fields(error: ValidationError, root: Mapping[str, Any]) -> Iterator[FieldError]:
    """An ``anyOf`` whose branches each require fields ("fill in at least one of these"): one
    message, next to the first of those fields, so it is seen where the answer goes. The
    schema's ``errorMessage`` (next to the ``anyOf``) words it; else the fields' titles do."""
    path = tuple(error.absolute_path)
    branches = error.validator_value if isinstance(error.validator_value, list) else []
    names = list(dict.fromkeys(
        name for branch in branches if isinstance(branch, Mapping)
        for name in branch.get("required") or () if isinstance(name, str)))
    custom = _custom_message(error)
    if not names:
        choices = bool(branches) and all(isinstance(b, Mapping) and "const" in b for b in branches)
        if custom:
            yield FieldError(path, custom)
        elif choices:
            yield FieldError(path, "Choose one of the listed options.", "oneOf")
        else:
            yield FieldError(path, "Check this value.", "check")
        return
    properties = _subschema(root, path).get("properties") or {}
    titles = [str((properties.get(n) or {}).get("title") or n) for n in names]
    if custom:
        yield FieldError((*path, names[0]), custom)
    else:
        yield FieldError((*path, names[0]), "Fill in at least one of: " + ", ".join(titles)
                         + ".", "anyOf", {"titles": titles})


def _custom_message(error: ValidationError) -> str | None:
    """The form's own wording for a rule it failed (``"errorMessage"`` next to the rule)."""
    message = error.schema.get("errorMessage") if isinstance(error.schema, Mapping) else None
    return message if isinstance(message, str) and message.strip() else None


def _field_errors(error: ValidationError, root: Mapping[str, Any]) -> Iterator[FieldError]:
    path = tuple(error.absolute_path)
    if error.validator == "anyOf":
        yield from _any_of_fields(error, root)
        return
    if error.validator == "required":
        instance = error.instance if isinstance(error.instance, Mapping) else {}
        for name in error.validator_value:
            if name not in instance:
                yield FieldError((*path, name), "This field is required.", "required")
        return
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        known = error.schema.get("properties") or {}
        for name in error.instance:
            if name not in known:
                yield FieldError((*path, name), "This value is not part of the form.",
                                 "additionalProperties")
        return
    custom = _custom_message(error)
    if custom:
        yield FieldError(path, custom)
        return
    rule = str(error.validator)
    describe = _MESSAGES.get(rule)
    if describe is None:
        yield FieldError(path, "Check this value.", "check")
        return
    yield FieldError(path, describe(error.validator_value, error.schema), rule, {
        "limit": error.validator_value, "rows": _is_rows(error.schema),
        "type": json_type(error.schema)})


@lru_cache(maxsize=256)
def _check_once(schema_json: str) -> None:
    """Checking a schema costs milliseconds; a deployed form is checked once per process."""
    Draft202012Validator.check_schema(json.loads(schema_json))


# The validator of each schema object validated against lately: a deployed bundle's forms are
# the same objects on every request, and a schema is not changed once data was validated
# against it.
_VALIDATORS = IdentityCache(256)


def _validator_for(schema: Mapping[str, Any]):
    validator = _VALIDATORS.get((schema,))
    if validator is None:
        _check_once(json.dumps(schema, sort_keys=True))
        validator = _FormValidator(schema, format_checker=_FORMATS_CHECKED)
        _VALIDATORS.put((schema,), validator)
    return validator


def validate_data(
    schema: Mapping[str, Any],
    data: Any,
    option_values: Mapping[str, Collection[str]] | None = None,
) -> list[FieldError]:
    """Validate form data against its schema; return one plain-words error per field problem.

    ``"x-options": "<source>"`` is enforced as an enum of ``option_values[source]`` (on a
    string, or on each item of an array); a source missing from ``option_values`` allows no
    value; with ``option_values=None`` x-options is not checked. A missing required property
    is reported on its own path; an ``anyOf`` of required fields (also inside ``if``/``then``)
    next to the first of them. A string ``"errorMessage"`` in the schema object holding the
    failed rule replaces the standard wording. Problems with read-only fields (``readOnly``, a
    fixed ``const``) are left out: their values never come from a post. Raises
    ``jsonschema.SchemaError`` for an invalid schema.
    """
    validator = _validator_for(schema)
    found: dict[tuple[str | int, ...], FieldError] = {}
    token = _OPTION_VALUES.set(option_values)
    try:
        for error in validator.iter_errors(data):
            for field_error in _field_errors(error, schema):
                if not _read_only_path(schema, field_error.path):
                    found.setdefault(field_error.path, field_error)
    finally:
        _OPTION_VALUES.reset(token)
    return list(found.values())
