"""Between form fields and task data: submitted values to JSON-native data, data to prefill."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import suppress
from typing import Any

from webapp.taskforms.fields import FIELD_KINDS, MISSING, FieldSpec


def form_to_data(
    fields: Mapping[str, Any], specs: Iterable[FieldSpec]
) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """Collect the data of bound ``fields`` (a form's ``_fields``) as JSON-native values.

    Empty optional values are left out; unchecked boxes are False. Rows in which nothing was
    filled in, and empty entries of lists, are dropped. A read-only field gives its fixed
    value (``const``) or nothing: what was posted for it is ignored, so the task keeps the
    value it has. Also returns, per rows or list field, which form entry each kept data entry
    came from, so that validation errors can be shown on the right entry.
    """
    data: dict[str, Any] = {}
    kept_rows: dict[str, list[int]] = {}
    for spec in specs:
        if spec.read_only:
            if spec.fixed is not MISSING:
                data[spec.name] = spec.fixed
            continue
        field = fields[spec.name]
        if spec.repeats:
            entries, kept = _entries_to_data(field, spec)
            kept_rows[spec.name] = kept
            if entries:
                data[spec.name] = entries
            continue
        if spec.kind == "group":
            data[spec.name] = form_to_data(field.form._fields, spec.children)[0]
            continue
        value = FIELD_KINDS[spec.kind].to_json(field.data)
        if value is MISSING and _empty_list_is_an_answer(spec):
            value = []
        if value is not MISSING:
            data[spec.name] = value
    return data, kept_rows


def _empty_list_is_an_answer(spec: FieldSpec) -> bool:
    """A required list of choices that may be empty (no minItems): nothing ticked is the
    answer "none of these" (e.g. no identifiers disclosed), kept as ``[]``."""
    return (spec.kind in ("checkboxes", "multiselect") and spec.required
            and not spec.schema.get("minItems"))


def _filled(value: Any, spec: FieldSpec) -> bool:
    """Whether a row's value was entered (not just left empty or at the field's default)."""
    if value is False or value == [] or value == {}:
        return False
    return not ("default" in spec.schema and value == spec.schema["default"])


def _entries_to_data(field: Any, spec: FieldSpec) -> tuple[list[Any], list[int]]:
    entries: list[Any] = []
    kept: list[int] = []
    for index, entry in enumerate(field.entries):
        if spec.kind == "list":
            value = FIELD_KINDS[spec.children[0].kind].to_json(entry.data)
            if value is not MISSING:
                entries.append(value)
                kept.append(index)
            continue
        row, _ = form_to_data(entry.form._fields, spec.children)
        children = {child.name: child for child in spec.children}
        if any(_filled(value, children[name]) for name, value in row.items()):
            entries.append(row)
            kept.append(index)
    return entries, kept


def data_to_prefill(specs: Iterable[FieldSpec], data: Any) -> dict[str, Any]:
    """Turn task data into form field data: known field names only, wrong types ignored.
    Rows, lists and groups missing from the data start from the schema's ``default``."""
    prefill: dict[str, Any] = {}
    if not isinstance(data, Mapping):
        return prefill
    for spec in specs:
        if spec.fixed is not MISSING:
            continue  # always its const (the field's default)
        if spec.name in data:
            value = data[spec.name]
        elif spec.kind in _NESTED and "default" in spec.schema:
            value = spec.schema["default"]
        else:
            continue
        shown = _NESTED.get(spec.kind, _simple)(spec, value)
        if shown is not MISSING:
            prefill[spec.name] = shown
    return prefill


def _simple(spec: FieldSpec, value: Any) -> Any:
    with suppress(TypeError, ValueError):
        return FIELD_KINDS[spec.kind].from_json(value)
    return MISSING


def _rows(spec: FieldSpec, value: Any) -> Any:
    if not isinstance(value, list):
        return MISSING
    return [data_to_prefill(spec.children, row) for row in value if isinstance(row, Mapping)]


def _list(spec: FieldSpec, value: Any) -> Any:
    if not isinstance(value, list):
        return MISSING
    items = (_simple(spec.children[0], v) for v in value)
    return [v for v in items if v is not MISSING]


def _group(spec: FieldSpec, value: Any) -> Any:
    return data_to_prefill(spec.children, value)


_NESTED = {"rows": _rows, "list": _list, "group": _group}
