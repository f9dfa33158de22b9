"""Finding cases by the person: a coordinator searches by name or date of birth, and
registering a case first looks for an earlier case of the same person (same name and date
of birth). Both read person details, so each case found is audited as such a read (the
searched values themselves are personal data and stay out of the audit trail)."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Case, CaseSubject
from webapp.services.audit import Actor, record
from webapp.services.errors import InvalidInput, NotAllowed
from webapp.services.policy import may_register_case, may_search_people
from webapp.services.text import checked_text

SEARCH_LIMIT = 50


@dataclass(frozen=True)
class Found:
    """A case found by its person: what a coordinator needs to recognise it."""

    code: str
    status: str
    created_at: datetime
    closed_at: datetime | None
    full_name: str
    date_of_birth: str | None


def _normalised(name: str | None) -> str:
    return " ".join((name or "").split()).lower()


def _found(query, actor: Actor, via: str) -> list[Found]:
    rows = db.session.execute(query).all()
    for row in rows[:SEARCH_LIMIT]:
        record(actor, "subject_viewed", case_id=row.id, via=via)
    return [Found(r.code, r.status, r.created_at, r.closed_at, r.full_name, r.date_of_birth)
            for r in rows]


_COLUMNS = (Case.id, Case.code, Case.status, Case.created_at, Case.closed_at,
            CaseSubject.full_name, CaseSubject.date_of_birth)


def search_cases(actor: Actor, full_name: str = "", date_of_birth: str | None = None
                 ) -> list[Found]:
    """Cases whose person's name contains ``full_name`` (any case, spaces normalised) and
    whose date of birth is ``date_of_birth``, whichever are given; newest first, at most
    SEARCH_LIMIT (one more tells the caller there are more). Raises NotAllowed, InvalidInput."""
    if not may_search_people(actor.user):
        raise NotAllowed(_("Only coordinators search cases by the person."))
    name = _normalised(checked_text(full_name, what=_("name"), limit=200, required=False))
    if not name and not date_of_birth:
        raise InvalidInput(_("Give a name, a date of birth, or both."))
    query = select(*_COLUMNS).join(CaseSubject, CaseSubject.case_id == Case.id)
    if name:
        query = query.where(func.lower(CaseSubject.full_name).contains(name, autoescape=True))
    if date_of_birth:
        query = query.where(CaseSubject.date_of_birth == date_of_birth)
    found = _found(query.order_by(Case.created_at.desc(), Case.id.desc())
                   .limit(SEARCH_LIMIT + 1), actor, "search")
    record(actor, "person_search", by_name=bool(name), by_date_of_birth=bool(date_of_birth),
           found=len(found))
    return found


def earlier_cases(actor: Actor, full_name: str, date_of_birth: str | None) -> list[Found]:
    """Open or closed cases of a person with the same name (any case, spaces normalised) and
    date of birth, oldest first; [] unless both are given. For registration: the coordinator
    is warned before a second case of the same person is made. Raises NotAllowed."""
    if not may_register_case(actor.user):
        raise NotAllowed(_("Only coordinators can register a case."))
    name = _normalised(full_name)
    if not name or not date_of_birth:
        return []
    query = (select(*_COLUMNS).join(CaseSubject, CaseSubject.case_id == Case.id)
             .where(CaseSubject.date_of_birth == date_of_birth,
                    func.lower(func.trim(CaseSubject.full_name)) == name)
             .order_by(Case.created_at, Case.id).limit(SEARCH_LIMIT))
    return _found(query, actor, "registration check")
