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
    filled in are dropped. Also returns, per rows field, which form row each kept data row
    came from, so that validation errors can be shown on the right row.
    """
    data: dict[str, Any] = {}
    kept_rows: dict[str, list[int]] = {}
    for spec in specs:
        field = fields[spec.name]
        if spec.kind == "rows":
            rows, kept = _rows_to_data(field, spec)
            kept_rows[spec.name] = kept
            if rows:
                data[spec.name] = rows
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
    if value is False or value == []:
        return False
    return not ("default" in spec.schema and value == spec.schema["default"])


def _rows_to_data(field: Any, spec: FieldSpec) -> tuple[list[dict[str, Any]], list[int]]:
    rows: list[dict[str, Any]] = []
    kept: list[int] = []
    for index, entry in enumerate(field.entries):
        row, _ = form_to_data(entry.form._fields, spec.children)
        children = {child.name: child for child in spec.children}
        if any(_filled(value, children[name]) for name, value in row.items()):
            rows.append(row)
            kept.append(index)
    return rows, kept


def data_to_prefill(specs: Iterable[FieldSpec], data: Any) -> dict[str, Any]:
    """Turn task data into form field data: known field names only, wrong types ignored."""
    prefill: dict[str, Any] = {}
    if not isinstance(data, Mapping):
        return prefill
    for spec in specs:
        if spec.name not in data:
            continue
        value = data[spec.name]
        if spec.kind == "rows":
            if isinstance(value, list):
                prefill[spec.name] = [
                    data_to_prefill(spec.children, row) for row in value if isinstance(row, Mapping)
                ]
            continue
        with suppress(TypeError, ValueError):
            prefill[spec.name] = FIELD_KINDS[spec.kind].from_json(value)
    return prefill
