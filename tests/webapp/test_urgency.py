"""Urgent cases: a signal reporting immediate danger makes the case urgent; its tasks carry a
badge and come first in every inbox sort; the intake decision offers the urgent route; a
coordinator sets and lifts urgency with a reason, audited; one of two at once wins."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, Case, Task
from webapp.models.cases import NORMAL, URGENT

from ..conftest import task_ids
from .helpers import complete, example, register, to_consultation
from .security_helpers import one_user_per_request  # noqa: F401 - autouse fixture
from .test_scenarios import formdata

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def report(client, **signal):
    data = {**formdata(example("register-signal", **signal)),
            "person-full_name": "Sam Example", "person-date_of_birth": "2009-04-01"}
    return client.post("/signals/new", data=data)


def audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))


def rows_in_order(html: str) -> list[tuple[int, bool]]:
    """(task id, shows the urgent badge) per inbox row, top to bottom."""
    rows = re.findall(r"<tr class=\"([^\"]*)\">(.*?)</tr>", html, re.S)
    found = []
    for classes, body in rows:
        ids = task_ids(body)
        if ids:
            found.append((ids[0], "task-urgent" in classes and ">Urgent<" in body))
    return found


def test_a_signal_of_immediate_danger_puts_the_intake_decision_first(network, login):
    for days in (3, 2):  # two calm cases at their intake decision, waiting longer
        register(now=T0 - timedelta(days=days))
        complete("coordinator", "register_signal", example("register-signal"),
                 T0 - timedelta(days=days))
    assert report(login("police"), immediate_danger=True).status_code == 302
    case = db.session.scalar(select(Case).order_by(Case.id.desc()))
    assert case.urgent and case.urgent_reason == "Immediate danger was reported in the signal."
    intake = db.session.scalar(select(Task).where(Task.case_id == case.id))
    assert intake.spec_name == "confirm_intake_decision" and intake.priority == URGENT

    coordinator = login("coordinator")
    for sort in ("due", "waiting", "case", "step"):
        rows = rows_in_order(coordinator.get(f"/?sort={sort}").text)
        assert rows[0] == (intake.id, True), sort
        assert not any(urgent for _id, urgent in rows[1:]), sort

    page = coordinator.get(f"/tasks/{intake.id}").text
    assert "Urgent case" in page and "Immediate danger was reported in the signal." in page
    assert "call the emergency services or the police first" in page
    assert "The urgent route (security services or the judicial" in page  # the instructions
    assert 'value="urgent"' in page  # offered as a choice, with the reasoning required
    assert "Urgent case" in coordinator.get(f"/cases/{case.code}").text
    (event,) = audit("urgency_set")
    assert event.case_id == case.id and event.detail["by"] == "process"

    # the chosen route and its reason are recorded with the decision
    response = coordinator.post(f"/tasks/{intake.id}", data=formdata(example(
        "intake-decision", intake_decision="urgent", intake_reasoning="Threat to a teacher.")))
    assert response.status_code == 302
    referral = db.session.scalar(select(Task).where(Task.case_id == case.id))
    assert referral.spec_name == "record_urgent_referral" and referral.priority == URGENT
    assert response.headers["Location"].endswith(f"/tasks/{referral.id}")  # next step at once


def test_the_partners_tasks_of_an_urgent_case_come_first_for_them_too(network, login):
    later = to_consultation(("police",), now=T0)
    first = to_consultation(("police",), now=T0 - timedelta(days=5))  # due five days earlier
    coordinator = login("coordinator")
    response = coordinator.post(f"/cases/{later.code}/urgency",
                                data={"urgent": "1", "reason": "Threats against a classmate."})
    assert response.status_code == 302
    police = login("police")
    tasks = {db.session.scalar(select(Task.id).where(Task.case_id == c.id)): c
             for c in (later, first)}
    for sort in ("due", "waiting", "case", "step"):
        rows = rows_in_order(police.get(f"/?sort={sort}").text)
        assert [tasks[i].code for i, _u in rows] == [later.code, first.code], sort
        assert [urgent for _i, urgent in rows] == [True, False], sort
    assert "Threats against a classmate." in police.get(
        f"/tasks/{rows[0][0]}").text  # the partner sees why, nothing more
    (event,) = audit("urgency_set")
    assert event.detail == {"reason": "Threats against a classmate.", "by": "coordinator"}


def test_new_tasks_of_an_urgent_case_are_urgent_and_lifting_turns_them_back(network, login):
    case = register(now=T0)
    coordinator = login("coordinator")
    coordinator.post(f"/cases/{case.code}/urgency", data={"urgent": "1", "reason": "Danger."})
    complete("coordinator", "register_signal", example("register-signal"), T0)
    (task,) = db.session.scalars(select(Task).where(Task.case_id == case.id))
    assert task.spec_name == "confirm_intake_decision" and task.priority == URGENT

    response = coordinator.post(f"/cases/{case.code}/urgency",
                                data={"urgent": "0", "reason": "Police took it over."})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Task, task.id).priority == NORMAL
    assert not db.session.get(Case, case.id).urgent
    page = coordinator.get(f"/cases/{case.code}").text
    assert "Urgent case" not in page and "Mark as urgent" in page
    assert "Urgency lifted" in page and "Police took it over." in page  # the timeline
    assert [e.detail["reason"] for e in audit("urgency_lifted")] == ["Police took it over."]


def test_two_coordinators_lifting_at_once_one_wins(network, login):
    case = register()
    first, second = login("coordinator"), login("coordinator2")
    first.post(f"/cases/{case.code}/urgency", data={"urgent": "1", "reason": "Danger."})
    page = second.get(f"/cases/{case.code}").text  # sees the case urgent, with a lift form
    assert "Lift the urgency" in page
    first.post(f"/cases/{case.code}/urgency", data={"urgent": "0", "reason": "Handled."})
    response = second.post(f"/cases/{case.code}/urgency", data={"urgent": "0",
                                                                "reason": "Also handled."},
                           follow_redirects=True)
    assert "was already lifted; nothing was changed" in response.text
    assert len(audit("urgency_lifted")) == 1


@pytest.mark.parametrize(("reason", "message"), [
    ("", "Fill in the reason."),
    ("   ", "Fill in the reason."),
    ("x" * 501, "The reason can be at most 500 characters"),
])
def test_urgency_needs_a_reason_the_database_can_store(network, login, reason, message):
    case = register()
    response = login("coordinator").post(f"/cases/{case.code}/urgency",
                                         data={"urgent": "1", "reason": reason},
                                         follow_redirects=True)
    assert response.status_code == 200 and message in response.text
    db.session.expire_all()
    assert not db.session.get(Case, case.id).urgent and audit("urgency_set") == []


def test_a_reason_with_a_nul_byte_is_refused_at_the_edge(network, login):
    case = register()
    response = login("coordinator").post(f"/cases/{case.code}/urgency",
                                         data={"urgent": "1", "reason": "bad\x00byte"})
    assert response.status_code == 422 and "NUL character" in response.text
    db.session.expire_all()
    assert not db.session.get(Case, case.id).urgent and audit("urgency_set") == []


def test_a_calm_signal_leaves_the_case_as_any_other(network, login):
    assert report(login("school"), immediate_danger=False).status_code == 302
    case = db.session.scalar(select(Case))
    assert not case.urgent and audit("urgency_set") == []
    assert ">Urgent<" not in login("coordinator").get("/").text
