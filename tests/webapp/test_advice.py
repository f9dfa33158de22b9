"""The closure review shows the closure_advice table's advice while the criteria are ticked."""

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import AuditEvent, Case, TaskDraft

from .helpers import complete, example, only_task, register, to_consultation

CRITERIA = ("no_remaining_concerns", "peer_group_not_connected_to_radical_groups",
            "reflects_critically_on_ideology", "rethinks_role_in_radical_context",
            "protective_factors_in_place")
CLOSE_WHY = "most signs of change are met"
CONTINUE_WHY = "The table still has concerns"


def at_closure_review():
    to_consultation(("police",))
    complete("police", "answer_information_request", example("information-answer"))
    complete("coordinator", "case_consultation",
             example("case-consultation", next_step="closure_review"))
    return only_task("coordinator", "closure_review")


def ticked(*names) -> dict:
    """Form fields as the browser sends them: a ticked box is "y", an unticked one is absent."""
    return {name: "y" for name in names}


def test_advice_follows_the_criteria_being_ticked(network, login):
    task = at_closure_review()
    client = login("coordinator")
    page = client.get(f"/tasks/{task.id}").text
    assert "Advice from the decision table" in page
    assert "it does not decide" in page
    assert CONTINUE_WHY in page  # nothing ticked yet: concerns remain
    url = f"/tasks/{task.id}/advice"

    all_met = client.post(url, data=ticked(*CRITERIA))
    assert all_met.status_code == 200
    assert "<strong class=\"fs-5 advice-value\">Close the case</strong>" in all_met.text
    assert CLOSE_WHY in all_met.text and "Rule 2 of the decision table" in all_met.text

    concerns = client.post(url, data=ticked(*CRITERIA[1:]))
    assert "advice-value\">Continue at the table</strong>" in concerns.text
    assert CONTINUE_WHY in concerns.text

    doubt = client.post(url, data=ticked("no_remaining_concerns", "protective_factors_in_place"))
    assert "advice-value\">Close the case</strong>" in doubt.text
    assert "benefit of the doubt" in doubt.text

    unprotected = client.post(url, data=ticked(*CRITERIA[:4]))
    assert "advice-value\">Continue at the table</strong>" in unprotected.text
    assert "No protective factors are in place yet" in unprotected.text


def test_asking_advice_saves_and_logs_nothing(network, login):
    task = at_closure_review()
    client = login("coordinator")
    client.get(f"/tasks/{task.id}")
    case_state = db.session.scalar(select(Case.state).where(Case.id == task.case_id))
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    assert client.post(f"/tasks/{task.id}/advice", data=ticked(*CRITERIA)).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(Case.state).where(Case.id == task.case_id)) == case_state
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events
    assert db.session.scalar(select(func.count(TaskDraft.id))) == 0


def test_without_javascript_the_advice_is_for_what_was_last_posted(network, login):
    task = at_closure_review()
    client = login("coordinator")
    # Sent without the required reasoning: the page comes back with what was entered.
    refused = client.post(f"/tasks/{task.id}", data={**ticked(*CRITERIA), "decision": "close",
                                                     "action": "complete"})
    assert refused.status_code == 422
    assert "advice-value\">Close the case</strong>" in refused.text
    client.post(f"/tasks/{task.id}", data={**ticked(*CRITERIA), "action": "draft"})
    assert "advice-value\">Close the case</strong>" in client.get(f"/tasks/{task.id}").text


def test_advice_is_only_for_those_who_may_work_on_the_task(network, login):
    task = at_closure_review()
    assert login("police").post(f"/tasks/{task.id}/advice",
                                data=ticked(*CRITERIA)).status_code == 404
    register()
    other = only_task("coordinator", "register_signal")  # a task that asks no advice
    client = login("coordinator")
    assert client.post(f"/tasks/{other.id}/advice").status_code == 404
    assert "Advice from the decision table" not in client.get(f"/tasks/{other.id}").text
