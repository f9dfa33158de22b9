"""Choices a form takes from the task's own data.

``"x-options": "options_from_task_data_var:<name>"`` on a field (or on the items of a list of
choices) offers the items of the list ``<name>`` in the task's data, each
``{"value": "...", "label": "..."}`` (spiff-arena's shape for ``options_from_task_data_var``),
usually set by the task's pre-script; e.g. the open actions a review may close. An item may
also name the ``organisation`` (its code) it concerns: the form shows that organisation's name
after the label. Other ``x-options`` names are choices from the database (services.tasks).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PREFIX = "options_from_task_data_var:"


def data_variable(source: Any) -> str | None:
    """The task data variable an x-options source names, or None for a database source."""
    if isinstance(source, str) and source.startswith(PREFIX):
        return source[len(PREFIX):].strip() or None
    return None


def options_in(data: Mapping[str, Any], source: str) -> list[dict]:
    """The well-formed option items (a text ``value``) the task's ``data`` holds for
    ``source``; [] when the variable is missing or not a list."""
    items = data.get(data_variable(source) or "")
    if not isinstance(items, list):
        return []
    return [item for item in items
            if isinstance(item, Mapping) and isinstance(item.get("value"), str)]


def fields_with_data_options(schema: Mapping[str, Any]) -> dict[str, str]:
    """Top-level field name -> task data source, for the fields whose choices come from the
    task's data (on the field or on its items)."""
    found = {}
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, Mapping):
            continue
        items = prop.get("items") if isinstance(prop.get("items"), Mapping) else {}
        source = prop.get("x-options") or items.get("x-options")
        if data_variable(source):
            found[name] = source
    return found


def chosen_items(schema: Mapping[str, Any], task_data: Mapping[str, Any],
                 submitted: Mapping[str, Any]) -> tuple[dict[str, dict[str, dict]], list[str]]:
    """What the answers chose among the choices the task offered from its data: per source,
    the chosen items by value (their label and organisation: what the choice meant when it
    was made, kept with the answers so the case's history shows it after the task's data is
    gone); and, in words, each submitted value the task did not offer."""
    kept: dict[str, dict[str, dict]] = {}
    problems = []
    for name, source in fields_with_data_options(schema).items():
        value = submitted.get(name)
        offered = {item["value"]: item for item in options_in(task_data, source)}
        for chosen in value if isinstance(value, list) else [value] if value is not None else []:
            item = offered.get(chosen)
            if item is None:
                problems.append(f"{name}: {chosen!r} is not one of the choices offered")
            else:
                kept.setdefault(source, {})[chosen] = {
                    k: item[k] for k in ("label", "organisation") if k in item}
    return kept, problems
