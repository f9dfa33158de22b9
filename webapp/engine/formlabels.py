"""Recorded form data as its readers saw the form: each chosen code replaced by its label.

A form stores codes (``school_or_work_drop_out``, ``multi_agency``, an organisation code); the
people reading a case later should see the words the form showed (``School or work drop-out``).
Labels come from the same places the form builder takes them: ``oneOf`` items with
``const``/``title``, ``enum`` with ``ui:enumNames`` (or ``enumNames``), and ``x-options``
sources. A code without a label is kept as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .formschema import json_type

#: source name -> {code: label}, for ``x-options`` (the caller knows where those live).
OptionLabels = Callable[[str], Mapping[str, str]]


def _no_options(source: str) -> Mapping[str, str]:
    return {}


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same kind (``True`` is not the code ``1``)."""
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def choice_labels(
    schema: Mapping[str, Any], ui: Mapping[str, Any] | None = None,
    options: OptionLabels = _no_options,
) -> list[tuple[Any, str]]:
    """``(code, label)`` for every choice a property's schema lists that has a label."""
    schema, ui = _mapping(schema), _mapping(ui)
    source = schema.get("x-options")
    if isinstance(source, str):
        return [(code, str(label)) for code, label in options(source).items()]
    if isinstance(schema.get("enum"), list):
        codes = schema["enum"]
        names = ui.get("ui:enumNames") or schema.get("enumNames")
        if isinstance(names, list) and len(names) == len(codes):
            return [(code, str(name)) for code, name in zip(codes, names, strict=True)]
        return []
    listed = schema.get("oneOf") or schema.get("anyOf")
    return [(o["const"], str(o["title"])) for o in listed or []
            if isinstance(o, Mapping) and "const" in o and o.get("title")]


def _label(value: Any, schema: Mapping[str, Any], ui: Mapping[str, Any], options) -> Any:
    if isinstance(value, Mapping):
        return label_choices(value, schema, ui, options)
    if isinstance(value, list):
        items = _mapping(schema.get("items"))
        if "x-options" in schema and "x-options" not in items:  # the builder allows both
            items = {**items, "x-options": schema["x-options"]}
        row_ui = _mapping(ui.get("items"))
        item_ui = row_ui if _rows(items) else {**row_ui, **ui}  # checkboxes: names on the field
        return [_label(v, items, item_ui, options) for v in value]
    for code, label in choice_labels(schema, ui, options):
        if _same(code, value):
            return label
    return value


def _rows(items: Mapping[str, Any]) -> bool:
    return json_type(items) == "object" or "properties" in items


def label_choices(
    data: Any, schema: Mapping[str, Any] | None, ui_schema: Mapping[str, Any] | None = None,
    options: OptionLabels = _no_options,
) -> Any:
    """A copy of a form's ``data`` with every chosen code replaced by the label the form shows
    for it, also in lists of choices and in repeatable rows (arrays of objects).

    ``schema`` and ``ui_schema`` are the form's JSON Schema and UI schema (either may be
    None); ``options(source)`` gives ``{code: label}`` for an ``x-options`` source. Keys,
    numbers, yes/no answers, free text and codes without a label are returned unchanged.
    """
    if not isinstance(data, Mapping):
        return data
    properties = _mapping(_mapping(schema).get("properties"))
    ui = _mapping(ui_schema)
    return {
        key: _label(value, _mapping(properties.get(key)), _mapping(ui.get(key)), options)
        if key in properties else value
        for key, value in data.items()
    }
