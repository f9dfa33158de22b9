"""Identity on a need-to-know basis, the whole story through the web: the coordinator asks the
police (name and date of birth) and social services (name only), each its own question; each
sees exactly that, the school (not asked) nothing; the audit trail and the subject-access
export list both disclosures; withdrawing the police's identity hides it at once."""

import json

import pytest
from flask import g
from sqlalchemy import func, select

from webapp.auth.reauth import SESSION_KEY
from webapp.extensions import db
from webapp.models import AuditEvent, Case, Disclosure, utcnow
from webapp.services import involvement, signals

from .helpers import actor, example, only_task
from .test_scenarios import formdata

NAME, BORN, ADDRESS = "Robin Zeeman", "2009-05-17", "Kastanjelaan 4, Testdorp"
POLICE_Q = "Has the police had contact with him since the summer?"
SOCIAL_Q = "Is the family known to your service, and is support in place?"


class Web:
    """Logged-in clients, one per person, with a fresh password for the exports."""

    def __init__(self, login):
        self.login, self.clients = login, {}

    def __call__(self, username):
        g.pop("_login_user", None)
        if username not in self.clients:
            client = self.login(username)
            with client.session_transaction() as session:
                session[SESSION_KEY] = utcnow().timestamp()
            self.clients[username] = client
            g.pop("_login_user", None)
        return self.clients[username]

    def submit(self, username, spec_name, data):
        task = only_task(username, spec_name)
        response = self(username).post(f"/tasks/{task.id}",
                                       data={**formdata(data), "action": "complete"})
        assert response.status_code == 302, response.text[:2000]
        db.session.expire_all()


@pytest.fixture
def web(network, login):
    return Web(login)


def ask_police_and_social(web) -> Case:
    response = web("coordinator").post("/cases/new", data={
        "full_name": NAME, "date_of_birth": BORN, "address": ADDRESS})
    assert response.status_code == 302
    case = db.session.scalar(select(Case).order_by(Case.id.desc()))
    web.submit("coordinator", "register_signal", example("register-signal"))
    web.submit("coordinator", "confirm_intake_decision",
               example("intake-decision", intake_decision="multi_agency"))
    web.submit("coordinator", "request_information", example("request-information", partners=[
        {"organisation": "police", "question": POLICE_Q,
         "identifiers": ["name", "date_of_birth"], "purpose": "to check police records"},
        {"organisation": "social", "question": SOCIAL_Q,
         "identifiers": ["name"], "purpose": "to check the family file"},
    ], context="Absent from school since October."))
    return case


def test_each_partner_sees_its_own_question_and_only_the_identifiers_it_was_told(web):
    case = ask_police_and_social(web)
    police = web("police").get(f"/tasks/{only_task('police', 'answer_information_request').id}")
    assert POLICE_Q in police.text and SOCIAL_Q not in police.text
    assert NAME in police.text and "17 May 2009" not in police.text and BORN in police.text
    assert ADDRESS not in police.text
    assert "Absent from school since October." in police.text  # the shared context
    assert "to check police records" in police.text
    social = web("social").get(f"/tasks/{only_task('social', 'answer_information_request').id}")
    assert SOCIAL_Q in social.text and POLICE_Q not in social.text
    assert NAME in social.text and BORN not in social.text and ADDRESS not in social.text
    # the school was not asked: it does not know the case exists
    school = web("school")
    assert case.code not in school.get("/").text and case.code not in school.get("/shared/").text
    assert school.get(f"/shared/{case.code}").status_code == 404
    for username in ("police", "social"):
        task = only_task(username, "answer_information_request")
        assert school.get(f"/tasks/{task.id}").status_code == 404
    # lists, inboxes and URLs stay pseudonymous, also for those who were told
    for username in ("police", "social"):
        for url in ("/", "/shared/"):
            assert NAME not in web(username).get(url).text, (username, url)
    # the process data holds the choice of identifiers, never the person's details
    state = db.session.get(Case, case.id).state
    assert NAME not in state and BORN not in state and ADDRESS not in state
    assert '"date_of_birth"' in state


def test_the_partner_view_keeps_the_question_and_the_identity_after_answering(web):
    case = ask_police_and_social(web)
    web.submit("police", "answer_information_request",
               example("information-answer", risk_factors="Two contacts in October."))
    view = web("police").get(f"/shared/{case.code}").text
    assert "Two contacts in October." in view and POLICE_Q in view
    assert SOCIAL_Q not in view
    assert NAME in view and BORN in view and ADDRESS not in view
    social = web("social").get(f"/shared/{case.code}").text
    assert NAME in social and BORN not in social and "Two contacts in October." not in social


def test_the_audit_and_the_subject_access_export_list_both_disclosures_in_words(web):
    case = ask_police_and_social(web)
    web("police").get(f"/tasks/{only_task('police', 'answer_information_request').id}")
    access = web("coordinator").get(f"/audit/cases/{case.code}").text
    assert "told Police the person&#39;s name and date of birth" in access
    assert "told Social services the person&#39;s name" in access
    assert "saw the person&#39;s name and date of birth" in access
    assert "for: information request (why: to check police records)" in access
    csv = web("coordinator").get(f"/audit/cases/{case.code}/access.csv").text
    assert NAME not in csv and BORN not in csv
    export = json.loads(web("coordinator").get(f"/cases/{case.code}/person/export.json").text)
    (record,) = export["cases"]
    told = {d["organisation"]: d for d in record["identity_disclosed_to"]}
    assert told["Police"]["identifiers"] == ["name", "date of birth"]
    assert told["Police"]["for"] == "information request"
    assert told["Police"]["purpose"] == "to check police records"
    assert told["Police"]["disclosed_by"] == "Coordinator" and told["Police"]["disclosed_at"]
    assert told["Social services"]["identifiers"] == ["name"]
    assert any(a["what"].startswith("saw the person's name and date of birth")
               and a["organisation"] == "Police" for a in record["accessed_by"])


def test_withdrawing_the_identity_hides_it_from_the_police_at_once(web):
    case = ask_police_and_social(web)
    task = only_task("police", "answer_information_request")
    assert NAME in web("police").get(f"/tasks/{task.id}").text
    page = web("coordinator").get(f"/cases/{case.code}/sharing").text
    assert "Withdraw the identity from Police" in page
    police_disclosure = db.session.scalar(
        select(Disclosure).where(Disclosure.case_id == case.id).order_by(Disclosure.id))
    done = web("coordinator").post(
        f"/cases/{case.code}/sharing/identity/{police_disclosure.id}/withdraw",
        follow_redirects=True)
    assert "Police no longer sees the person&#39;s name and date of birth" in done.text
    page = web("police").get(f"/tasks/{task.id}").text
    assert NAME not in page and BORN not in page
    assert POLICE_Q in page  # its task stays: only the identity went
    assert "has not told your organisation who this case is about" in page
    assert NAME not in web("police").get(f"/shared/{case.code}").text
    assert NAME in web("social").get(f"/shared/{case.code}").text  # social's still stands
    again = web("coordinator").post(
        f"/cases/{case.code}/sharing/identity/{police_disclosure.id}/withdraw",
        follow_redirects=True)
    assert "was withdrawn already" in again.text
    export = json.loads(web("coordinator").get(f"/cases/{case.code}/person/export.json").text)
    police = [d for d in export["cases"][0]["identity_disclosed_to"]
              if d["organisation"] == "Police"]
    assert police[0]["withdrawn_at"]  # it was disclosed, and is still listed
    access = web("coordinator").get(f"/audit/cases/{case.code}").text
    assert "withdrew the person&#39;s name and date of birth from Police" in access


def test_a_seat_gives_no_identity_and_views_without_identity_are_not_audited_as_such(web):
    case = ask_police_and_social(web)
    involvement.grant_seat(actor("coordinator"), case, "school")
    db.session.commit()
    assert web("school").get(f"/shared/{case.code}").status_code == 200
    assert NAME not in web("school").get(f"/shared/{case.code}").text
    seen = db.session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.action == "identity_viewed")).all()
    assert seen == []


def test_the_organisation_that_only_signalled_learns_nothing_back(web):
    signal = example("register-signal")
    case = signals.submit_signal(actor("school"), signal, full_name=NAME, date_of_birth=BORN)
    db.session.commit()
    intake = only_task("coordinator", "confirm_intake_decision")
    assert intake.case_id == case.id
    web.submit("coordinator", "confirm_intake_decision",
               example("intake-decision", intake_decision="multi_agency"))
    web.submit("coordinator", "request_information", example("request-information", partners=[
        {"organisation": "police", "question": POLICE_Q, "identifiers": ["name"],
         "purpose": "to check police records"}]))
    school = web("school").get(f"/shared/{case.code}")
    assert school.status_code == 200 and NAME not in school.text and BORN not in school.text
    assert NAME in web("police").get(f"/shared/{case.code}").text


def test_nothing_is_told_when_no_identifier_is_ticked(web):
    response = web("coordinator").post("/cases/new", data={"full_name": NAME})
    assert response.status_code == 302
    web.submit("coordinator", "register_signal", example("register-signal"))
    web.submit("coordinator", "confirm_intake_decision",
               example("intake-decision", intake_decision="multi_agency"))
    web.submit("coordinator", "request_information", example("request-information", partners=[
        {"organisation": "police", "question": POLICE_Q, "identifiers": []}]))
    assert db.session.scalar(select(func.count(Disclosure.id))) == 0
    page = web("police").get(f"/tasks/{only_task('police', 'answer_information_request').id}")
    assert NAME not in page.text and POLICE_Q in page.text


def test_a_purpose_is_required_when_identifiers_go_with_a_request(web):
    web("coordinator").post("/cases/new", data={"full_name": NAME})
    web.submit("coordinator", "register_signal", example("register-signal"))
    web.submit("coordinator", "confirm_intake_decision",
               example("intake-decision", intake_decision="multi_agency"))
    task = only_task("coordinator", "request_information")
    data = example("request-information", partners=[
        {"organisation": "police", "question": POLICE_Q, "identifiers": ["name"]}])
    response = web("coordinator").post(f"/tasks/{task.id}",
                                       data={**formdata(data), "action": "complete"})
    assert response.status_code == 422
    assert "This field is required." in response.text
    assert db.session.scalar(select(func.count(Disclosure.id))) == 0


def test_no_identity_once_the_case_has_ended(web):
    case = ask_police_and_social(web)
    assert NAME in web("police").get(f"/shared/{case.code}").text
    db.session.get(Case, case.id).status = "closed"
    db.session.commit()
    assert NAME not in web("police").get(f"/shared/{case.code}").text


def test_an_action_owner_is_told_what_its_row_says_and_reports_progress(web):
    case = ask_police_and_social(web)
    web.submit("police", "answer_information_request", example("information-answer"))
    web.submit("social", "answer_information_request",
               example("information-answer", nothing_to_share=True))
    web.submit("coordinator", "case_consultation", example("case-consultation"))
    web.submit("coordinator", "agree_action_plan", example("action-plan"))
    school = web("school").get(f"/tasks/{only_task('school', 'carry_out_action').id}").text
    assert NAME in school and BORN in school and ADDRESS not in school
    social = web("social").get(f"/tasks/{only_task('social', 'carry_out_action').id}").text
    assert NAME in social and ADDRESS in social and BORN not in social  # its row said so
    web.submit("school", "carry_out_action",
               example("action-report", status="under_way", note="First talk held."))
    progress = only_task("school", "report_action_progress")
    page = web("school").get(f"/tasks/{progress.id}").text
    assert "First talk held." in page and NAME in page  # the disclosure stands
    web.submit("school", "report_action_progress",
               example("action-report", note="Parents agreed to a mentor."))
    view = web("school").get(f"/shared/{case.code}").text
    assert "First talk held." in view and "Parents agreed to a mentor." in view
    told = db.session.scalars(select(Disclosure).where(
        Disclosure.case_id == case.id).order_by(Disclosure.id)).all()
    assert [(d.organisation.code, d.what_for, d.identifiers) for d in told] == [
        ("police", "information request", ["name", "date_of_birth"]),
        ("social", "information request", ["name"]),
        ("school", "agreed action", ["name", "date_of_birth"]),
        ("social", "agreed action", ["name", "address"]),
    ]
