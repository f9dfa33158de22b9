"""The audit trail: every read and change, who, for which organisation, what, when, from
where; coordinators and auditors see who accessed a case and export it safely."""

import csv
import io

import pytest
from sqlalchemy import select

from webapp.auth.reauth import SESSION_KEY
from webapp.extensions import db
from webapp.models import AuditEvent, User, utcnow
from webapp.services.csvsafe import safe_cell

from ..conftest import PASSWORD
from . import security_helpers as fixtures
from .security_helpers import PERSON_A, task_of

one_user_per_request, people, two_cases = (
    fixtures.one_user_per_request, fixtures.people, fixtures.two_cases)

POLICE_ADDR = {"REMOTE_ADDR": "192.0.2.44"}


def _events(action, case=None):
    query = select(AuditEvent).where(AuditEvent.action == action)
    if case is not None:
        query = query.where(AuditEvent.case_id == case.id)
    return db.session.scalars(query).all()


def test_reads_changes_and_logins_are_recorded_with_who_org_and_address(app, two_cases):
    case_a, _ = two_cases
    police = app.test_client()
    police.post("/login", data={"username": "police", "password": "wrong"},
                environ_base=POLICE_ADDR)
    police.post("/login", data={"username": "police", "password": PASSWORD},
                environ_base=POLICE_ADDR)
    task = task_of(case_a, "police")
    police.get(f"/tasks/{task.id}", environ_base=POLICE_ADDR)
    police.get(f"/shared/{case_a.code}", environ_base=POLICE_ADDR)
    police.post(f"/tasks/{task.id}", data={"nothing_to_share": "y"}, environ_base=POLICE_ADDR)

    user = db.session.scalar(select(User).where(User.username == "police"))
    failed, = _events("login_failed")
    assert (failed.user_id, failed.remote_addr) == (user.id, "192.0.2.44")
    login, = _events("login")
    assert login.remote_addr == "192.0.2.44"
    assert login.organisation_id == failed.organisation_id == user.memberships[0].organisation_id
    for action in ("task_viewed", "case_viewed", "task_completed"):
        event = _events(action, case_a)[-1]
        assert event.user_id == user.id, action
        assert event.organisation_id == user.memberships[0].organisation_id, action
        assert event.remote_addr == "192.0.2.44" and event.at is not None, action


def test_coordinators_and_auditors_see_who_accessed_a_case(app, two_cases, login):
    case_a, _ = two_cases
    login("police").get(f"/shared/{case_a.code}")
    login("police_rep").get(f"/cases/{case_a.code}")
    for who in ("coordinator", "auditor"):
        page = login(who).get(f"/audit/cases/{case_a.code}")
        assert page.status_code == 200
        assert "Police" in page.text and "Police Rep" in page.text
        assert "opened the case" in page.text
        assert PERSON_A not in page.text
    assert _events("access_log_viewed", case_a)
    for who in ("police", "police_rep"):  # involved: they know the case exists
        assert login(who).get(f"/audit/cases/{case_a.code}").status_code == 403
    for who in ("admin", "owner"):  # the same as for a code that does not exist
        assert login(who).get(f"/audit/cases/{case_a.code}").status_code == 404
    found = login("auditor").get(f"/audit/?code={case_a.code.lower()}")
    assert found.headers["Location"].endswith(f"/audit/cases/{case_a.code}")


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)",
                                   "\t=1", "|calc"])
def test_csv_cells_never_start_a_formula(value):
    assert safe_cell(value).startswith("'")


def test_the_access_list_export_is_safe_and_audited(app, two_cases, login):
    case_a, _ = two_cases
    evil = db.session.scalar(select(User).where(User.username == "police"))
    evil.display_name = '=HYPERLINK("http://evil.example","click")'
    db.session.commit()
    login("police").get(f"/shared/{case_a.code}")
    client = login("auditor")
    with client.session_transaction() as session:
        session[SESSION_KEY] = utcnow().timestamp()
    response = client.get(f"/audit/cases/{case_a.code}/access.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:3] == ["case", "when (UTC)", "who"]
    whos = [row[2] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in whos
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert PERSON_A not in response.text
    assert _events("access_log_exported", case_a)


def test_the_audit_trail_is_append_only(app, two_cases):
    event = db.session.scalars(select(AuditEvent)).first()
    event.action = "nothing_happened"
    with pytest.raises(ValueError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(AuditEvent)).first())
    with pytest.raises(ValueError, match="append-only"):
        db.session.commit()
    db.session.rollback()
