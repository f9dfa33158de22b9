"""Task form schemas: which fields a JSON Schema describes, and validation of submitted data.

Pure Python on top of ``jsonschema``; the web layer turns the field kinds named here into
widgets, and reports the errors returned here next to the fields they concern.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from jsonschema.exceptions import best_match

from webapp.engine.identity import IdentityCache

#: Property names that would clash with form machinery (WTForms attributes, CSRF, prefill).
RESERVED_NAMES = frozenset(
    {
        "csrf_token", "data", "errors", "form_errors", "meta", "obj", "prefix", "formdata",
        "process", "populate_obj", "validate", "validate_task", "validate_on_submit",
        "hidden_tag", "is_submitted", "to_data", "row_action", "fields_in_order",
    }
)  # fmt: skip
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_SUPPORTED = (
    "text, long text, date, choice (enum or x-options), whole number, number, yes/no, "
    "list of choices, or repeatable rows"
)


@dataclass(frozen=True)
class FieldError:
    """A problem with one submitted value; ``path`` leads from the form data to the field."""

    path: tuple[str | int, ...]
    message: str


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


def _string_kind(schema: Mapping[str, Any], widget: str | None) -> str:
    if has_choices(schema):
        return "radio" if widget == "radio" else "select"
    if schema.get("format") == "date" or widget == "date":
        return "date"
    return "textarea" if widget == "textarea" else "text"


def _array_kind(schema: Mapping[str, Any], widget: str | None) -> str | None:
    items = schema.get("items")
    if not isinstance(items, Mapping):
        return None
    if json_type(items) == "object":
        return "rows"
    if json_type(items) == "string" and (has_choices(items) or "x-options" in schema):
        return "checkboxes" if widget == "checkboxes" else "multiselect"
    return None


def field_kind(schema: Mapping[str, Any], ui: Mapping[str, Any] | None = None) -> str | None:
    """Name the kind of form field a property schema describes, or None if it is unsupported.

    Kinds: text, textarea, date, select, radio, integer, number, checkbox, multiselect,
    checkboxes, rows (an array of objects).
    """
    widget = (ui or {}).get("ui:widget")
    kind = json_type(schema)
    if kind == "string":
        return _string_kind(schema, widget)
    if kind in ("integer", "number"):
        return kind
    if kind == "boolean":
        return "checkbox"
    if kind == "array":
        return _array_kind(schema, widget)
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


def check_schema(schema: Any) -> list[str]:
    """List the problems that make ``schema`` unusable as a task form, in plain words.

    An empty list means the form can be shown. Problems: not valid JSON Schema (draft
    2020-12), top level not ``"type": "object"``, unsupported field types, field names that
    cannot be form fields.
    """
    if not isinstance(schema, dict):
        return ["The form schema must be a JSON object."]
    error = best_match(Draft202012Validator(Draft202012Validator.META_SCHEMA).iter_errors(schema))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "the top level"
        message = error.message
        if error.absolute_path and error.absolute_path[-1] == "type":
            message = (
                f"{error.instance!r} is not a type; use string, integer, number, boolean, "
                "array or object"
            )
        return [f"The form schema is not valid JSON Schema at {where}: {message}"]
    if schema.get("type") != "object":
        return ['The form schema must have "type": "object" at the top level.']
    return list(_check_properties(schema, prefix="", inside_rows=False))


def _check_properties(schema: Mapping[str, Any], prefix: str, inside_rows: bool) -> Iterator[str]:
    for name, prop in (schema.get("properties") or {}).items():
        label = f"{prefix}{name}"
        if not is_field_name(name):
            yield (
                f'Field "{label}": the name must start with a letter, use only letters, '
                "digits and _, and not be one of: " + ", ".join(sorted(RESERVED_NAMES)) + "."
            )
            continue
        if not isinstance(prop, Mapping):
            yield f'Field "{label}" must be described by a JSON object.'
            continue
        kind = field_kind(prop)
        if kind is None:
            shown = prop.get("type", "no type")
            yield f'Field "{label}" has an unsupported type ({shown}). Supported: {_SUPPORTED}.'
        elif kind == "rows":
            if inside_rows:
                yield f'Field "{label}": repeatable rows inside repeatable rows are not supported.'
            else:
                yield from _check_properties(prop["items"], f"{label} > ", inside_rows=True)


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
_DATE_FORMAT = FormatChecker(formats=["date"])


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

_MESSAGES = {
    "maxLength": lambda v, s: f"Enter at most {_plural(v, 'character')}.",
    "minLength": lambda v, s: (
        "This field is required." if v == 1 else f"Enter at least {_plural(v, 'character')}."
    ),
    "enum": lambda v, s: "Choose one of the listed options.",
    "x-options": lambda v, s: "Choose one of the listed options.",
    "oneOf": lambda v, s: "Choose one of the listed options.",
    "const": lambda v, s: "This box must be ticked." if v is True else "Enter the expected value.",
    "format": lambda v, s: "Enter a valid date." if v == "date" else "Check the format.",
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


def _any_of_fields(error: ValidationError, root: Mapping[str, Any]) -> Iterator[FieldError]:
    """An ``anyOf`` whose branches each require fields ("fill in at least one of these"): one
    message, next to the first of those fields, so it is seen where the answer goes. The
    schema's ``errorMessage`` (next to the ``anyOf``) words it; else the fields' titles do."""
    path = tuple(error.absolute_path)
    branches = error.validator_value if isinstance(error.validator_value, list) else []
    names = list(dict.fromkeys(
        name for branch in branches if isinstance(branch, Mapping)
        for name in branch.get("required") or () if isinstance(name, str)))
    if not names:
        choices = bool(branches) and all(isinstance(b, Mapping) and "const" in b for b in branches)
        yield FieldError(path, _custom_message(error) or (
            "Choose one of the listed options." if choices else "Check this value."))
        return
    properties = _subschema(root, path).get("properties") or {}
    titles = [str((properties.get(n) or {}).get("title") or n) for n in names]
    yield FieldError((*path, names[0]), _custom_message(error)
                     or "Fill in at least one of: " + ", ".join(titles) + ".")


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
                yield FieldError((*path, name), "This field is required.")
        return
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        known = error.schema.get("properties") or {}
        for name in error.instance:
            if name not in known:
                yield FieldError((*path, name), "This value is not part of the form.")
        return
    describe = _MESSAGES.get(str(error.validator))
    message = _custom_message(error) or (
        describe(error.validator_value, error.schema) if describe else "Check this value.")
    yield FieldError(path, message)


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
        validator = _FormValidator(schema, format_checker=_DATE_FORMAT)
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
    failed rule replaces the standard wording. Raises ``jsonschema.SchemaError`` for an invalid
    schema.
    """
    validator = _validator_for(schema)
    found: dict[tuple[str | int, ...], FieldError] = {}
    token = _OPTION_VALUES.set(option_values)
    try:
        for error in validator.iter_errors(data):
            for field_error in _field_errors(error, schema):
                found.setdefault(field_error.path, field_error)
    finally:
        _OPTION_VALUES.reset(token)
    return list(found.values())
