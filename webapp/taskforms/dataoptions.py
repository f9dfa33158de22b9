"""The form builder's choices from the task's own data (engine.formoptions), next to those
from the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from webapp.engine.formoptions import data_variable, options_in

Pairs = list[tuple[str, str]]


class WithTaskData(Mapping):
    """x-options sources: ``sources`` (from the database) and, for any
    ``options_from_task_data_var:<name>``, the items of ``<name>`` in the task's ``data``.
    An item naming an ``organisation`` shows that organisation's name (as the
    ``partner_organisations`` source gives it, in the reader's language) after its label."""

    def __init__(self, sources: Mapping[str, Callable[[], Pairs]], data: Mapping[str, Any]):
        self._sources = sources
        self._data = data

    def __getitem__(self, source: str) -> Callable[[], Pairs]:
        if source in self._sources:
            return self._sources[source]
        if data_variable(source) is None:
            raise KeyError(source)
        return lambda: self._pairs(source)

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)

    def _pairs(self, source: str) -> Pairs:
        items = options_in(self._data, source)
        names: dict[str, str] = {}
        if any(item.get("organisation") for item in items):
            load = self._sources.get("partner_organisations")
            names = dict(load()) if load else {}
        return [(item["value"], item_label(item, names)) for item in items]


def item_label(item: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """How a choice from the task's data reads: its label (else its value), and the name of
    the organisation it names (``names``: code -> name in the reader's language)."""
    label = str(item.get("label") or item.get("value") or "")
    organisation = item.get("organisation")
    if isinstance(organisation, str) and organisation:
        label = f"{label} — {names.get(organisation, organisation)}"
    return label
