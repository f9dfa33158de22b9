"""Four eyes in the inbox (greyed for the person who may not complete it, with who may), the
next task on the same case after completing one, and changing the responsible coordinator."""

import re

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, Case, Task, User

from .helpers import complete, example, register, requests_for, to_consultation
from .security_helpers import one_user_per_request  # noqa: F401 - autouse fixture
from .test_scenarios import formdata


def to_closure_review():
    case = to_consultation(("police", "social"))
    complete("police", "answer_information_request", example("information-answer"))
    complete("social", "answer_information_request", example("information-answer"))
    complete("coordinator", "case_consultation",
             example("case-consultation", next_step="closure_review"))
    return case


def row_of(html: str, task_id: int) -> str:
    return next(r for r in re.findall(r"<tr.*?</tr>", html, re.S) if f'/tasks/{task_id}"' in r)


def test_the_second_pair_of_eyes_step_is_greyed_for_who_did_the_first(network, login):
    case = to_closure_review()
    coordinator = login("coordinator")
    review = db.session.scalar(select(Task).where(Task.case_id == case.id))
    response = coordinator.post(f"/tasks/{review.id}",
                                data=formdata(example("closure-review")))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")  # not to the approval: not theirs
    approval = db.session.scalar(select(Task).where(Task.case_id == case.id))
    assert approval.spec_name == "approve_closure"
    assert approval.four_eyes_user_id == network["coordinator"].id

    mine = row_of(coordinator.get("/").text, approval.id)
    assert "task-four-eyes" in mine and "someone else completes it" in mine
    assert "Who may: Coordinator2." in mine and "Claim" not in mine
    theirs = row_of(login("coordinator2").get("/").text, approval.id)
    assert "task-four-eyes" not in theirs and "Claim" in theirs

    page = coordinator.get(f"/tasks/{approval.id}").text
    assert "Four eyes" in page and "Submit and complete task" not in page
    assert coordinator.post(f"/tasks/{approval.id}/claim").status_code == 403
    handed = login("coordinator2").post(
        f"/tasks/{approval.id}/reassign",
        data={"user_id": network["coordinator"].id}, follow_redirects=True)
    assert "a second person must complete it (four eyes)" in handed.text
    refused = coordinator.post(f"/tasks/{approval.id}",
                               data=formdata(example("closure-approval")))
    assert refused.status_code == 403
    assert db.session.get(Task, approval.id) is not None

    done = login("coordinator2").post(f"/tasks/{approval.id}",
                                      data=formdata(example("closure-approval")))
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "aftercare"


def test_after_a_task_the_coordinator_goes_to_the_next_one_on_the_case(network, login):
    coordinator = login("coordinator")
    response = coordinator.post("/cases/new", data={"full_name": "Alex Doe"})
    case = db.session.scalar(select(Case).order_by(Case.id.desc()))
    signal = db.session.scalar(select(Task).where(Task.case_id == case.id))
    assert response.headers["Location"].endswith(f"/tasks/{signal.id}")
    other = register()  # another case's task stays in the inbox meanwhile

    done = coordinator.post(f"/tasks/{signal.id}", data=formdata(example("register-signal")))
    intake = db.session.scalar(select(Task).where(Task.case_id == case.id))
    assert done.headers["Location"].endswith(f"/tasks/{intake.id}")
    page = coordinator.get(done.headers["Location"]).text
    assert f"“Register signal” for case {case.code} is done. Next for you on this case: " \
           "“Confirm intake decision”." in page

    done = coordinator.post(f"/tasks/{intake.id}", data=formdata(example(
        "intake-decision", intake_decision="multi_agency")))
    request = db.session.scalar(select(Task).where(Task.case_id == case.id))
    assert done.headers["Location"].endswith(f"/tasks/{request.id}")
    done = coordinator.post(f"/tasks/{request.id}",
                            data=formdata(example("request-information",
                                                  partners=requests_for("police"))))
    assert done.headers["Location"].endswith("/")  # only the police's task is left: the inbox
    assert other.code in coordinator.get("/").text


def test_a_task_a_colleague_claimed_is_not_next(network, login):
    coordinator, colleague = login("coordinator"), login("coordinator2")
    case = register()
    complete("coordinator", "register_signal", example("register-signal"))
    intake = db.session.scalar(select(Task).where(Task.case_id == case.id))
    colleague.post(f"/tasks/{intake.id}/claim")
    second = register()
    signal = db.session.scalar(select(Task).where(Task.case_id == second.id))
    done = coordinator.post(f"/tasks/{signal.id}", data=formdata(example("register-signal")))
    mine = db.session.scalar(select(Task).where(Task.case_id == second.id))
    assert done.headers["Location"].endswith(f"/tasks/{mine.id}")  # its own case's next step
    assert f"/tasks/{intake.id}" not in done.headers["Location"]


def test_a_partner_with_two_actions_goes_from_one_to_the_other(network, login):
    case = to_consultation(("police",))
    complete("police", "answer_information_request", example("information-answer"))
    complete("coordinator", "case_consultation", example("case-consultation"))
    plan = example("action-plan")
    for action in plan["actions"]:
        action["organisation"] = "police"
    complete("coordinator", "agree_action_plan", plan)
    first, second = db.session.scalars(
        select(Task).where(Task.case_id == case.id, Task.spec_name == "carry_out_action")
        .order_by(Task.due_at)).all()
    done = login("police").post(f"/tasks/{first.id}", data=formdata(example("action-report")))
    assert done.headers["Location"].endswith(f"/tasks/{second.id}")


def test_change_the_responsible_coordinator(network, login):
    case = register()
    coordinator = login("coordinator")
    page = coordinator.get(f"/cases/{case.code}").text
    assert "Change the responsible coordinator" in page
    choices = re.findall(r'<option value="(\d+)"', page.split('id="coordinator-choice"')[1]
                         .split("</select>")[0])
    assert sorted(map(int, choices)) == sorted([network["coordinator"].id,
                                                network["coordinator2"].id])
    current = str(network["coordinator"].id)
    response = coordinator.post(f"/cases/{case.code}/coordinator",
                                data={"user_id": network["coordinator2"].id, "current": current},
                                follow_redirects=True)
    assert "Coordinator2 is now the responsible coordinator" in response.text
    db.session.expire_all()
    assert db.session.get(Case, case.id).coordinator_id == network["coordinator2"].id
    (event,) = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "coordinator_changed"))
    assert event.detail == {"to": network["coordinator2"].id,
                            "previous": network["coordinator"].id}
    assert "Responsible coordinator changed" in coordinator.get(f"/cases/{case.code}").text

    # someone who still saw the old coordinator: told, nothing changed
    stale = login("coordinator2").post(
        f"/cases/{case.code}/coordinator",
        data={"user_id": network["coordinator"].id, "current": current}, follow_redirects=True)
    assert "changed the responsible coordinator of case" in stale.text
    assert "it is now Coordinator2" in stale.text
    police = db.session.scalar(select(User).where(User.username == "police"))
    wrong = coordinator.post(f"/cases/{case.code}/coordinator",
                             data={"user_id": police.id,
                                   "current": str(network["coordinator2"].id)},
                             follow_redirects=True)
    assert "Choose an active coordinator." in wrong.text
    for value in ("99999999999999999999", "-1"):
        odd = coordinator.post(f"/cases/{case.code}/coordinator",
                               data={"user_id": value, "current": value},
                               follow_redirects=True)
        assert odd.status_code == 200 and "Choose an active coordinator." in odd.text
    nul = coordinator.post(f"/cases/{case.code}/coordinator",
                           data={"user_id": "x\x00", "current": "x\x00"})
    assert nul.status_code == 422 and "NUL character" in nul.text  # refused at the edge
    db.session.expire_all()
    assert db.session.get(Case, case.id).coordinator_id == network["coordinator2"].id
