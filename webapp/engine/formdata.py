"""Validating what a person submitted on a task form against the form's JSON Schema: one
plain-words error per field problem, placed next to the field it concerns.

Pure Python on top of ``jsonschema``; which fields a schema describes is in formschema.
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

from webapp.engine.formoptions import data_variable
from webapp.engine.formschema import is_read_only, json_type
from webapp.engine.identity import IdentityCache


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


#: The option values of the validation running in this context (see validate_data).
_OPTION_VALUES: ContextVar[Mapping[str, Collection[str]] | None] = ContextVar(
    "form_option_values", default=None
)


def _x_options(validator, source, instance, schema):
    """``"x-options": "<source>"``: the value (or each item) must be one of the source's."""
    option_values = _OPTION_VALUES.get()
    if option_values is None or (data_variable(source) and source not in option_values):
        return  # choices from the task's data, where the caller has none: the engine checks
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
