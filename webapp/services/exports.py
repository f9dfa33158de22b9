"""The cases list for coordinators, and its CSV export (safe to open in a spreadsheet).

The export's headers and statuses are in the reader's language; its dates and times stay ISO
(``2026-03-02``, ``2026-03-02 09:00``, UTC as the headers say) on purpose: spreadsheets read
ISO as a date whatever their own locale, where ``02/03/2026`` is the 2nd of March in
Brussels and the 3rd of February elsewhere."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import func, select
from sqlalchemy.orm import load_only

from webapp.extensions import db
from webapp.models import Case, Task, User
from webapp.services.audit import Actor, record
from webapp.services.errors import NotAllowed
from webapp.services.policy import may_export_cases, may_list_cases

STATUSES = ("open", "aftercare", "closed")
#: A case's status in words (the list, the case page, the export).
STATUS_LABELS = {
    "open": lazy_gettext("Open"),
    "aftercare": lazy_gettext("Aftercare"),
    "closed": lazy_gettext("Closed"),
}
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


def status_label(status: str) -> str:
    """``aftercare`` -> "Aftercare" in the reader's language (an unknown status as it is)."""
    label = STATUS_LABELS.get(status)
    return str(label) if label is not None else (status or "").capitalize()


def safe_cell(value) -> str:
    """A value as CSV text that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def export_cases_csv(actor: Actor, flt: CaseFilter, *, now: datetime,
                     step_names: Callable[[str], str] = str) -> str:
    """The filtered cases list as CSV (codes and process facts only; no person details), in
    the reader's language (``step_names``: the current steps in it); dates in ISO.

    Audited with the filter and the number of rows. Raises NotAllowed."""
    if not may_export_cases(actor.user):
        raise NotAllowed(_("Only coordinators can export the cases list."))
    cases = list(db.session.scalars(cases_query(flt).limit(EXPORT_LIMIT)))
    names = coordinator_names(cases)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(v) for v in (
        _("Case"), _("Status"), _("Current step"), _("Registered (UTC)"), _("Days open"),
        _("Responsible coordinator"), _("Last change (UTC)"))])
    for c in cases:
        writer.writerow([safe_cell(v) for v in (
            c.code, status_label(c.status), step_names(c.current_step or ""),
            c.created_at.strftime("%Y-%m-%d"),
            (now - c.created_at).days, names.get(c.coordinator_id, ""),
            c.updated_at.strftime("%Y-%m-%d %H:%M"),
        )])
    record(actor, "cases_exported", rows=len(cases), **flt.args())
    return out.getvalue()


def check_may_list(actor: Actor) -> None:
    if not may_list_cases(actor.user):
        raise NotAllowed(_("Only coordinators can see the list of cases."))
