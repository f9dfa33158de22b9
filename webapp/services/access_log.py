"""Who accessed a case: the person's right to know who saw their data (GDPR Art. 15)."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp.extensions import db
from webapp.i18n.bundletext import step_title
from webapp.i18n.locale import chosen_language
from webapp.models import AuditEvent, Case, Contribution, Organisation, Task
from webapp.services import disclosure, policy
from webapp.services.audit import Actor, record
from webapp.services.csvsafe import to_csv
from webapp.services.errors import NotAllowed

# What each audited action means, in words, for the access list (after who did it).
ACTION_LABELS = {
    "case_registered": _l("registered the case"),
    "case_viewed": _l("opened the case"),
    "task_viewed": _l("opened a task"),
    "task_completed": _l("completed a task"),
    "contribution_viewed": _l("read a contribution"),
    "shared": _l("shared information"),
    "seat_granted": _l("gave a seat at the table"),
    "seat_withdrawn": _l("withdrew a seat at the table"),
    "share_withdrawn": _l("withdrew shared information"),
    "signal_submitted": _l("reported the signal"),
    "subject_viewed": _l("read the person's details"),
    "subject_rectified": _l("corrected the person's details"),
    "subject_erased": _l("erased the person's details"),
    "subject_access_exported": _l("exported the person's data"),
    "access_log_viewed": _l("looked at who accessed the case"),
    "access_log_exported": _l("exported who accessed the case"),
    "case_anonymised": _l("anonymised the case (retention)"),
    "cases_exported": _l("exported the cases list"),
    "comment_added": _l("added a comment"),
    "comments_viewed": _l("read the comments"),
    "diagram_viewed": _l("looked at the process diagram"),
    "case_picture_viewed": _l("looked at a picture of the case"),
    "case_summary_viewed": _l("read the case summary on a task"),
    "draft_saved": _l("saved a draft"),
    "draft_discarded": _l("discarded a draft"),
    "organisation_involved": _l("involved an organisation for a task"),
    "timer_fired": _l("a deadline or waiting time passed"),
    "step_failed": _l("a step failed"),
    "attachment_uploaded": _l("attached a document (not sent yet)"),
    "attachment_removed": _l("took off a document not sent yet"),
    "attachment_downloaded": _l("downloaded a document"),
    "urgency_set": _l("marked the case urgent"),
    "urgency_lifted": _l("lifted the case's urgency"),
    "review_brought_forward": _l("brought the review forward"),
    "reminder_sent": _l("sent a reminder"),
    "coordinator_changed": _l("handed the case to another coordinator"),
    "case_migrated": _l("moved the case to another process version"),
}


def _for_words(detail: dict) -> str:
    what_for = detail.get("what_for") or ""
    if isinstance(what_for, list):
        what_for = ", ".join(str(w) for w in what_for)
    purpose = detail.get("purpose")
    if what_for and purpose:
        return _("for: %(what_for)s (why: %(purpose)s)", what_for=what_for, purpose=purpose)
    if what_for:
        return _("for: %(what_for)s", what_for=what_for)
    return _("(why: %(purpose)s)", purpose=purpose) if purpose else ""


def _identifiers(detail: dict) -> str:
    return disclosure.in_words(detail.get("identifiers") or [])


#: Actions whose words depend on their detail: detail -> (action, what).
DESCRIBE = {
    "identity_disclosed": lambda d: (
        _("told %(organisation)s the person's %(identifiers)s",
          organisation=d.get("organisation"), identifiers=_identifiers(d)), _for_words(d)),
    "identity_viewed": lambda d: (
        _("saw the person's %(identifiers)s", identifiers=_identifiers(d)), _for_words(d)),
    "identity_withdrawn": lambda d: (
        _("withdrew the person's %(identifiers)s from %(organisation)s",
          identifiers=_identifiers(d), organisation=d.get("organisation")),
        str(d.get("because") or "")),
}

VIEW_LABELS = {"involved": _l("their organisation's part"), "table": _l("the table's view")}


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
    """Every organisation's name in the reader's language, by id."""
    language = chosen_language()
    return {o.id: o.name_in(language) for o in db.session.scalars(select(Organisation))}


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
        step = detail.get("step") or titles.get(e.task_ref or "")
        what = (step_title(str(step), case.process_version) if step else
                str(VIEW_LABELS.get(detail.get("view"), "")))
        if detail.get("organisation"):
            what = (_("%(what)s (%(organisation)s)", what=what,
                      organisation=detail["organisation"]) if what
                    else str(detail["organisation"]))
        action = str(ACTION_LABELS.get(e.action, e.action.replace("_", " ")))
        if e.action in DESCRIBE:
            action, what = DESCRIBE[e.action](detail)
        rows.append(Access(
            at=e.at, who=e.user.display_name if e.user else _("The system"),
            username=e.user.username if e.user else "", organisation=orgs.get(org_id, ""),
            action=action, what=what, remote_addr=e.remote_addr or "",
        ))
    return rows


def view_access_list(actor: Actor, case: Case) -> list[Access]:
    """The access list for the page; audited. Raises NotAllowed."""
    if not policy.may_view_access_log(actor.user, case):
        raise NotAllowed(_("Only coordinators and auditors see who accessed a case."))
    rows = access_list(case)
    record(actor, "access_log_viewed", case_id=case.id)
    return rows


def export_access_list(actor: Actor, case: Case) -> str:
    """The access list as CSV (safe against spreadsheet formulas); audited. Raises NotAllowed.

    The header and the words are in the reader's language; the time stays ISO in UTC, which
    every spreadsheet sorts and no reader misreads (day/month order)."""
    if not policy.may_export_access_log(actor.user, case):
        raise NotAllowed(_("Only coordinators and auditors export who accessed a case."))
    rows = access_list(case)
    record(actor, "access_log_exported", case_id=case.id, rows=len(rows))
    return to_csv(
        [_("case"), _("when (UTC)"), _("who"), _("username"), _("organisation"), _("what"),
         _("detail"), _("from")],
        ([case.code, a.at.strftime("%Y-%m-%d %H:%M:%S"), a.who, a.username, a.organisation,
          a.action, a.what, a.remote_addr] for a in rows),
    )
