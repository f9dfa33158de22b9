"""A case waiting on a timer says what it waits for and when, its diagram marks the waiting
event, and a coordinator can bring a scheduled review forward ("review now"): the process
receives the message review_now and the review comes to the coordinators' inbox at once."""

import re
from datetime import timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, Case, Task, Timer, utcnow
from webapp.services.timers import run_due_timers

from .helpers import complete, example, shown_day, to_consultation
from .security_helpers import one_user_per_request  # noqa: F401 - autouse fixture


def to_plan(now=None):
    """A case whose action plan is agreed: actions with the partners, the review ahead."""
    case = to_consultation(("police", "social"), now=now)
    complete("police", "answer_information_request", example("information-answer"), now)
    complete("social", "answer_information_request",
             example("information-answer", nothing_to_share=True), now)
    complete("coordinator", "case_consultation", example("case-consultation"), now)
    complete("coordinator", "agree_action_plan", example("action-plan", review_months=2), now)
    return case


def tasks_of(case) -> list[str]:
    return sorted(db.session.scalars(select(Task.spec_name).where(Task.case_id == case.id)))


def diagram_marks(page: str, kind: str) -> set[str]:
    return set(re.search(rf'data-{kind}="([^"]*)"', page).group(1).split())


def test_a_case_waiting_for_answers_says_when_they_are_due(network, login):
    now = utcnow()
    case = to_consultation(("police", "social"), now=now)
    page = login("coordinator").get(f"/cases/{case.code}").text
    due = shown_day(now + timedelta(days=14))
    assert f"Answers due on {due}" in page and "(2 organisations)" in page
    assert "Review now" not in page
    assert diagram_marks(page, "waiting") == set()  # shown on the call activity, current


def test_a_case_waiting_for_its_review_shows_the_date_and_can_be_reviewed_now(network, login):
    now = utcnow()
    case = to_plan(now)
    complete("school", "carry_out_action", example("action-report"), now)
    complete("social", "carry_out_action", example("action-report"), now)
    assert tasks_of(case) == []
    coordinator = login("coordinator")
    page = coordinator.get(f"/cases/{case.code}").text
    (timer,) = db.session.scalars(select(Timer).where(Timer.case_id == case.id))
    assert f"Next review on {shown_day(timer.due_at)}" in page
    assert timedelta(days=58) <= timer.due_at - now <= timedelta(days=62)  # in two months
    assert diagram_marks(page, "waiting") == {"Timer_review", "Event_review_now"}
    assert "Waiting for a date" in page  # the legend
    assert 'action="/cases/' + case.code + '/review-now"' in page

    response = coordinator.post(f"/cases/{case.code}/review-now", follow_redirects=True)
    assert "The review of case" in response.text and "brought forward" in response.text
    assert tasks_of(case) == ["review_case"]
    assert db.session.scalars(select(Timer).where(Timer.case_id == case.id)).all() == []
    (event,) = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "review_brought_forward"))
    assert event.case_id == case.id and event.user_id == network["coordinator"].id
    page = coordinator.get(f"/cases/{case.code}").text
    assert "Review brought forward" in page and "Next review on" not in page

    again = login("coordinator2").post(f"/cases/{case.code}/review-now",
                                       follow_redirects=True)
    assert "is not waiting for a scheduled review (any more)" in again.text
    assert tasks_of(case) == ["review_case"]


def test_review_now_while_actions_are_still_open(network, login):
    case = to_plan()
    assert tasks_of(case) == ["carry_out_action", "carry_out_action"]
    login("coordinator").post(f"/cases/{case.code}/review-now")
    assert tasks_of(case) == ["carry_out_action", "carry_out_action", "review_case"]


def test_the_review_date_still_comes_when_nobody_brings_it_forward(network, login):
    now = utcnow()
    case = to_plan(now)
    assert run_due_timers(now + timedelta(days=63)) == 1
    assert "review_case" in tasks_of(case)
    page = login("coordinator").get(f"/cases/{case.code}").text
    assert "Next review on" not in page and "/review-now" not in page


def test_after_closure_the_case_waits_for_its_aftercare_check_in(network, login):
    now = utcnow()
    case = to_plan(now)
    login("coordinator").post(f"/cases/{case.code}/review-now")
    complete("coordinator", "review_case", example("review", decision="closure_review"), now)
    complete("coordinator", "closure_review", example("closure-review", aftercare_months=6), now)
    complete("coordinator2", "approve_closure", example("closure-approval"), now)
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "aftercare"
    page = login("coordinator").get(f"/cases/{case.code}").text
    (timer,) = db.session.scalars(select(Timer).where(Timer.case_id == case.id))
    assert f"Aftercare check-in on {shown_day(timer.due_at)}" in page
    assert diagram_marks(page, "waiting") == {"Timer_aftercare"}
    assert "/review-now" not in page
