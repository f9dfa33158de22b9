"""The retention clock: a case closed longer ago than the retention period keeps only
anonymous statistics, and the audit trail says so."""

import json
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from webapp import engine
from webapp.cli import run_worker_loop
from webapp.extensions import db
from webapp.models import AuditEvent, Case, CaseSubject, Contribution, utcnow
from webapp.services import bundles, retention

from . import security_helpers as fixtures
from .helpers import complete, example, register

one_user_per_request = fixtures.one_user_per_request

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SIGNAL = "Told a teacher about new online friends; lives with an aunt in Lindenstraat."
REASONING = "Nothing for the table: a teacher's worry, handled by the school's own care team."


def closed_case(now=T0, name="Robin Retention") -> Case:
    """A case closed at intake ("out of scope"), with person details and free text."""
    case = register(now=now, full_name=name, date_of_birth="2009-05-06", address="Lindenstraat 3")
    complete("coordinator", "register_signal",
             example("register-signal", signal_description=SIGNAL), now)
    complete("coordinator", "confirm_intake_decision",
             example("intake-decision", intake_decision="out_of_scope",
                     intake_reasoning=REASONING), now)
    db.session.refresh(case)
    assert case.status == "closed", case.status
    return case


def test_a_case_past_its_retention_period_is_anonymised(app, network):
    old = closed_case()
    recent = closed_case(now=T0 + timedelta(days=400), name="Kim Recent")
    still_open = register(now=T0, full_name="Ola Open")
    years = app.config["RETENTION_YEARS"]
    assert years == 5

    assert retention.run_retention(years, now=T0 + timedelta(days=5 * 365)) == []  # not yet
    later = T0 + timedelta(days=5 * 365 + 2)
    assert retention.run_retention(years, now=later) == [old.code]

    db.session.expire_all()
    old = db.session.get(Case, old.id)
    assert old.anonymised_at == later
    assert db.session.get(CaseSubject, old.id) is None
    for contribution in db.session.scalars(
            select(Contribution).where(Contribution.case_id == old.id)):
        text = json.dumps(contribution.data)
        assert SIGNAL not in text and REASONING not in text and "Atheneum" not in text
    signal = db.session.scalar(select(Contribution).where(
        Contribution.case_id == old.id, Contribution.spec_name == "register_signal"))
    # the statistics stay: which concerns were seen, the intake decision, the dates
    assert signal.data["observed_concerns"] == example("register-signal")["observed_concerns"]
    assert old.outcome and old.closed_at and old.status == "closed"
    assert SIGNAL not in old.state and REASONING not in old.state and "Robin" not in old.state
    engine.snapshot(bundles.bundle_for(old.process_version), old.state)  # still loads
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "case_anonymised", AuditEvent.case_id == old.id))
    assert event is not None and event.user_id is None
    assert event.detail["reason"] == "retention" and event.detail["person_details"] is True

    # the others keep everything
    assert db.session.get(CaseSubject, recent.id).full_name == "Kim Recent"
    assert db.session.get(CaseSubject, still_open.id).full_name == "Ola Open"
    assert db.session.get(Case, recent.id).anonymised_at is None
    assert retention.run_retention(years, now=later) == []  # once only


def test_the_retention_period_is_configurable(app, network):
    case = closed_case()
    assert retention.run_retention(1, now=T0 + timedelta(days=366)) == [case.code]


def test_the_command_and_the_worker_run_retention(app, network, login):
    first, second = closed_case(), closed_case(name="Second Person")
    for case in (first, second):  # move time: closed six years ago
        case.closed_at = utcnow() - timedelta(days=6 * 365)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["retention", "--dry-run"])
    assert first.code in result.output and db.session.get(CaseSubject, first.id) is not None
    result = app.test_cli_runner().invoke(args=["retention"])
    assert "Anonymised: 2 case(s)" in result.output, result.output
    assert db.session.get(CaseSubject, first.id) is None

    third = closed_case(name="Third Person")
    third.closed_at = utcnow() - timedelta(days=6 * 365)
    db.session.commit()
    run_worker_loop(app, threading.Event(), once=True)
    db.session.expire_all()
    assert db.session.get(Case, third.id).anonymised_at is not None

    page = login("coordinator").get(f"/audit/cases/{first.code}").text
    assert "anonymised the case (retention)" in page
