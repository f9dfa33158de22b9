"""Who accessed a case: the person's right to know who saw their data (GDPR Art. 15)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, Case, Contribution, Organisation, Task
from webapp.services import disclosure, policy
from webapp.services.audit import Actor, record
from webapp.services.csvsafe import to_csv
from webapp.services.errors import NotAllowed

# What each audited action means, in words, for the access list.
ACTION_LABELS = {
    "case_registered": "registered the case",
    "case_viewed": "opened the case",
    "task_viewed": "opened a task",
    "task_completed": "completed a task",
    "contribution_viewed": "read a contribution",
    "shared": "shared information",
    "seat_granted": "gave a seat at the table",
    "seat_withdrawn": "withdrew a seat at the table",
    "share_withdrawn": "withdrew shared information",
    "signal_submitted": "reported the signal",
    "subject_viewed": "read the person's details",
    "subject_rectified": "corrected the person's details",
    "subject_erased": "erased the person's details",
    "subject_access_exported": "exported the person's data",
    "access_log_viewed": "looked at who accessed the case",
    "access_log_exported": "exported who accessed the case",
    "case_anonymised": "anonymised the case (retention)",
    "cases_exported": "exported the cases list",
    "comment_added": "added a comment",
    "comments_viewed": "read the comments",
    "diagram_viewed": "looked at the process diagram",
    "case_summary_viewed": "read the case summary on a task",
    "draft_saved": "saved a draft",
    "organisation_involved": "involved an organisation for a task",
    "timer_fired": "a deadline or waiting time passed",
    "step_failed": "a step failed",
    "attachment_uploaded": "attached a document (not sent yet)",
    "attachment_removed": "took off a document not sent yet",
    "attachment_downloaded": "downloaded a document",
}


def _for_words(detail: dict) -> str:
    what_for = detail.get("what_for") or ""
    if isinstance(what_for, list):
        what_for = ", ".join(str(w) for w in what_for)
    purpose = detail.get("purpose")
    return (f"for: {what_for}" if what_for else "") + (f" (why: {purpose})" if purpose else "")


#: Actions whose words depend on their detail: detail -> (action, what).
def _identifiers(detail: dict) -> str:
    return disclosure.in_words(detail.get("identifiers") or [])


DESCRIBE = {
    "identity_disclosed": lambda d: (
        f"told {d.get('organisation')} the person's {_identifiers(d)}", _for_words(d)),
    "identity_viewed": lambda d: (f"saw the person's {_identifiers(d)}", _for_words(d)),
    "identity_withdrawn": lambda d: (
        f"withdrew the person's {_identifiers(d)} from {d.get('organisation')}",
        str(d.get("because") or "")),
}

VIEW_LABELS = {"involved": "their organisation's part", "table": "the table's view"}


@dataclass(frozen=True)
class Access:
    at: datetime
    who: str
    username: str
    organisation: str
    action: str
    what: str
    remote_addr: str


def _org_names() -> dict[int, str]:
    return dict(db.session.execute(select(Organisation.id, Organisation.name)).all())


def access_list(case: Case) -> list[Access]:
    """Every audited event of the case, oldest first (reads and changes alike)."""
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    orgs = _org_names()
    titles = dict(db.session.execute(
        select(Contribution.spiff_task_id, Contribution.title)
        .where(Contribution.case_id == case.id)).all())
    titles.update(db.session.execute(
        select(Task.spiff_task_id, Task.title).where(Task.case_id == case.id)).all())
    rows = []
    for e in events:
        org_id = e.organisation_id
        if org_id is None and e.user is not None and len(e.user.memberships) == 1:
            org_id = e.user.memberships[0].organisation_id
        detail = e.detail or {}
        what = str(detail.get("step") or titles.get(e.task_ref or "")
                   or VIEW_LABELS.get(detail.get("view"), "") or "")
        if detail.get("organisation"):
            what = f"{what} ({detail['organisation']})" if what else str(detail["organisation"])
        action = ACTION_LABELS.get(e.action, e.action.replace("_", " "))
        if e.action in DESCRIBE:
            action, what = DESCRIBE[e.action](detail)
        rows.append(Access(
            at=e.at, who=e.user.display_name if e.user else "The system",
            username=e.user.username if e.user else "", organisation=orgs.get(org_id, ""),
            action=action, what=what, remote_addr=e.remote_addr or "",
        ))
    return rows


def view_access_list(actor: Actor, case: Case) -> list[Access]:
    """The access list for the page; audited. Raises NotAllowed."""
    if not policy.may_view_access_log(actor.user, case):
        raise NotAllowed("Only coordinators and auditors see who accessed a case.")
    rows = access_list(case)
    record(actor, "access_log_viewed", case_id=case.id)
    return rows


def export_access_list(actor: Actor, case: Case) -> str:
    """The access list as CSV (safe against spreadsheet formulas); audited. Raises NotAllowed."""
    if not policy.may_export_access_log(actor.user, case):
        raise NotAllowed("Only coordinators and auditors export who accessed a case.")
    rows = access_list(case)
    record(actor, "access_log_exported", case_id=case.id, rows=len(rows))
    return to_csv(
        ["case", "when (UTC)", "who", "username", "organisation", "what", "detail", "from"],
        ([case.code, a.at.strftime("%Y-%m-%d %H:%M:%S"), a.who, a.username, a.organisation,
          a.action, a.what, a.remote_addr] for a in rows),
    )
