"""Rectification and erasure of the person's details by a coordinator (GDPR Art. 16, 17)."""

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.extensions import db
from webapp.models import Case, CaseSubject, utcnow
from webapp.services import anonymise, attachments, policy
from webapp.services.audit import Actor, record
from webapp.services.errors import InvalidInput, NotAllowed

FIELDS = ("full_name", "date_of_birth", "address")
LIMITS = {"full_name": 200, "date_of_birth": 10, "address": 500}
TOO_LONG = {"full_name": _l("The name is too long."),
            "date_of_birth": _l("The date of birth is too long."),
            "address": _l("The address is too long.")}


def subject_of(actor: Actor, case: Case) -> CaseSubject | None:
    """The person's details for a coordinator; the read is audited. Raises NotAllowed."""
    if not policy.may_see_person_details(actor.user, case):
        raise NotAllowed(_("Only coordinators see the person's details."))
    record(actor, "subject_viewed", case_id=case.id)
    return db.session.get(CaseSubject, case.id)


def rectify(actor: Actor, case: Case, reason: str, **values: str | None) -> list[str]:
    """Correct the person's details. The audit names the fields changed and the reason, never
    the old or new values (they are personal data). Returns the changed field names."""
    if not policy.may_rectify_subject(actor.user, case):
        raise NotAllowed(_("Only coordinators correct the person's details."))
    if case.anonymised_at is not None:
        raise InvalidInput(_("This case was anonymised; there are no person details to "
                              "correct."))
    if not (reason or "").strip():
        raise InvalidInput(_("Say why the details are corrected (e.g. the person's request)."))
    subject = db.session.get(CaseSubject, case.id)
    if subject is None:
        subject = CaseSubject(case_id=case.id, full_name="")
        db.session.add(subject)
    changed = []
    for name in FIELDS:
        if name not in values:
            continue
        value = (values[name] or "").strip()
        if len(value) > LIMITS[name]:
            raise InvalidInput(str(TOO_LONG[name]))
        new = value if name == "full_name" else (value or None)
        if (getattr(subject, name) or "") != (new or ""):
            setattr(subject, name, new)
            changed.append(name)
    if changed:
        record(actor, "subject_rectified", case_id=case.id, fields=changed,
               reason=reason.strip()[:500])
    return changed


def erase(actor: Actor, case: Case, reason: str, now: datetime | None = None) -> dict:
    """Erase the person's details; on a closed case also all free text (as retention does).

    An open case keeps its free text, which the process still needs; it is erased at closure
    + retention, or by erasing again once the case is closed."""
    if not policy.may_erase_subject(actor.user, case):
        raise NotAllowed(_("Only coordinators erase the person's details."))
    if not (reason or "").strip():
        raise InvalidInput(_("Say why the data are erased (e.g. the person's request)."))
    now = now or utcnow()
    if case.status == "closed":
        counts = anonymise.anonymise(case, now)
    else:  # documents may name the person outright: they go at once, free text at closure
        counts = {"person_details": anonymise.remove_person_details(case),
                  "attachments": attachments.delete_for_case(case)}
    record(actor, "subject_erased", case_id=case.id, reason=reason.strip()[:500], **counts)
    return counts
