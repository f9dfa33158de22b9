"""Finding cases by the person: a coordinator searches by name or date of birth, and
registering a case first looks for an earlier case of the same person (same name and date
of birth). Both read person details, so each case found is audited as such a read (the
searched values themselves are personal data and stay out of the audit trail)."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

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
    """Cases whose person's name has a word starting with each word of ``full_name`` (any
    case: "peet ann" finds "Anna Peeters", "anna" does not find "Johanna") and whose date of
    birth is ``date_of_birth``, whichever are given; newest first, at most SEARCH_LIMIT (one
    more tells the caller there are more). Raises NotAllowed, InvalidInput."""
    if not may_search_people(actor.user):
        raise NotAllowed(_("Only coordinators search cases by the person."))
    name = _normalised(checked_text(full_name, what=_("name"), limit=200, required=False))
    if not name and not date_of_birth:
        raise InvalidInput(_("Give a name, a date of birth, or both."))
    query = select(*_COLUMNS).join(CaseSubject, CaseSubject.case_id == Case.id)
    stored = func.lower(CaseSubject.full_name)
    for word in name.split():
        query = query.where(or_(stored.startswith(word, autoescape=True),
                                stored.contains(" " + word, autoescape=True)))
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
    # Read by the date of birth (an index; a handful of people share one), then the names
    # compared as people write them: any case, any spacing.
    born = db.session.execute(
        select(*_COLUMNS).join(CaseSubject, CaseSubject.case_id == Case.id)
        .where(CaseSubject.date_of_birth == date_of_birth).order_by(Case.created_at, Case.id)
    ).all()
    same = [row for row in born if _normalised(row.full_name) == name][:SEARCH_LIMIT]
    for row in same:
        record(actor, "subject_viewed", case_id=row.id, via="registration check")
    return [Found(r.code, r.status, r.created_at, r.closed_at, r.full_name, r.date_of_birth)
            for r in same]
