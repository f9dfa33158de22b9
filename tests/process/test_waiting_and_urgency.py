"""What the default process tells the application besides its tasks: a signal that reports
immediate danger makes the case urgent, each partner task says in a line what it asks, a
waiting case says what it waits for and when, and a scheduled review can be brought forward
by the message the application sends ("review_now")."""

from datetime import timedelta

import pytest

from webapp import engine

from .common import example
from .driver import T0, to_consultation, to_intake, to_requests, to_review


def test_a_signal_with_immediate_danger_makes_the_case_urgent(bundle):
    case = to_intake(bundle, immediate_danger=True)
    assert case.step.urgent == "Immediate danger was reported in the signal."
    calm = to_intake(bundle, immediate_danger=False)
    assert calm.step.urgent is None


def test_partner_tasks_carry_what_they_ask(bundle):
    case = to_requests(bundle, ("police",))
    (request,) = case.ready("answer_information_request")
    assert request.summary == "What does police know?"  # its own question (to_requests)
    case = to_consultation(bundle).do("case_consultation", example("case-consultation"))
    case.do("agree_action_plan", example("action-plan"))
    asked = sorted((t.organisation, t.summary) for t in case.ready("carry_out_action"))
    assert asked == [("school", "Talk with the parents about school"),
                     ("social", "Offer a family coach")]
    assert case.ready("case_consultation") == [] and request.four_eyes_step is None


def test_the_approval_names_the_step_its_performer_may_not_repeat(bundle):
    case = to_review(bundle).do("review_case", example("review", decision="closure_review"))
    case.do("closure_review", example("closure-review"))
    assert case.ready("approve_closure")[0].four_eyes_step == "closure_review"


def test_a_case_waiting_for_answers_says_when_they_are_due(bundle):
    case = to_requests(bundle, ("police", "social"))
    waiting = engine.waiting(bundle, case.step.state)
    assert {(w.label, w.due_at) for w in waiting} == {("Answers due", T0 + timedelta(days=14))}
    assert len(waiting) == 2 and all(w.element_id == "Timer_answer_deadline" for w in waiting)


def test_a_case_waiting_for_its_review_says_when_and_can_be_reviewed_now(bundle):
    case = to_review(bundle).do("review_case", example("review", decision="continue",
                                                         next_review_months=2))
    timer, message = engine.waiting(bundle, case.step.state)
    assert (timer.element_id, timer.label) == ("Timer_review", "Next review")
    assert timer.due_at.date() == (case.now + timedelta(days=61)).date()
    assert [t.due_at for t in case.step.timers] == [timer.due_at]
    assert (message.element_id, message.message) == ("Event_review_now", "review_now")
    step = engine.send_message(bundle, case.step.state, "review_now", now=case.now)
    assert [t.spec_name for t in step.ready] == ["review_case"]
    assert step.timers == [] and step.timers_changed
    assert engine.waiting(bundle, step.state) == []
    with pytest.raises(engine.NotWaiting):
        engine.send_message(bundle, step.state, "review_now", now=case.now)


def test_the_review_timer_still_fires_when_nobody_brings_it_forward(bundle):
    case = to_review(bundle).do("review_case", example("review", decision="continue",
                                                         next_review_months=1))
    case.wait(days=32)
    assert case.names() == [("review_case", None)]
    with pytest.raises(engine.NotWaiting):
        engine.send_message(bundle, case.step.state, "review_now", now=case.now)


def test_after_closure_the_case_waits_for_its_aftercare_check_in(bundle):
    case = to_review(bundle).do("review_case", example("review", decision="closure_review"))
    case.do("closure_review", example("closure-review", aftercare_months=6))
    case.do("approve_closure", example("closure-approval"))
    (check_in,) = engine.waiting(bundle, case.step.state)
    assert check_in.label == "Aftercare check-in" and check_in.message is None
    with pytest.raises(engine.NotWaiting):
        engine.send_message(bundle, case.step.state, "review_now", now=case.now)
