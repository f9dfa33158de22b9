"""A front-line worker of a partner organisation reports a signal; the coordinator decides at
intake whether it becomes a case. The partner sees its own report and nothing else."""

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, Case, CaseSubject, Contribution

from .helpers import example, only_task
from .test_scenarios import formdata


def report(client, **overrides):
    data = {**formdata(example("register-signal", **overrides)),
            "person-full_name": "Sam Example", "person-date_of_birth": "2009-04-01"}
    return client.post("/signals/new", data=data)


def test_a_partner_reports_a_signal_and_the_coordinator_decides(network, login):
    police = login("police")
    page = police.get("/signals/new")
    assert page.status_code == 200
    assert "Report a signal" in page.text
    assert 'value="Police"' in page.text  # the signaller's organisation is filled in

    response = report(police)
    assert response.status_code == 302
    case = db.session.scalar(select(Case))
    assert response.headers["Location"].endswith(f"/shared/{case.code}")
    assert case.status == "open" and case.coordinator_id is None
    assert db.session.get(CaseSubject, case.id).full_name == "Sam Example"

    # The partner sees its own report and the case code, not the person or the case file.
    own = police.get(f"/shared/{case.code}")
    assert own.status_code == 200 and "Register signal" in own.text
    assert "Sam Example" not in own.text
    assert police.get(f"/cases/{case.code}").status_code in (403, 404)
    assert case.code in police.get("/shared/").text
    # Another partner has nothing to do with it.
    assert login("school").get(f"/shared/{case.code}").status_code == 404

    # The coordinator finds the intake decision in the inbox, with the partner's report.
    task = only_task("coordinator", "confirm_intake_decision")
    coordinator = login("coordinator")
    page = coordinator.get(f"/tasks/{task.id}")
    assert "Police" in page.text and "Frequently absent" in page.text
    response = coordinator.post(f"/tasks/{task.id}", data={
        **formdata(example("intake-decision", intake_decision="out_of_scope",
                           intake_reasoning="Nothing that calls for the network.")),
        "action": "complete"})
    assert response.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.status == "closed" and case.outcome == "out_of_scope"
    assert case.coordinator.username == "coordinator"

    signal = db.session.scalar(
        select(Contribution).where(Contribution.spec_name == "register_signal"))
    assert signal.organisation.code == "police" and signal.task_id is None
    events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case.id))
    assert "signal_submitted" in set(events)


def test_a_signal_with_missing_answers_is_refused_and_kept(network, login):
    police = login("police")
    response = report(police, signal_description="")
    assert response.status_code == 422
    assert "Nothing was sent yet" in response.text
    assert "Sam Example" in response.text  # what was typed is kept
    assert db.session.scalar(select(Case)) is None


def test_only_partners_report_signals(network, login):
    for username in ("coordinator", "owner", "admin"):
        assert login(username).get("/signals/new").status_code == 403
    assert "Report a signal" in login("social").get("/inbox/").text
