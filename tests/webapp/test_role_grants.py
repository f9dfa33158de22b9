"""Roles that let someone read cases take a second person: an administrator asks, a
coordinator confirms; nobody confirms their own request; a grant nobody uses is shown.
(Issue 14's security probe.)"""

from sqlalchemy import func, select

from tests.conftest import PASSWORD
from webapp.extensions import db
from webapp.models import AuditEvent, Membership, RoleGrant, User
from webapp.services import accounts, role_grants
from webapp.services.audit import Actor

from .helpers import register


def test_an_administrator_cannot_give_case_access_alone(app, network, login):
    told = []
    role_grants.GRANT_REQUESTED_LISTENERS.append(told.append)
    try:
        admin = login("admin")
        response = admin.post("/admin/users/new", data={
            "username": "mole", "display_name": "Mole", "password": PASSWORD,
            "organisation": "municipality", "role": "coordinator"}, follow_redirects=True)
    finally:
        role_grants.GRANT_REQUESTED_LISTENERS.remove(told.append)
    assert "takes effect once a coordinator confirms it" in response.text
    assert "waits for a coordinator to confirm it" in response.text
    mole = db.session.scalar(select(User).where(User.username == "mole"))
    assert mole.memberships == [] and [g.role for g in told] == ["coordinator"]
    register()
    mole_client = login("mole")
    assert mole_client.get("/cases/").status_code == 403  # no case access yet

    coordinator = login("coordinator")
    inbox = coordinator.get("/").text
    assert "waits for a coordinator to confirm it" in inbox or "wait for a coordinator" in inbox
    grant = db.session.scalar(select(RoleGrant))
    done = coordinator.post(f"/roles/{grant.id}/confirm", follow_redirects=True)
    assert "is now coordinator for Municipality" in done.text
    db.session.expire_all()
    assert [(m.role, m.organisation.code) for m in mole.memberships] == [
        ("coordinator", "municipality")]
    assert mole_client.get("/cases/").status_code == 200
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("role_grant_%")).order_by(AuditEvent.id)).all()
    assert actions == ["role_grant_requested", "role_grant_confirmed"]


def test_nobody_confirms_a_role_they_asked_for_or_hold(app, network, login):
    accounts.create_user(Actor.system(), "admincoord", "Admin Coordinator", PASSWORD,
                         [("municipality", "admin"), ("municipality", "coordinator")])
    db.session.commit()
    both = login("admincoord")
    both.post("/admin/users/new", data={"username": "newrep", "display_name": "Rep",
                                        "password": PASSWORD, "organisation": "police",
                                        "role": "partner_rep"})
    grant = db.session.scalar(select(RoleGrant))
    refused = both.post(f"/roles/{grant.id}/confirm", follow_redirects=True)
    assert "other than the person who asked" in refused.text
    assert db.session.scalar(select(func.count(Membership.id)).join(User).where(
        User.username == "newrep")) == 0
    login("coordinator2").post(f"/roles/{grant.id}/refuse")
    db.session.expire_all()
    assert db.session.get(RoleGrant, grant.id).status == "refused"
    again = login("coordinator").post(f"/roles/{grant.id}/confirm", follow_redirects=True)
    assert "decided on this request already" in again.text


def test_roles_that_read_no_cases_and_the_command_line_take_effect_at_once(app, network, login):
    login("admin").post("/admin/users/new", data={
        "username": "owner2", "display_name": "Owner", "password": PASSWORD,
        "organisation": "municipality", "role": "process_owner"})
    owner2 = db.session.scalar(select(User).where(User.username == "owner2"))
    assert [m.role for m in owner2.memberships] == ["process_owner"]
    assert db.session.scalar(select(func.count(RoleGrant.id))) == 0


def test_an_unused_role_grant_is_shown_to_the_administrator(app, network, login):
    login("admin").post("/admin/users/new", data={
        "username": "waiting", "display_name": "Waiting", "password": PASSWORD,
        "organisation": "police", "role": "partner"})
    page = login("admin").get("/admin/").text
    assert "Partner · Police — waits for a coordinator to confirm it" in page
