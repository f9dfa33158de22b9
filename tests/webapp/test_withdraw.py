"""Withdrawing a seat at the table or a share: from that moment the organisation's members no
longer see it, and the audit trail keeps the grant and the withdrawal."""

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import AuditEvent, Contribution, Involvement, Organisation, SharedItem
from webapp.services import involvement

from . import security_helpers as fixtures
from .helpers import actor, complete, example

one_user_per_request, people, two_cases = (
    fixtures.one_user_per_request, fixtures.people, fixtures.two_cases)


def _involvement(case, org_code: str, reason: str) -> Involvement | None:
    org = db.session.scalar(select(Organisation).where(Organisation.code == org_code))
    return db.session.scalar(select(Involvement).where(
        Involvement.case_id == case.id, Involvement.organisation_id == org.id,
        Involvement.reason == reason))


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _audit_count() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


def test_a_withdrawn_seat_closes_the_case_to_the_representative(app, two_cases, login):
    case_a, _ = two_cases
    involvement.grant_seat(actor("coordinator"), case_a, "school")
    db.session.commit()
    school_rep = login("school_rep")
    assert school_rep.get(f"/cases/{case_a.code}").status_code == 200
    assert school_rep.get(f"/shared/{case_a.code}").status_code == 200
    assert case_a.code in school_rep.get("/shared/").text
    audit_before = _audit_count()

    coordinator = login("coordinator")
    page = coordinator.get(f"/cases/{case_a.code}/sharing").text
    assert "Withdraw the seat of School" in page
    seat = _involvement(case_a, "school", "table")
    response = coordinator.post(
        f"/cases/{case_a.code}/sharing/seats/{seat.id}/withdraw", follow_redirects=True)
    assert response.status_code == 200
    assert "Withdrawn: School no longer has a seat at the table" in response.text
    assert "no longer sees the case at all" in response.text
    assert "Withdraw the seat of School" not in response.text

    db.session.expire_all()
    assert _involvement(case_a, "school", "table") is None
    for url in (f"/cases/{case_a.code}", f"/shared/{case_a.code}",
                f"/cases/{case_a.code}/diagram.bpmn"):
        assert school_rep.get(url).status_code == 404, url
    assert school_rep.post(f"/cases/{case_a.code}/comments",
                           data={"body": "still here?"}).status_code == 404
    assert case_a.code not in school_rep.get("/shared/").text

    withdrawn = _events("seat_withdrawn")
    assert len(withdrawn) == 1
    event = withdrawn[0]
    assert event.case_id == case_a.id and event.detail["organisation"] == "School"
    assert event.user.username == "coordinator" and event.detail["still_involved"] is False
    assert _events("seat_granted"), "the grant stays in the audit trail"
    assert _audit_count() > audit_before
    trail = coordinator.get(f"/audit/cases/{case_a.code}").text
    assert "withdrew a seat at the table" in trail


def test_a_withdrawn_note_disappears_from_the_partner_view(app, two_cases, login):
    case_a, _ = two_cases
    coordinator = login("coordinator")
    coordinator.post(f"/cases/{case_a.code}/sharing/share",
                     data={"share-organisation": "police", "share-contribution": "",
                           "share-note": "POLICE-ONLY-NOTE"})
    police = login("police")
    assert "POLICE-ONLY-NOTE" in police.get(f"/shared/{case_a.code}").text
    item = db.session.scalar(select(SharedItem).where(SharedItem.note == "POLICE-ONLY-NOTE"))

    response = coordinator.post(
        f"/cases/{case_a.code}/sharing/shared/{item.id}/withdraw", follow_redirects=True)
    assert "Withdrawn: Police no longer sees a note." in response.text

    view = police.get(f"/shared/{case_a.code}")
    assert view.status_code == 200  # still involved through its task
    assert "POLICE-ONLY-NOTE" not in view.text
    event = _events("share_withdrawn")[-1]
    assert event.case_id == case_a.id and event.user.username == "coordinator"
    assert event.detail["organisation"] == "Police" and event.detail["note"] is True
    assert "POLICE-ONLY-NOTE" not in str(event.detail)  # no case content in the audit trail
    assert _events("shared"), "the share stays in the audit trail"


def test_a_withdrawn_contribution_can_no_longer_be_read(app, two_cases, login):
    case_a, _ = two_cases
    complete("social", "answer_information_request",
             example("information-answer", risk_factors="SOCIAL-KNOWS",
                     covered_by_professional_secrecy=False))
    contribution = db.session.scalar(select(Contribution).where(
        Contribution.spec_name == "answer_information_request"))
    item = involvement.share(actor("coordinator"), case_a, "police",
                             contribution_id=contribution.id)
    db.session.commit()
    police = login("police")
    assert "SOCIAL-KNOWS" in police.get(f"/shared/{case_a.code}").text

    login("coordinator").post(f"/cases/{case_a.code}/sharing/shared/{item.id}/withdraw")
    assert "SOCIAL-KNOWS" not in police.get(f"/shared/{case_a.code}").text
    assert _events("share_withdrawn")[-1].detail["contribution_id"] == contribution.id


def test_withdrawing_a_seat_takes_what_only_the_seat_allowed(app, two_cases, login):
    """Police keep their task; a contribution under professional secrecy shared with them
    while they had the seat goes with it, an ordinary note stays."""
    case_a, _ = two_cases
    complete("social", "answer_information_request",
             example("information-answer", risk_factors="SOCIAL-SECRET",
                     covered_by_professional_secrecy=True))
    secret = db.session.scalar(select(Contribution).where(Contribution.professional_secrecy))
    coordinator = actor("coordinator")
    involvement.share(coordinator, case_a, "police", contribution_id=secret.id)
    involvement.share(coordinator, case_a, "police", note="KEEP-THIS-NOTE")
    db.session.commit()
    police_rep = login("police_rep")
    assert "SOCIAL-SECRET" in police_rep.get(f"/cases/{case_a.code}").text

    seat = _involvement(case_a, "police", "table")
    response = login("coordinator").post(
        f"/cases/{case_a.code}/sharing/seats/{seat.id}/withdraw", follow_redirects=True)
    assert "it still sees its own tasks and answers" in response.text
    assert "One shared item that needed the seat was withdrawn" in response.text

    assert police_rep.get(f"/cases/{case_a.code}").status_code == 403  # involved: may know
    view = police_rep.get(f"/shared/{case_a.code}").text
    assert "SOCIAL-SECRET" not in view and "KEEP-THIS-NOTE" in view
    assert "SOCIAL-SECRET" not in login("police").get(f"/shared/{case_a.code}").text
    cascaded = _events("share_withdrawn")
    assert [e.detail["because"] for e in cascaded] == ["seat withdrawn"]


def test_a_task_involvement_is_not_withdrawable(app, two_cases, login):
    case_a, _ = two_cases
    coordinator = login("coordinator")
    page = coordinator.get(f"/cases/{case_a.code}/sharing").text
    assert "An involvement through a task or through the signal" in page
    assert "Withdraw the seat of Social services" not in page
    task = _involvement(case_a, "social", "task")
    response = coordinator.post(
        f"/cases/{case_a.code}/sharing/seats/{task.id}/withdraw", follow_redirects=True)
    assert "Social services is involved through its task" in response.text
    assert "Only a seat at the table can be withdrawn." in response.text
    db.session.expire_all()
    assert _involvement(case_a, "social", "task") is not None
    assert not _events("seat_withdrawn")


def test_unknown_or_foreign_items_are_404_and_others_may_not(app, two_cases, login):
    case_a, case_b = two_cases
    seat = _involvement(case_a, "police", "table")
    item = involvement.share(actor("coordinator"), case_a, "police", note="A NOTE")
    db.session.commit()
    coordinator = login("coordinator")
    base_b = f"/cases/{case_b.code}/sharing"
    assert coordinator.post(f"{base_b}/seats/{seat.id}/withdraw").status_code == 404
    assert coordinator.post(f"{base_b}/shared/{item.id}/withdraw").status_code == 404
    base_a = f"/cases/{case_a.code}/sharing"
    assert coordinator.post(f"{base_a}/seats/99999/withdraw").status_code == 404
    assert coordinator.post(f"{base_a}/shared/99999/withdraw").status_code == 404
    for who in ("police", "police_rep"):
        client = login(who)
        assert client.post(f"{base_a}/seats/{seat.id}/withdraw").status_code == 403
        assert client.post(f"{base_a}/shared/{item.id}/withdraw").status_code == 403
    assert coordinator.get(f"{base_a}/seats/{seat.id}/withdraw").status_code == 405
    db.session.expire_all()
    assert _involvement(case_a, "police", "table") is not None
    assert db.session.get(SharedItem, item.id) is not None
    assert not _events("seat_withdrawn") and not _events("share_withdrawn")
