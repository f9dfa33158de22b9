"""Fixtures for the need-to-know and security tests: more roles, two cases, clients."""

import pytest
from flask import g
from sqlalchemy import select

from webapp.auth.reauth import SESSION_KEY
from webapp.extensions import db
from webapp.models import Case, CaseSubject, Task, User, utcnow
from webapp.services import accounts, involvement
from webapp.services.audit import Actor

from .helpers import actor, register, to_consultation

PERSON_A = "Alexandra Testperson"
PERSON_B = "Bartholomew Otherperson"


@pytest.fixture(autouse=True)
def one_user_per_request(app):
    """The test app context lives for the whole test, so flask.g (where Flask-Login keeps the
    current user) would leak from one client's request into the next. Forget it."""

    def forget():
        g.pop("_login_user", None)

    app.before_request_funcs.setdefault(None, []).insert(0, forget)


@pytest.fixture
def people(network):
    """The network plus representatives at the table and an auditor."""
    system = Actor.system()
    extra = {
        "police_rep": [("police", "partner_rep")],
        "school_rep": [("school", "partner_rep")],
        "auditor": [("municipality", "auditor")],
        "evaluator": [("municipality", "evaluator")],
    }
    from ..conftest import PASSWORD

    made = dict(network)
    for name, roles in extra.items():
        made[name] = accounts.create_user(system, name, name.replace("_", " ").title(),
                                          PASSWORD, roles)
    db.session.commit()
    return made


@pytest.fixture
def two_cases(people):
    """Case A: police and social asked for information, police has a seat at the table.
    Case B: only registered (no partner involved). Each with a person's details."""
    case_a = to_consultation(("police", "social"))
    subject_a = db.session.get(CaseSubject, case_a.id)
    subject_a.full_name = PERSON_A
    subject_a.date_of_birth = "2008-04-01"
    subject_a.address = "Lindenstraat 1, Testtown"
    involvement.grant_seat(actor("coordinator"), case_a, "police")
    db.session.commit()
    case_b = register(full_name=PERSON_B, date_of_birth="2007-01-02",
                      address="Eikenlaan 9, Othertown")
    return case_a, case_b


def task_of(case: Case, username: str | None = None) -> Task:
    """An open task of the case (for that user's organisation, when given)."""
    query = select(Task).where(Task.case_id == case.id).order_by(Task.id)
    if username:
        user = db.session.scalar(select(User).where(User.username == username))
        org_ids = {m.organisation_id for m in user.memberships}
        query = query.where(Task.organisation_id.in_(org_ids))
    return db.session.scalars(query).first()


#: The people of the security tests, each logged in by ``clients``.
USERS = ("coordinator", "police", "school", "police_rep", "school_rep", "owner", "admin",
         "auditor", "evaluator")


@pytest.fixture
def clients(app, people, login):
    """A logged-in test client per user of USERS (None: not logged in), each with a fresh
    password confirmation (exports ask for one)."""
    made = {None: app.test_client()}
    for name in USERS:
        client = login(name)
        with client.session_transaction() as session:  # exports need a fresh password
            session[SESSION_KEY] = utcnow().timestamp()
        made[name] = client
    return made
