"""Every path of the default process, driven the way people drive it: forms posted to
/tasks/<id> by the person whose inbox holds the task, timers fired by the worker with the
clock moved explicitly."""

from datetime import UTC, datetime, timedelta

import pytest
from flask import g
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Case, Contribution, Timer
from webapp.services import timers

from .helpers import example, inbox, only_task, requests_for


def formdata(data: dict, prefix: str = "") -> dict:
    """Form data as a browser sends it: rows as name-0-field, ticked boxes as "y"."""
    out: dict = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, bool):
            if value:
                out[name] = "y"
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for index, row in enumerate(value):
                out.update(formdata(row, f"{name}-{index}-"))
        elif isinstance(value, list):
            out[name] = list(value)
        elif value is not None:
            out[name] = str(value)
    return out


class Table:
    """One case at the table, with a logged-in client per person."""

    def __init__(self, login):
        self.login, self.clients = login, {}
        response = self.client("coordinator").post("/cases/new", data={"full_name": "Alex Doe"})
        assert response.status_code == 302
        self.case = db.session.scalar(select(Case).order_by(Case.id.desc()))

    def client(self, username):
        # The tests share one app context, so Flask-Login's user cached in `g` would leak
        # from one person's request into the next person's.
        g.pop("_login_user", None)
        if username not in self.clients:
            self.clients[username] = self.login(username)
            g.pop("_login_user", None)
        return self.clients[username]

    def submit(self, username, spec_name, data, expect=302):
        task = only_task(username, spec_name)
        assert task.case_id == self.case.id
        response = self.client(username).post(
            f"/tasks/{task.id}", data={**formdata(data), "action": "complete"}
        )
        assert response.status_code == expect, response.text[:3000]
        db.session.expire_all()
        return response

    def open_tasks(self, username):
        return sorted(t.spec_name for t in inbox(username) if t.case_id == self.case.id)

    def later(self, **delta):
        """Let the timer worker run at a moment `delta` from now."""
        return timers.run_due_timers(now=datetime.now(UTC) + timedelta(**delta))

    def reload(self):
        db.session.expire_all()
        return db.session.get(Case, self.case.id)

    def page(self):
        return self.client("coordinator").get(f"/cases/{self.case.code}").text


def intake(table, decision, **fields):
    table.submit("coordinator", "register_signal", example("register-signal"))
    table.submit("coordinator", "confirm_intake_decision",
                 example("intake-decision", intake_decision=decision, **fields))


def to_consultation(table, partners=("police", "social")):
    intake(table, "multi_agency")
    table.submit("coordinator", "request_information",
                 example("request-information", partners=requests_for(*partners)))
    for partner in partners:
        table.submit(partner, "answer_information_request", example("information-answer"))


def to_review(table):
    to_consultation(table)
    table.submit("coordinator", "case_consultation", example("case-consultation"))
    table.submit("coordinator", "agree_action_plan", example("action-plan"))
    table.submit("school", "carry_out_action", example("action-report"))
    table.submit("social", "carry_out_action", example("action-report", status="under_way"))
    assert table.later(days=93) == 1


def close(table, recorder="coordinator", approver="coordinator2"):
    table.submit(recorder, "closure_review", example("closure-review"))
    table.submit(approver, "approve_closure", example("closure-approval"))


@pytest.fixture
def table(network, login):
    return Table(login)


def test_out_of_scope(table):
    intake(table, "out_of_scope", intake_reasoning="Only opinions were reported.")
    case = table.reload()
    assert (case.status, case.outcome) == ("closed", "out_of_scope")
    assert "Only opinions were reported." in table.page()


def test_urgent_referral_is_recorded_and_the_case_closed(table):
    intake(table, "urgent")
    table.submit("coordinator", "record_urgent_referral", example("urgent-referral"))
    case = table.reload()
    assert (case.status, case.outcome) == ("closed", "urgent")
    assert "Police emergency line" in case.closure_reason


def test_regular_care_with_referral_and_check_back(table):
    intake(table, "regular_care", regular_care_partner="school", check_back_days=60,
           regular_care_purpose="so that the school can contact the family")
    assert table.open_tasks("police") == []
    table.submit("school", "accept_referral", example("referral-response"))
    assert table.open_tasks("coordinator") == []
    assert table.later(days=59) == 0
    assert table.later(days=61) == 1
    table.submit("coordinator", "check_back_regular_care", example("check-back"))
    case = table.reload()
    assert (case.status, case.outcome) == ("closed", "regular_care")
    assert "Handled in regular care by school" in case.closure_reason


def test_full_consultation_plan_two_reviews_closure_and_aftercare(table):
    to_consultation(table)
    table.submit("coordinator", "case_consultation", example("case-consultation"))
    table.submit("coordinator", "agree_action_plan", example("action-plan"))
    assert table.open_tasks("school") == ["carry_out_action"]
    assert table.open_tasks("social") == ["carry_out_action"]
    assert table.open_tasks("police") == []
    table.submit("school", "carry_out_action", example("action-report"))
    table.submit("social", "carry_out_action", example("action-report"))
    assert table.later(days=80) == 0
    assert table.later(days=93) == 1
    table.submit("coordinator", "review_case", example("review", decision="continue"))
    assert table.later(days=93 + 93) == 1
    table.submit("coordinator", "review_case", example("review", decision="closure_review"))
    close(table)
    case = table.reload()
    assert case.status == "aftercare"
    due = db.session.scalar(select(Timer.due_at).where(Timer.case_id == case.id))
    assert timers.run_due_timers(now=due + timedelta(minutes=1)) == 1
    table.submit("school", "aftercare_check_in", example("aftercare-check-in"))
    case = table.reload()
    assert (case.status, case.outcome) == ("closed", "closed")
    assert case.closure_reason.endswith("Aftercare: all well.")
    page = table.page()
    assert "Agree the action plan" in page and "Approve the closure" in page


def test_aftercare_concerns_reopen_the_case_into_a_review(table):
    to_review(table)
    table.submit("coordinator", "review_case", example("review", decision="closure_review"))
    table.submit("coordinator", "closure_review", example("closure-review", aftercare_months=1,
                                                          aftercare_partner="police"))
    table.submit("coordinator2", "approve_closure", example("closure-approval"))
    assert table.later(days=93 + 32) == 1
    table.submit("police", "aftercare_check_in",
                 {"status": "concerns_again", "note": "Seen with the same group again."})
    case = table.reload()
    assert (case.status, case.outcome) == ("open", "reopened")
    assert table.open_tasks("coordinator") == ["review_case"]


def test_closure_approval_refused_and_sent_back(table):
    to_review(table)
    table.submit("coordinator", "review_case", example("review", decision="closure_review"))
    table.submit("coordinator", "closure_review", example("closure-review"))
    # four eyes: the person who recorded the closure review cannot approve it
    refused = table.submit("coordinator", "approve_closure", example("closure-approval"),
                           expect=403)
    assert "second person" in refused.text and "four eyes" in refused.text
    assert table.open_tasks("coordinator2") == ["approve_closure"]
    # a send-back needs a reason
    table.submit("coordinator2", "approve_closure", {"approval": "send_back"}, expect=422)
    table.submit("coordinator2", "approve_closure",
                 {"approval": "send_back", "reason": "Check with the school first."})
    assert table.open_tasks("coordinator") == ["closure_review"]
    page = table.client("coordinator").get(
        f"/tasks/{only_task('coordinator', 'closure_review').id}").text
    assert "Check with the school first." in page
    # the second round is approved by someone else than its recorder
    close(table, recorder="coordinator2", approver="coordinator")
    assert table.reload().status == "aftercare"


def test_information_request_answered_late_after_reminder_and_escalation(table):
    intake(table, "multi_agency")
    table.submit("coordinator", "request_information",
                 example("request-information", partners=requests_for("police", "social"),
                         deadline_days=10, reminder_days=5))
    table.submit("police", "answer_information_request", example("information-answer"))
    assert table.later(days=9) == 0
    assert table.later(days=10, minutes=1) == 1  # the reminder
    assert table.open_tasks("social") == ["answer_after_reminder"]
    assert table.open_tasks("coordinator") == []
    assert table.later(days=15, minutes=2) == 1  # the escalation
    assert table.open_tasks("coordinator") == ["follow_up_overdue_requests"]
    table.submit("social", "answer_after_reminder",
                 example("information-answer", risk_factors="Late, but here it is."))
    assert table.open_tasks("coordinator") == ["case_consultation"]  # follow-up withdrawn
    answered = db.session.scalars(select(Contribution.spec_name).where(
        Contribution.case_id == table.case.id, Contribution.lane == "partner")).all()
    assert sorted(answered) == ["answer_after_reminder", "answer_information_request"]
