"""The person's rights: everything held on them in one export (and nothing of other cases),
rectification and erasure by a coordinator, each audited without copying personal data."""

import json

from sqlalchemy import select

from webapp.auth.reauth import SESSION_KEY
from webapp.extensions import db
from webapp.models import AuditEvent, Case, CaseSubject, utcnow
from webapp.services import subject_access

from . import security_helpers as fixtures
from .helpers import actor, complete, example, register
from .security_helpers import PERSON_A, PERSON_B

one_user_per_request, people, two_cases = (
    fixtures.one_user_per_request, fixtures.people, fixtures.two_cases)


def _fresh(client):
    with client.session_transaction() as session:
        session[SESSION_KEY] = utcnow().timestamp()
    return client


def _answer(username, text, secret=False):
    complete(username, "answer_information_request",
             example("information-answer", risk_factors=text,
                     covered_by_professional_secrecy=secret))


def test_the_export_holds_the_person_and_nothing_of_other_cases(app, two_cases, login):
    case_a, case_b = two_cases
    _answer("police", "POLICE-KNOWS-A")
    _answer("social", "SOCIAL-SECRET-A", secret=True)
    complete("coordinator", "register_signal",
             example("register-signal", signal_description="SIGNAL-OF-B"))
    login("police").get(f"/shared/{case_a.code}")  # a read that must show up
    login("coordinator").post(f"/cases/{case_a.code}/comments", data={"body": "COMMENT-ON-A"})
    login("coordinator").post(f"/cases/{case_b.code}/comments", data={"body": "COMMENT-ON-B"})

    client = _fresh(login("coordinator"))
    response = client.get(f"/cases/{case_a.code}/person/export.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert PERSON_A not in response.headers["Content-Disposition"]
    export = json.loads(response.text)
    text = response.text
    assert [c["case_code"] for c in export["cases"]] == [case_a.code]
    person = export["cases"][0]["person"]
    assert person == {"full_name": PERSON_A, "date_of_birth": "2008-04-01",
                      "address": "Lindenstraat 1, Testtown"}
    assert "POLICE-KNOWS-A" in text and "COMMENT-ON-A" in text
    assert "SOCIAL-SECRET-A" not in text  # professional secrecy: withheld, but counted
    assert export["cases"][0]["withheld_under_professional_secrecy"] == 1
    assert any(a["who"] == "Police" for a in export["cases"][0]["accessed_by"])
    for other in (case_b.code, PERSON_B, "SIGNAL-OF-B", "Eikenlaan", "COMMENT-ON-B"):
        assert other not in text
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "subject_access_exported", AuditEvent.case_id == case_a.id))
    assert not db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "subject_access_exported", AuditEvent.case_id == case_b.id))


def test_all_cases_of_the_same_person_are_found_by_name_and_birth_date(app, two_cases, login):
    case_a, _ = two_cases
    again = register(full_name=PERSON_A.upper(), date_of_birth="2008-04-01")
    namesake = register(full_name=PERSON_A, date_of_birth="1990-01-01")
    export = subject_access.export_subject(actor("coordinator"), f"  {PERSON_A} ", "2008-04-01")
    assert [c["case_code"] for c in export["cases"]] == [case_a.code, again.code]
    assert namesake.code not in json.dumps(export)
    client = _fresh(login("coordinator"))
    response = client.post("/subject-access/export",
                           data={"full_name": PERSON_A, "date_of_birth": "1990-01-01"})
    assert [c["case_code"] for c in response.json["cases"]] == [namesake.code]
    none = client.post("/subject-access/export", data={"full_name": "Nobody Known"})
    assert none.status_code == 422 and "No case holds details" in none.text


def test_only_coordinators_export_and_only_after_the_password(app, two_cases, login):
    case_a, _ = two_cases
    for who in ("police", "police_rep", "admin", "auditor", "owner"):
        client = _fresh(login(who))
        knows = who in ("police", "police_rep", "auditor")  # else: as if the case were not there
        assert client.get(f"/cases/{case_a.code}/person/export.json").status_code == (
            403 if knows else 404)
        assert client.post("/subject-access/export",
                           data={"full_name": PERSON_A}).status_code == 403
    coordinator = login("coordinator")
    with coordinator.session_transaction() as session:  # the login was a while ago
        session[SESSION_KEY] -= app.config["REAUTH_MINUTES"] * 60 + 1
    prompt = coordinator.get(f"/cases/{case_a.code}/person/export.json")
    assert prompt.status_code == 302 and "/reauth" in prompt.headers["Location"]


def test_rectification_is_audited_without_the_values(app, two_cases, login):
    case_a, _ = two_cases
    client = login("coordinator")
    page = client.get(f"/cases/{case_a.code}/person")
    assert PERSON_A in page.text
    response = client.post(f"/cases/{case_a.code}/person", data={
        "full_name": PERSON_A, "date_of_birth": "2008-04-01",
        "address": "Beukenweg 5, Newtown", "reason": "The person moved (their request)",
    }, follow_redirects=True)
    assert "Corrected: address." in response.text
    assert db.session.get(CaseSubject, case_a.id).address == "Beukenweg 5, Newtown"
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "subject_rectified"))
    assert event.detail["fields"] == ["address"]
    assert "Beukenweg" not in json.dumps(event.detail) and "Lindenstraat" not in json.dumps(
        event.detail)
    no_reason = client.post(f"/cases/{case_a.code}/person", data={"full_name": "X"})
    assert no_reason.status_code == 422
    assert login("police").post(f"/cases/{case_a.code}/person",
                                data={"full_name": "X", "reason": "y"}).status_code == 403


def test_erasure_of_an_open_case_removes_the_person(app, two_cases, login):
    case_a, _ = two_cases
    client = login("coordinator")
    response = client.post(f"/cases/{case_a.code}/person/erase",
                           data={"reason": "Request of the person"}, follow_redirects=True)
    assert "erased" in response.text
    assert db.session.get(CaseSubject, case_a.id) is None
    assert PERSON_A not in client.get(f"/cases/{case_a.code}").text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "subject_erased"))
    assert event.detail["reason"] == "Request of the person"
    assert db.session.get(Case, case_a.id).anonymised_at is None  # open: free text stays


def test_erasure_of_a_closed_case_leaves_only_statistics(app, network, login):
    from .test_retention import REASONING, closed_case

    case = closed_case()
    login("coordinator").post(f"/cases/{case.code}/person/erase", data={"reason": "Art. 17"})
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.anonymised_at is not None and REASONING not in case.state
    assert db.session.get(CaseSubject, case.id) is None


def _recorded(export: dict, step: str) -> dict:
    """The fields of the first contribution of `step`, by field key."""
    found = next(r for r in export["cases"][0]["recorded"] if r["step"] == step)
    return {f["field"]: f for f in found["data"]}


def test_the_export_reads_as_the_forms_showed_it(app, two_cases, login):
    """Labels and field titles, not the stored codes: the person reads their own data."""
    case_a, _ = two_cases
    response = _fresh(login("coordinator")).get(f"/cases/{case_a.code}/person/export.json")
    export, text = json.loads(response.text), response.text
    assert "School or work drop-out" in text and "school_or_work_drop_out" not in text
    assert "Take to the multi-agency table" in text and "multi_agency" not in text
    signal = _recorded(export, "Register signal")
    assert signal["observed_concerns"]["title"] == "Observed concerns"
    assert signal["observed_concerns"]["value"] == [
        "School or work drop-out", "Social isolation", "Worrying online contacts"]
    assert signal["immediate_danger"]["value"] is False  # yes/no answers stay as they are
    request = _recorded(export, "Request information")
    rows = [{f["field"]: f["value"] for f in row} for row in request["partners"]["value"]]
    assert [r["organisation"] for r in rows] == ["Police", "Social services"]  # names, not codes
    assert rows[0]["identifiers"] == ["Name", "Date of birth"]


def test_a_withdrawn_share_is_still_listed_as_disclosed(app, two_cases, login):
    """The person has a right to know who received their data, also when it was taken back."""
    from webapp.services import involvement

    case_a, _ = two_cases
    item = involvement.share(actor("coordinator"), case_a, "police", note="NOTE-FOR-POLICE")
    involvement.share(actor("coordinator"), case_a, "social", note="NOTE-FOR-SOCIAL")
    db.session.commit()
    login("coordinator").post(f"/cases/{case_a.code}/sharing/shared/{item.id}/withdraw")
    export = subject_access.export_subject(actor("coordinator"), PERSON_A)
    shared = export["cases"][0]["shared_with_organisations"]
    assert [(s["organisation"], s["withdrawn_at"] is not None) for s in shared] == [
        ("Social services", False), ("Police", True)]
    assert "NOTE-FOR-POLICE" not in json.dumps(export)
