"""Coordinators find cases by the person's name or date of birth (audited as reads of person
details), and registering a case warns first when a case of the same person exists."""

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import AuditEvent, Case, CaseSubject

from .helpers import register
from .security_helpers import one_user_per_request  # noqa: F401 - autouse fixture


def reads(case=None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == "subject_viewed")
    if case is not None:
        query = query.where(AuditEvent.case_id == case.id)
    return list(db.session.scalars(query))


def cases() -> int:
    return db.session.scalar(select(func.count(Case.id)))


def test_search_by_name_date_of_birth_or_both(network, login):
    anna = register(full_name="Anna  Peeters", date_of_birth="2008-05-01")
    other_anna = register(full_name="Johanna Peeters", date_of_birth="2010-01-09")
    born_same_day = register(full_name="Bram Claes", date_of_birth="2008-05-01")
    coordinator = login("coordinator")
    assert coordinator.get("/cases/search").status_code == 200
    by_name = coordinator.post("/cases/search", data={"full_name": "anna peeters"}).text
    assert anna.code in by_name and other_anna.code not in by_name
    assert "Anna  Peeters" in by_name and "1 case found" in by_name
    part = coordinator.post("/cases/search", data={"full_name": "PEETERS"}).text
    assert anna.code in part and other_anna.code in part and born_same_day.code not in part
    by_date = coordinator.post("/cases/search", data={"date_of_birth": "2008-05-01"}).text
    assert anna.code in by_date and born_same_day.code in by_date
    both = coordinator.post("/cases/search", data={"full_name": "claes",
                                                   "date_of_birth": "2008-05-01"}).text
    assert born_same_day.code in both and anna.code not in both
    nothing = coordinator.post("/cases/search", data={"full_name": "Nobody"}).text
    assert "0 cases found" in nothing

    # every case found is a read of its person's details; the name searched is not kept
    assert len(reads(anna)) == 3 and len(reads(born_same_day)) == 2
    assert all(e.detail == {"via": "search"} for e in reads())
    searches = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "person_search")).all()
    assert len(searches) == 5
    assert not any("eeters" in str(e.detail) or "Nobody" in str(e.detail) for e in searches)
    assert "Anna" not in str([e.detail for e in db.session.scalars(select(AuditEvent))])


def test_a_search_needs_something_to_search_for(network, login):
    coordinator = login("coordinator")
    response = coordinator.post("/cases/search", data={"full_name": "  "})
    assert response.status_code == 422
    assert "Give a name, a date of birth, or both." in response.text
    too_long = coordinator.post("/cases/search", data={"full_name": "x" * 201})
    assert too_long.status_code == 422
    nul = coordinator.post("/cases/search", data={"full_name": "An\x00na"})
    assert nul.status_code == 422 and "cannot be stored" in nul.text
    assert reads() == []


def test_the_search_keeps_names_out_of_addresses(network, login):
    register(full_name="Anna Peeters", date_of_birth="2008-05-01")
    page = login("coordinator").get("/cases/search").text
    assert 'method="post"' in page and 'action="/cases/search"' in page
    # the cases list links the search
    assert 'href="/cases/search"' in login("coordinator").get("/cases/").text


def test_registering_the_same_person_again_asks_first(network, login):
    first = register(full_name="Anna Peeters", date_of_birth="2008-05-01")
    coordinator = login("coordinator")
    before = cases()
    person = {"full_name": " anna  PEETERS ", "date_of_birth": "2008-05-01"}
    warned = coordinator.post("/cases/new", data=person)
    assert warned.status_code == 200
    assert "There is already a case for a person with this name and date of birth" in warned.text
    assert f'href="/cases/{first.code}"' in warned.text and "Nothing has been registered" in \
        warned.text
    assert cases() == before  # nothing created until the coordinator confirms
    assert [e.detail for e in reads(first)] == [{"via": "registration check"}]

    confirmed = warned.text.split('name="confirmed" value="')[1].split('"')[0]
    response = coordinator.post("/cases/new", data={**person, "confirmed": confirmed})
    assert response.status_code == 302 and cases() == before + 1
    new = db.session.scalar(select(Case).order_by(Case.id.desc()))
    assert db.session.get(CaseSubject, new.id).full_name == "anna  PEETERS"


def test_a_changed_person_is_checked_again_and_closed_cases_count_too(network, login):
    closed = register(full_name="Anna Peeters", date_of_birth="2008-05-01")
    closed.status = "closed"
    db.session.commit()
    register(full_name="Bram Claes", date_of_birth="2007-02-02")
    coordinator = login("coordinator")
    warned = coordinator.post("/cases/new", data={"full_name": "Anna Peeters",
                                                  "date_of_birth": "2008-05-01"})
    confirmed = warned.text.split('name="confirmed" value="')[1].split('"')[0]
    assert "Closed" in warned.text
    before = cases()
    # the coordinator corrects the form to another person who has a case too: asked again
    again = coordinator.post("/cases/new", data={"full_name": "Bram Claes",
                                                 "date_of_birth": "2007-02-02",
                                                 "confirmed": confirmed})
    assert again.status_code == 200 and "There is already a case" in again.text
    assert cases() == before


def test_no_warning_without_a_match_or_without_both_details(network, login):
    register(full_name="Anna Peeters", date_of_birth="2008-05-01")
    coordinator = login("coordinator")
    for person in ({"full_name": "Anna Peeters"}, {"full_name": "Anna Peeters",
                                                   "date_of_birth": "2008-05-02"}, {}):
        response = coordinator.post("/cases/new", data=person)
        assert response.status_code == 302, person
    assert reads() == []
