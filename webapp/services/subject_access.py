"""Subject-access export: everything held on one person (GDPR Art. 15).

Found by the person's details (name, and date of birth when given) over all cases; the export
holds, per case: the person's details, the case facts, what was recorded (contributions under
professional secrecy are withheld and counted, to be reviewed by the coordinator with the
partner concerned), what was shared (also what was shared and later withdrawn: it was
disclosed), which of the person's identifiers went to which organisation, when, for what and
why (withdrawn ones too), the documents attached (names, types, sizes; not their content),
and who accessed the case. Recorded form data reads as the form showed it:
each field with its title and each chosen code as its label (the stored key is kept beside
it). Keys are stable English identifiers; the words in the values (labels, outcomes, what
each access was) are in the language of the coordinator who exports.
"""

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.i18n.bundletext import org_name, step_title
from webapp.models import AuditEvent, Case, CaseSubject, Contribution, SharedItem, utcnow
from webapp.services import access_log, attachments, disclosure, policy
from webapp.services.audit import Actor, record
from webapp.services.errors import InvalidInput, NotAllowed
from webapp.services.evaluation.conventions import CLOSURE_OUTCOMES
from webapp.web.recorded import forms_of, labelled


def find_cases(full_name: str, date_of_birth: str | None = None) -> list[Case]:
    """Cases whose person matches the name (case-insensitive, trimmed) and date of birth."""
    name = " ".join((full_name or "").split()).lower()
    if not name:
        raise InvalidInput(_("Give the person's name."))
    query = select(Case).join(CaseSubject, CaseSubject.case_id == Case.id).where(
        func.lower(func.trim(CaseSubject.full_name)) == name)
    if date_of_birth:
        query = query.where(CaseSubject.date_of_birth == date_of_birth)
    return list(db.session.scalars(query.order_by(Case.created_at)))


def _comments(case: Case) -> list[dict]:
    from webapp import models

    comment = getattr(models, "CaseComment", None)
    if comment is None:
        return []
    rows = db.session.scalars(select(comment).where(comment.case_id == case.id)
                              .order_by(comment.created_at, comment.id))
    return [{"at": c.created_at.isoformat(), "by": c.user.display_name, "text": c.body}
            for c in rows]


def _title(key: str, schema: Mapping[str, Any]) -> str:
    return str(schema.get("title") or key.replace("_", " ").capitalize())


def _fields(data: Mapping[str, Any], schema: Mapping[str, Any] | None) -> list[dict]:
    """Already labelled ``data`` as ``[{"field", "title", "value"}]``, also inside rows."""
    properties = (schema or {}).get("properties") or {}
    return [{"field": key, "title": _title(key, properties.get(key) or {}),
             "value": _value(value, properties.get(key) or {})}
            for key, value in data.items()]


def _value(value: Any, schema: Mapping[str, Any]) -> Any:
    if isinstance(value, Mapping):
        return _fields(value, schema)
    if isinstance(value, list):
        items = schema.get("items") if isinstance(schema.get("items"), Mapping) else {}
        return [_value(item, items) for item in value]
    return value


def _recorded(contribution: Contribution) -> list[dict]:
    """A contribution's data as the form showed it: field titles and choice labels."""
    schema, ui_schema = forms_of(contribution)
    return _fields(labelled(contribution.data or {}, schema, ui_schema, contribution.chosen),
                   schema)


def _withdrawn_shares(case: Case) -> list[dict]:
    """Shares a coordinator withdrew: the rows are gone, the audit trail remembers them."""
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id,
                                 AuditEvent.action == "share_withdrawn")
        .order_by(AuditEvent.at, AuditEvent.id)).all()
    shares = []
    for event in events:
        detail = event.detail or {}
        contribution = (db.session.get(Contribution, detail["contribution_id"])
                        if detail.get("contribution_id") else None)
        if contribution is not None and contribution.professional_secrecy:
            continue
        shares.append({
            "organisation": detail.get("organisation"), "shared_at": detail.get("shared_at"),
            "step": step_title(detail.get("step"), case.process_version) or None,
            "note": _("A note (its text was removed when the share was withdrawn)")
            if detail.get("note") else None,
            "withdrawn_at": event.at.isoformat(),
        })
    return shares


def _case_record(case: Case) -> dict:
    subject = db.session.get(CaseSubject, case.id)
    contributions = db.session.scalars(
        select(Contribution).where(Contribution.case_id == case.id)
        .order_by(Contribution.submitted_at, Contribution.id)).all()
    shared = db.session.scalars(
        select(SharedItem).where(SharedItem.case_id == case.id)
        .order_by(SharedItem.shared_at, SharedItem.id)).all()
    attached, withheld_files = attachments.for_subject_access(case)
    return {
        "case_code": case.code,
        "person": {
            "full_name": subject.full_name if subject else None,
            "date_of_birth": subject.date_of_birth if subject else None,
            "address": subject.address if subject else None,
        },
        "status": case.status,
        "registered_at": case.created_at.isoformat(),
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        "outcome": _outcome(case.outcome),
        "closure_reason": case.closure_reason,
        "recorded": [
            {"step": step_title(c.title, case.process_version),
             "organisation": org_name(c.organisation) or None,
             "submitted_at": c.submitted_at.isoformat(), "data": _recorded(c)}
            for c in contributions if not c.professional_secrecy
        ],
        "withheld_under_professional_secrecy": sum(c.professional_secrecy for c in contributions),
        "shared_with_organisations": [
            {"organisation": org_name(s.organisation), "shared_at": s.shared_at.isoformat(),
             "step": step_title(s.contribution.title, case.process_version)
             if s.contribution else None, "note": s.note,
             "withdrawn_at": None}
            for s in shared if not (s.contribution and s.contribution.professional_secrecy)
        ] + _withdrawn_shares(case),
        "identity_disclosed_to": disclosure.for_subject_access(case),
        "attachments": attached,
        "attachments_withheld_under_professional_secrecy": withheld_files,
        "comments": _comments(case),
        "accessed_by": [
            {"at": a.at.isoformat(), "who": a.who, "organisation": a.organisation,
             "what": _("%(action)s: %(what)s", action=a.action, what=a.what)
             if a.what else a.action}
            for a in access_log.access_list(case)
        ],
    }


def _outcome(code: str | None) -> str | None:
    if not code:
        return None
    return str(CLOSURE_OUTCOMES.get(code) or code.replace("_", " "))


def export_subject(actor: Actor, full_name: str, date_of_birth: str | None = None) -> dict:
    """Everything held on the person, as a JSON-ready dict; audited per case.
    Raises NotAllowed and InvalidInput (no name, or nothing found)."""
    if not policy.may_export_subject_data(actor.user):
        raise NotAllowed(_("Only coordinators export a person's data."))
    cases = find_cases(full_name, date_of_birth)
    if not cases:
        raise InvalidInput(
            _("No case holds details of a person with this name and date of birth.")
            if date_of_birth else _("No case holds details of a person with this name."))
    records = [_case_record(case) for case in cases]
    for case in cases:
        record(actor, "subject_access_exported", case_id=case.id)
    return {
        "exported_at": utcnow().isoformat(),
        "exported_by": actor.user.display_name,
        "about": _("Everything mawflow holds on this person (GDPR Art. 15)."),
        "cases": records,
    }


def export_for_case(actor: Actor, case: Case) -> dict:
    """The subject-access export for the person of this case (all their cases)."""
    if not policy.may_export_subject_data(actor.user):
        raise NotAllowed(_("Only coordinators export a person's data."))
    subject = db.session.get(CaseSubject, case.id)
    if subject is None or not subject.full_name.strip():
        raise InvalidInput(_("No name is recorded for the person of this case; search by "
                             "name."))
    return export_subject(actor, subject.full_name, subject.date_of_birth)
