"""Identity on a need-to-know basis: which of the person's identifiers a coordinator disclosed
to which partner organisation, for what, and who saw them.

A partner task whose process property ``discloseIdentity`` names identifiers (chosen by the
coordinator in the form that created the task) records a Disclosure when its inbox row is
created. Members of that organisation then see those identifiers, read from CaseSubject at
that moment, on their tasks and on their view of the case, while all of this holds:
the disclosure is not withdrawn, the organisation is still involved in the case, and the case
has not ended (nor been anonymised). Every disclosure, every view by a partner and every
withdrawal is audited. The process data never holds the person's details, only the choice.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import get_locale, lazy_gettext
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.engine import ReadyTask
from webapp.extensions import db
from webapp.models import CaseSubject, Disclosure, Organisation, PartnerQuestion, utcnow
from webapp.models.cases import Case
from webapp.services import policy
from webapp.services.audit import Actor, record
from webapp.services.errors import InvalidInput, NotAllowed, NotFound

#: The identifiers in words, in the order they are shown.
IDENTIFIER_LABELS = {
    "name": lazy_gettext("name"),
    "date_of_birth": lazy_gettext("date of birth"),
    "address": lazy_gettext("address"),
}
#: What the default process discloses the identity for (``discloseIdentity``'s "for"), in
#: words; a process owner's own words are shown as written.
WHAT_FOR_LABELS = {
    "information request": lazy_gettext("information request"),
    "agreed action": lazy_gettext("agreed action"),
    "referral to regular care": lazy_gettext("referral to regular care"),
    "aftercare check-in": lazy_gettext("aftercare check-in"),
}
_SUBJECT_FIELDS = {"name": "full_name", "date_of_birth": "date_of_birth", "address": "address"}
#: Cases in these states show no identity to partners any more.
_ENDED = ("closed",)


def in_words(codes: Iterable[str]) -> str:
    """``["name", "date_of_birth"]`` -> "name and date of birth"."""
    words = [str(IDENTIFIER_LABELS[c]) for c in IDENTIFIER_LABELS if c in set(codes)]
    if not words:
        return _("no identifiers")
    if len(words) == 1:
        return words[0]
    return _("%(first)s and %(last)s", first=", ".join(words[:-1]), last=words[-1])


def what_for_in_words(what_for: str) -> str:
    """What an identity was disclosed for, in the reader's words when the default process
    said it; anything else as the process wrote it."""
    label = WHAT_FOR_LABELS.get(what_for)
    return str(label) if label is not None else what_for


def reader_name(organisation: Organisation) -> str:
    """An organisation's name in the reader's language (as the pages show it); its own name
    outside a request."""
    locale = get_locale()
    return organisation.name_in(locale.language if locale is not None else None)


def record_for_new_tasks(case: Case, ready: list[ReadyTask], rows: list[dict],
                         by: Actor | None) -> None:
    """Hook for services.cases: for each new partner inbox row (``rows``, in the order of
    ``ready``), keep the question it asks and record the identity disclosed with it.

    Only tasks of a lane whose members see cases through involvement (partners) carry a
    disclosure: coordinators see the person anyway, and nothing goes to an organisation
    without a task of its own (the broader network that only signalled learns nothing)."""
    actor = by or Actor.system()
    names: dict[int, str] = {}
    for task, row in zip(ready, rows, strict=True):
        org_id = row.get("organisation_id")
        if org_id is None or not policy.lane_reads_disclosed_identity(row.get("lane")):
            continue
        if task.asked:
            db.session.add(PartnerQuestion(
                case_id=case.id, organisation_id=org_id, spiff_task_id=task.id,
                question=task.asked["question"], context=task.asked.get("context"),
                created_at=row["created_at"]))
        if not task.disclose:
            continue
        if org_id not in names:
            names[org_id] = db.session.get(Organisation, org_id).name
        what_for = task.disclose.get("for") or task.title
        db.session.add(Disclosure(
            case_id=case.id, organisation_id=org_id, spiff_task_id=task.id,
            what_for=what_for[:300], identifiers=list(task.disclose["identifiers"]),
            purpose=task.disclose.get("purpose") or "",
            disclosed_by_id=actor.user.id if actor.user else None,
            disclosed_at=row["created_at"]))
        record(actor, "identity_disclosed", case_id=case.id, task_ref=task.id,
               organisation=names[org_id], identifiers=list(task.disclose["identifiers"]),
               purpose=task.disclose.get("purpose") or "", what_for=what_for, step=task.title)


def disclosures(case: Case) -> list[Disclosure]:
    """Every disclosure of the case, withdrawn ones too, oldest first (coordinators)."""
    return list(db.session.scalars(
        select(Disclosure).where(Disclosure.case_id == case.id)
        .order_by(Disclosure.disclosed_at, Disclosure.id)))


def question_for(case_id: int, spiff_task_id: str) -> PartnerQuestion | None:
    return db.session.scalar(
        select(PartnerQuestion).where(PartnerQuestion.case_id == case_id,
                                      PartnerQuestion.spiff_task_id == spiff_task_id))


def questions_by_task(case: Case,
                      organisation_ids: Iterable[int] | None) -> dict[str, PartnerQuestion]:
    """The questions asked on this case (of these organisations), by spiff task id."""
    query = select(PartnerQuestion).where(PartnerQuestion.case_id == case.id)
    if organisation_ids is not None:
        query = query.where(PartnerQuestion.organisation_id.in_(list(organisation_ids)))
    return {q.spiff_task_id: q for q in db.session.scalars(query)}


@dataclass(frozen=True)
class ShownIdentity:
    """The identifiers a partner sees, and why it was told."""

    values: list[tuple[str, str]]  # (label, value), in the order of IDENTIFIER_LABELS
    reasons: list[Disclosure]


def _standing(case: Case, organisation_ids: set[int]) -> list[Disclosure]:
    if not organisation_ids:
        return []
    return list(db.session.scalars(
        select(Disclosure).where(Disclosure.case_id == case.id,
                                 Disclosure.organisation_id.in_(organisation_ids),
                                 Disclosure.withdrawn_at.is_(None))
        .order_by(Disclosure.disclosed_at, Disclosure.id)))


def shown_identity(actor: Actor, case: Case, *, where: str) -> ShownIdentity | None:
    """The identifiers the acting partner may see on this case now, or None; a view is
    audited in words (which identifiers, for what, on which page: ``where``).

    Only for a partner role (policy), of an organisation still involved in the case, with a
    disclosure not withdrawn, while the case has not ended."""
    user = actor.user
    if user is None or not policy.may_see_disclosed_identity(user, case):
        return None
    if case.status in _ENDED or case.anonymised_at is not None:
        return None
    orgs = (policy.org_ids_with(user, "case.read_disclosed_identity")
            & policy.involved_organisation_ids(case))
    standing = _standing(case, orgs)
    if not standing:
        return None
    subject = db.session.get(CaseSubject, case.id)
    chosen = {code for d in standing for code in d.identifiers}
    values = [(code, getattr(subject, _SUBJECT_FIELDS[code], None) if subject else None)
              for code in IDENTIFIER_LABELS if code in chosen]
    values = [(code, value) for code, value in values if value and str(value).strip()]
    if not values:
        return None
    record(actor, "identity_viewed", case_id=case.id,
           organisation=", ".join(sorted({d.organisation.name for d in standing})),
           identifiers=[code for code, _value in values],
           what_for=list(dict.fromkeys(d.what_for for d in standing)),
           purpose="; ".join(dict.fromkeys(d.purpose for d in standing if d.purpose)),
           page=where)
    return ShownIdentity(values=[(str(IDENTIFIER_LABELS[c]), v) for c, v in values],
                         reasons=standing)


@dataclass(frozen=True)
class WithdrawnIdentity:
    organisation: str
    identifiers: list[str]


def withdraw(actor: Actor, case: Case, disclosure_id: int, *,
             now: datetime | None = None) -> WithdrawnIdentity:
    """Withdraw the identity from the organisation of this disclosure: every disclosure to it
    on this case that still stands. From this moment its members no longer see the person's
    identifiers on this case. Audited. Raises NotAllowed, NotFound (no such disclosure on
    this case) and InvalidInput (nothing left to withdraw: someone was first)."""
    if not policy.may_share(actor.user, case):
        raise NotAllowed(_("Only coordinators withdraw what was disclosed."))
    row = db.session.get(Disclosure, disclosure_id)
    if row is None or row.case_id != case.id:
        raise NotFound(_("Nothing with this number was disclosed on this case."))
    done = withdraw_organisation(actor, case, row.organisation_id, now=now)
    if done is None:
        raise InvalidInput(_("%(org)s no longer sees the person's identity on this case: it "
                             "was withdrawn already.", org=reader_name(row.organisation)))
    return done


def withdraw_organisation(actor: Actor, case: Case, organisation_id: int, *,
                          because: str | None = None,
                          now: datetime | None = None) -> WithdrawnIdentity | None:
    """Withdraw every standing disclosure to one organisation on a case (also used when its
    seat, its last involvement, is withdrawn). Returns None when there was none."""
    standing = _standing(case, {organisation_id})
    if not standing:
        return None
    now = now or utcnow()
    for row in standing:
        row.withdrawn_at = now
        row.withdrawn_by_id = actor.user.id if actor.user else None
        row.withdrawn_because = because
    codes = [c for c in IDENTIFIER_LABELS if any(c in d.identifiers for d in standing)]
    organisation = standing[0].organisation.name
    record(actor, "identity_withdrawn", case_id=case.id, organisation=organisation,
           identifiers=codes, disclosures=[d.id for d in standing],
           **({"because": because} if because else {}))
    db.session.flush()
    return WithdrawnIdentity(reader_name(standing[0].organisation), codes)


def for_subject_access(case: Case) -> list[dict]:
    """Who received which identifiers of the person, when, for what and why (withdrawn ones
    too: they were disclosed)."""
    return [{
        "organisation": d.organisation.name,
        "identifiers": [str(IDENTIFIER_LABELS[c]) for c in IDENTIFIER_LABELS
                        if c in d.identifiers],
        "for": d.what_for,
        "purpose": d.purpose or None,
        "disclosed_at": d.disclosed_at.isoformat(),
        "disclosed_by": d.disclosed_by.display_name if d.disclosed_by else None,
        "withdrawn_at": d.withdrawn_at.isoformat() if d.withdrawn_at else None,
    } for d in disclosures(case)]
