"""A cache of values computed from objects that never change once used (a deployed bundle's
form schemas), looked up by the objects' identity: recognising a schema by its id is free,
by its content costs a serialisation."""

from threading import Lock
from typing import Any


class IdentityCache:
    """Up to ``size`` values, each keyed by the identity of the objects it was made from.

    An entry keeps its objects, so their ids cannot be reused by other objects while it
    exists; when full, the oldest entry goes. Safe to share between threads.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: dict[tuple[int, ...], tuple[tuple[Any, ...], Any]] = {}
        self._lock = Lock()

    def get(self, objects: tuple[Any, ...]) -> Any | None:
        """The value made from exactly these objects, or None."""
        entry = self._entries.get(tuple(map(id, objects)))
        if entry is not None and all(a is b for a, b in zip(entry[0], objects, strict=True)):
            return entry[1]
        return None

    def put(self, objects: tuple[Any, ...], value: Any) -> None:
        with self._lock:
            if len(self._entries) >= self._size:
                del self._entries[next(iter(self._entries))]  # the oldest
            self._entries[tuple(map(id, objects))] = (objects, value)
