"""Try it runs the engine as cases do, with its state kept between requests; a trial saved as
a scenario runs again on every later draft and shows where it no longer runs as saved."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.webapp.helpers import actor, example, requests_for
from webapp import engine
from webapp.extensions import db
from webapp.models import Case, ProcessScenario
from webapp.services.designer import drafts, scenarios, trial, trialrun
from webapp.services.errors import InvalidInput, StepFailed

from .test_designer import FORM, insert_check_task


def owner():
    return actor("owner")


def another_web_process():
    """Forget the bundles built so far, as a request served by another process would."""
    trialrun._BUNDLES.clear()


def answer(title_or_element: str, data: dict, organisation: str | None = None):
    another_web_process()
    run = trial.current(owner(), "maw_case")
    task = next(t for t in run.step.ready if title_or_element in (t.spec_name, t.title)
                and organisation in (None, t.organisation))
    run = trial.complete(owner(), "maw_case", task.id, data)
    db.session.commit()
    return run


def to_information_requests():
    trial.start(owner(), "maw_case")
    db.session.commit()
    answer("register_signal", example("register-signal"))
    answer("confirm_intake_decision", example("intake-decision", intake_decision="multi_agency"))
    return answer("request_information", example("request-information",
                                                 partners=requests_for("police", "social")))


def test_a_parallel_request_collects_both_answers_and_a_timer_is_jumped_over(network):
    run = to_information_requests()
    waiting = sorted((t.spec_name, t.organisation) for t in run.step.ready)
    assert waiting == [("answer_information_request", "police"),
                       ("answer_information_request", "social")]
    assert run.owners[run.step.ready[0].id] in ("Police", "Social services")
    clock = run.clock
    run = answer("answer_information_request", example("information-answer"), "police")
    another_web_process()
    due = min(t.due_at for t in run.step.timers)
    assert due == clock + timedelta(days=14)
    run = trial.fire_timers(owner(), "maw_case")  # the social services' deadline passes
    db.session.commit()
    assert run.clock > due  # strictly later: at the due time itself nothing fires
    assert [t.spec_name for t in run.step.ready] == ["answer_after_reminder"]
    run = answer("answer_after_reminder", example("information-answer"), "social")
    assert [t.spec_name for t in run.step.ready] == ["case_consultation"]
    assert [s["action"] for s in run.steps] == ["complete"] * 4 + ["timer", "complete"]
    assert db.session.scalar(select(Case.id)) is None  # a trial is never a case


def test_a_timer_fires_only_after_its_due_time(network):
    run = to_information_requests()
    due = min(t.due_at for t in run.step.timers)
    same = engine.fire_timers(run.bundle, run.draft.trial_state, now=due)
    assert same.timers == run.step.timers  # the engine does not fire at the due time itself
    later = engine.fire_timers(run.bundle, run.draft.trial_state, now=due + timedelta(seconds=1))
    assert {t.spec_name for t in later.ready} == {"answer_after_reminder"}


def saved_scenario():
    to_information_requests()
    answer("answer_information_request", example("information-answer"), "police")
    answer("answer_information_request", example("information-answer"), "social")
    scenarios.save(owner(), "maw_case", "Two partners answer in time")
    db.session.commit()


def result(name="Two partners answer in time"):
    db.session.expire_all()
    return db.session.scalar(select(ProcessScenario).where(ProcessScenario.name == name)) \
        .last_result


def test_a_saved_scenario_runs_as_saved_on_an_unchanged_draft(network):
    saved_scenario()
    draft = drafts.open_draft(owner(), "maw_case")
    drafts.save_file(owner(), "maw_case", "forms/check-signal.schema.json", FORM)  # unused
    db.session.commit()
    assert draft.trial_state is None  # a change throws the trial away, not the scenario
    assert result() == {"ok": True, "message": "Runs as saved (5 steps).", "step": None,
                        "kind": "", "details": []}


def test_a_form_that_no_longer_accepts_the_saved_answers_is_named(network):
    saved_scenario()
    text = drafts.open_draft(owner(), "maw_case").files["forms/request-information.schema.json"]
    drafts.save_file(owner(), "maw_case", "forms/request-information.schema.json",
                     text.replace('"maximum": 60', '"maximum": 10'))
    db.session.commit()
    found = result()
    assert not found["ok"] and found["step"] == 3 and found["kind"] == "form"
    assert found["message"] == ("At step 3 ('Request information') the form no longer accepts "
                                "the saved answers: deadline_days: Enter a number of at most 10.")


def test_a_path_that_now_differs_is_shown_where(network):
    saved_scenario()
    drafts.save_file(owner(), "maw_case", "forms/check-signal.schema.json", FORM)
    text = drafts.open_draft(owner(), "maw_case").files["processes/case.bpmn"]
    drafts.save_file(owner(), "maw_case", "processes/case.bpmn", insert_check_task(text))
    db.session.commit()
    found = result()
    assert found["step"] == 1 and found["kind"] == "path"
    assert found["message"] == (
        "At step 1 ('Register signal') the path now differs: the scenario went through "
        "Register signal → Recommend an intake outcome; the draft now goes through Register "
        "signal.")


def test_publishing_asks_before_scenarios_that_differ(network):
    saved_scenario()
    text = drafts.open_draft(owner(), "maw_case").files["forms/request-information.schema.json"]
    drafts.save_file(owner(), "maw_case", "forms/request-information.schema.json",
                     text.replace('"maximum": 60', '"maximum": 10'))
    with pytest.raises(InvalidInput, match="1 saved scenario no longer runs"):
        drafts.publish_draft(owner(), "maw_case")
    published = drafts.publish_draft(owner(), "maw_case", accept_differences=True)
    assert published.changed and published.version.version == 2


def test_a_scenario_needs_a_name_and_a_step(network):
    trial.start(owner(), "maw_case")
    with pytest.raises(InvalidInput, match="at least one step"):
        scenarios.save(owner(), "maw_case", "Empty")
    with pytest.raises(InvalidInput, match="name"):
        scenarios.save(owner(), "maw_case", "   ")


def test_a_trial_step_that_would_reach_nobody_stops_the_trial(network):
    text = drafts.open_draft(owner(), "maw_case").files["processes/information-request.bpmn"]
    drafts.save_file(owner(), "maw_case", "processes/information-request.bpmn",
                     text.replace("""value='request["organisation"]'""",
                                  """value='request["organisation"] + "x"'""", 1))
    db.session.commit()
    trial.start(owner(), "maw_case")
    answer("register_signal", example("register-signal"))
    answer("confirm_intake_decision", example("intake-decision", intake_decision="multi_agency"))
    run = trial.current(owner(), "maw_case")
    with pytest.raises(StepFailed) as failed:
        trial.complete(owner(), "maw_case", run.step.ready[0].id,
                       example("request-information", partners=requests_for("police")))
    assert ("element 'answer_information_request' (Answer information request): "
            "assignedOrganisation gave 'policex'") in failed.value.message
