"""Moving running cases to a newer version: which can move, a dry run, then a bulk move."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from webapp import engine
from webapp.extensions import db
from webapp.i18n.phrases import translate
from webapp.models import Case, utcnow
from webapp.services import bundles
from webapp.services.audit import Actor, record
from webapp.services.cases import apply_step, lock_case
from webapp.services.errors import InvalidInput

from . import spiffmigrate
from .drafts import check_owner, get_version


@dataclass
class CasePlan:
    """One running case: its code, where it is, and why it cannot move (None: it can)."""

    case_id: int
    code: str
    current_step: str
    reason: str | None  # in the reader's language


def plan(actor: Actor, process_id: str, from_number: int, to_number: int) -> list[CasePlan]:
    """The dry run: every running case of the old version, movable or with the reason.

    Only codes and step names are shown; a process owner never sees case content."""
    check_owner(actor)
    old, new = _versions(process_id, from_number, to_number)
    old_bundle, new_bundle = bundles.bundle_for(old), bundles.bundle_for(new)
    cases = db.session.scalars(
        select(Case).where(Case.process_version_id == old.id, Case.status != "closed")
        .order_by(Case.id)
    ).all()
    plans = []
    for case in cases:
        try:
            reasons = [translate(r) for r in spiffmigrate.assess(old_bundle, case.state,
                                                                  new_bundle)]
        except engine.EngineError as err:
            reasons = [_("its state cannot be read (%(error)s)", error=str(err))]
        plans.append(CasePlan(case.id, case.code, case.current_step,
                              "; ".join(reasons) if reasons else None))
    return plans


def migrate(actor: Actor, process_id: str, from_number: int, to_number: int,
            case_ids: list[int]) -> tuple[list[str], list[tuple[str, str]]]:
    """Move the chosen cases that can move; returns (moved codes, [(code, reason)])."""
    check_owner(actor)
    old, new = _versions(process_id, from_number, to_number)
    old_bundle, new_bundle = bundles.bundle_for(old), bundles.bundle_for(new)
    moved, refused = [], []
    now = utcnow()
    for case_id in case_ids:
        case = lock_case(case_id)
        if case is None or case.process_version_id != old.id or case.status == "closed":
            continue
        try:
            state = spiffmigrate.migrate(old_bundle, case.state, new_bundle)
            step = engine.advance(new_bundle, state, now=now)
        except spiffmigrate.Unsafe as err:
            refused.append((case.code, "; ".join(translate(r) for r in err.reasons)))
            continue
        except (ValueError, engine.EngineError) as err:
            refused.append((case.code, str(err)))
            continue
        case.process_version_id = new.id
        apply_step(case, step, now=now)
        record(actor, "case_migrated", case_id=case.id, process=process_id,
               from_version=old.version, to_version=new.version)
        moved.append(case.code)
    db.session.flush()
    record(actor, "process_cases_migrated", process=process_id, from_version=old.version,
           to_version=new.version, moved=len(moved), cases=moved,
           refused=[code for code, _ in refused])
    return moved, refused


def _versions(process_id, from_number, to_number):
    if from_number == to_number:
        raise InvalidInput(_("Choose two different versions."))
    old = get_version(process_id, from_number)
    new = get_version(process_id, to_number)
    return old, new
