"""A case from registration to closure and aftercare, through the services the web calls."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import ROOT
from webapp.extensions import db
from webapp.models import AuditEvent, Case, Contribution, Task, Timer
from webapp.services import tasks, timers
from webapp.services.errors import Conflict, InvalidInput, NotAllowed, NotFound

from .helpers import actor, complete, example, inbox, only_task, register, to_consultation

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_registration_gives_a_pseudonymous_code_and_a_first_task(network):
    first = register(now=T0, full_name="Person One")
    second = register(now=T0)
    assert (first.code, second.code) == ("MAW-2026-0001", "MAW-2026-0002")
    assert [t.spec_name for t in inbox("coordinator") if t.case_id == first.id] == [
        "register_signal"
    ]
    assert "Person One" not in first.state


def test_out_of_scope_closes_the_case_with_the_reason(network):
    case = register(now=T0)
    complete("coordinator", "register_signal", example("register-signal"), T0)
    complete(
        "coordinator",
        "confirm_intake_decision",
        example("intake-decision", intake_decision="out_of_scope", intake_reasoning="No concern."),
        T0,
    )
    db.session.refresh(case)
    assert case.status == "closed"
    assert case.outcome == "out_of_scope"
    assert "No concern." in case.closure_reason
    assert not [t for t in inbox("coordinator") if t.case_id == case.id]


def test_each_partner_sees_only_its_own_request(network):
    case = to_consultation(("police", "social"), now=T0)
    police, social = (
        only_task("police", "answer_information_request"),
        only_task("social", "answer_information_request"),
    )
    assert police.id != social.id
    assert police.due_at == T0 + timedelta(days=14)
    assert inbox("school") == []
    assert not [t for t in inbox("coordinator") if t.lane == "partner"]
    with pytest.raises(NotFound):
        tasks.open_task(actor("police"), social.id)
    with pytest.raises(NotFound):
        tasks.complete_task(actor("police"), social.id, example("information-answer"))
    assert case.status == "open"


def test_full_case_to_closure_and_aftercare(network):
    case = to_consultation(("police", "social"), now=T0)
    complete("police", "answer_information_request", example("information-answer"), T0)
    assert only_task("social", "answer_information_request")
    complete(
        "social",
        "answer_information_request",
        example("information-answer", nothing_to_share=True),
        T0,
    )
    complete(
        "coordinator",
        "case_consultation",
        example("case-consultation", next_step="closure_review"),
        T0,
    )
    complete(
        "coordinator",
        "closure_review",
        example("closure-review", decision="close", reasoning="Concerns resolved."),
        T0,
    )
    complete("coordinator2", "approve_closure", example("closure-approval"), T0)
    db.session.refresh(case)
    assert case.status == "aftercare"
    assert case.closure_reason == "Concerns resolved."
    due = db.session.scalar(select(Timer.due_at).where(Timer.case_id == case.id))
    assert due > T0 + timedelta(days=150)

    assert timers.run_due_timers(now=due - timedelta(minutes=1)) == 0
    assert timers.run_due_timers(now=due + timedelta(minutes=1)) == 1
    complete("school", "aftercare_check_in", example("aftercare-check-in", status="all_well"))
    db.session.refresh(case)
    assert case.status == "closed"
    assert db.session.scalar(select(func.count(Task.id)).where(Task.case_id == case.id)) == 0
    assert db.session.scalar(select(func.count(Timer.id)).where(Timer.case_id == case.id)) == 0
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case.id))
    assert {"case_registered", "task_completed", "timer_fired"} <= set(actions)


def test_deadline_passes_and_the_coordinator_is_asked_to_follow_up(network):
    case = to_consultation(("police",), now=T0)
    assert timers.run_due_timers(now=T0 + timedelta(days=13)) == 0
    assert timers.run_due_timers(now=T0 + timedelta(days=14, minutes=1)) == 1
    reminder = only_task("police", "answer_after_reminder")  # first a reminder to the partner
    assert reminder.due_at == T0 + timedelta(days=21, minutes=1)
    assert not [t for t in inbox("coordinator") if t.spec_name == "follow_up_overdue_requests"]
    assert timers.run_due_timers(now=T0 + timedelta(days=21, minutes=2)) == 1
    follow_up = only_task("coordinator", "follow_up_overdue_requests")
    assert follow_up.case_id == case.id
    assert only_task("police", "answer_after_reminder")  # still open, late answers count
    assert timers.run_due_timers(now=T0 + timedelta(days=30)) == 0  # fires once


def test_invalid_data_is_refused_and_nothing_changes(network):
    case = register(now=T0)
    task = only_task("coordinator", "register_signal")
    with pytest.raises(InvalidInput) as error:
        tasks.complete_task(
            actor("coordinator"), task.id, {"observed_concerns": ["not a category"]}
        )
    assert error.value.errors
    db.session.rollback()
    assert only_task("coordinator", "register_signal").id == task.id
    assert db.session.get(Case, case.id).version == case.version


def test_data_checked_against_a_copy_of_the_form_is_checked_again(network):
    """Only the step's own schema object counts as checked: an equal copy (or any other
    schema a caller validated against) does not skip the server's check."""
    register(now=T0)
    task = only_task("coordinator", "register_signal")
    schema = json.loads((ROOT / "forms" / "register-signal.schema.json").read_text())
    with pytest.raises(InvalidInput):
        tasks.complete_task(actor("coordinator"), task.id,
                            {"observed_concerns": ["not a category"]}, checked_against=schema)
    db.session.rollback()
    assert only_task("coordinator", "register_signal").id == task.id


def test_a_completed_task_cannot_be_completed_again(network):
    register(now=T0)
    task = only_task("coordinator", "register_signal")
    tasks.complete_task(actor("coordinator"), task.id, example("register-signal"))
    db.session.commit()
    with pytest.raises(Conflict):
        tasks.complete_task(actor("coordinator2"), task.id, example("register-signal"))
    assert db.session.scalar(select(func.count(Contribution.id))) == 1


def test_partners_cannot_register_cases(network):
    with pytest.raises(NotAllowed):
        register("police")


def test_a_second_submit_is_told_who_completed_the_task(network):
    register(now=T0)
    task = only_task("coordinator", "register_signal")
    tasks.complete_task(actor("coordinator2"), task.id, example("register-signal"), now=T0)
    db.session.commit()
    with pytest.raises(Conflict) as error:
        tasks.complete_task(actor("coordinator"), task.id, example("register-signal"))
    assert "Coordinator2 completed this task first (02 Mar 2026, 10:00)" in error.value.message
    with pytest.raises(NotFound):  # a partner learns nothing about a coordinator task
        tasks.complete_task(actor("police"), task.id, example("register-signal"))
