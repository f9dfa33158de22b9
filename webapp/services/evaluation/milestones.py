"""The milestones of published process versions (engine.milestones), read once per version.

A published version never changes, so what it marks is worked out once per bundle (by its
hash) and kept in memory. A report over every version counts the events of cases started
on any of them, and the history names elements by the ids of the version each case ran on:
it takes the union over all versions (an element renamed in version 4 is counted under its
old id for the cases of versions 1 to 3 and under its new one after). A report of one
version takes that version's own.
"""

from __future__ import annotations

from threading import Lock

from sqlalchemy import select

from webapp.engine.milestones import Milestones, resolve
from webapp.extensions import db
from webapp.models import ProcessVersion
from webapp.services import bundles

from .conventions import spans
from .durations import Span

_by_hash: dict[str, tuple[Milestones, tuple[Span, ...]]] = {}
_union: dict[frozenset[str], Milestones] = {}
_lock = Lock()


def _of_hash(version: ProcessVersion) -> tuple[Milestones, tuple[Span, ...]]:
    known = _by_hash.get(version.bundle_hash)
    if known is None:
        bundle = bundles.bundle_for(version)
        found = resolve([bundle.spec, *bundle.subprocess_specs.values()])
        with _lock:
            known = _by_hash.setdefault(version.bundle_hash, (found, spans(found)))
    return known


def of_version(version: ProcessVersion | None) -> Milestones:
    """The elements ``version`` marks for each milestone (the default ids where it marks
    none and has them); the default process's ids when there is no version."""
    return Milestones.defaults() if version is None else _of_hash(version)[0]


def spans_of(version: ProcessVersion) -> tuple[Span, ...]:
    """The spans between the milestones of ``version`` (what a step of its cases ends)."""
    return _of_hash(version)[1]


def for_report(version_id: int | None) -> Milestones:
    """The milestones a report counts: those of the chosen version, or the union over
    every version (published or retired: their cases are in the history). One query."""
    if version_id:
        return of_version(db.session.get(ProcessVersion, version_id))
    rows = db.session.execute(select(ProcessVersion.id, ProcessVersion.bundle_hash)).all()
    if not rows:
        return Milestones.defaults()
    key = frozenset(h for _id, h in rows)
    found = _union.get(key)
    if found is None:
        found = Milestones()
        for version_id_, bundle_hash in rows:
            known = _by_hash.get(bundle_hash)
            if known is None:
                known = _of_hash(db.session.get(ProcessVersion, version_id_))
            found = found.union(known[0])
        with _lock:
            _union[key] = found
    return found
