"""The cases list for coordinators, and its CSV export (safe to open in a spreadsheet)."""

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import load_only

from webapp.extensions import db
from webapp.models import Case, Task, User
from webapp.services.audit import Actor, record
from webapp.services.errors import NotAllowed
from webapp.services.policy import may_export_cases, may_list_cases

STATUSES = ("open", "aftercare", "closed")
# A cell starting with one of these is a formula to spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXPORT_LIMIT = 50_000


@dataclass(frozen=True)
class CaseFilter:
    code: str = ""
    status: str = ""
    step: str = ""

    @classmethod
    def from_args(cls, args) -> "CaseFilter":
        status = (args.get("status") or "").strip()
        return cls(code=(args.get("code") or "").strip()[:20],
                   status=status if status in STATUSES else "",
                   step=(args.get("step") or "").strip()[:200])

    def args(self) -> dict:
        return {k: v for k, v in vars(self).items() if v}


def cases_query(flt: CaseFilter):
    """Cases matching the filter, newest first (never loads workflow states)."""
    query = select(Case).options(
        load_only(Case.id, Case.code, Case.status, Case.current_step, Case.created_at,
                  Case.updated_at, Case.last_error, Case.coordinator_id,
                  Case.process_version_id),
    ).order_by(Case.created_at.desc(), Case.id.desc())
    if flt.code:
        query = query.where(func.upper(Case.code).contains(flt.code.upper(), autoescape=True))
    if flt.status:
        query = query.where(Case.status == flt.status)
    if flt.step:
        query = query.where(Case.id.in_(select(Task.case_id).where(Task.spec_name == flt.step)))
    return query


def step_choices() -> list[tuple[str, str]]:
    """(element id, title) of the steps open cases are waiting at."""
    rows = db.session.execute(
        select(Task.spec_name, func.min(Task.title)).group_by(Task.spec_name)
        .order_by(func.min(Task.title))
    ).all()
    return [(s, t) for s, t in rows]


def coordinator_names(cases: list[Case]) -> dict[int, str]:
    ids = {c.coordinator_id for c in cases if c.coordinator_id}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return dict(rows.all())


def safe_cell(value) -> str:
    """A value as CSV text that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def export_cases_csv(actor: Actor, flt: CaseFilter, *, now: datetime) -> str:
    """The filtered cases list as CSV (codes and process facts only; no person details).

    Audited with the filter and the number of rows. Raises NotAllowed."""
    if not may_export_cases(actor.user):
        raise NotAllowed("Only coordinators can export the cases list.")
    cases = list(db.session.scalars(cases_query(flt).limit(EXPORT_LIMIT)))
    names = coordinator_names(cases)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Case", "Status", "Current step", "Registered (UTC)", "Days open",
                     "Responsible coordinator", "Last change (UTC)"])
    for c in cases:
        writer.writerow([safe_cell(v) for v in (
            c.code, c.status, c.current_step, c.created_at.strftime("%Y-%m-%d"),
            (now - c.created_at).days, names.get(c.coordinator_id, ""),
            c.updated_at.strftime("%Y-%m-%d %H:%M"),
        )])
    record(actor, "cases_exported", rows=len(cases), **flt.args())
    return out.getvalue()


def check_may_list(actor: Actor) -> None:
    if not may_list_cases(actor.user):
        raise NotAllowed("Only coordinators can see the list of cases.")
