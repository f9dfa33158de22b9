"""Issue 14, Medium and Low: each finding of the security probe and the reliability run,
reproduced from outside and shown fixed."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from tests.conftest import PASSWORD, ROOT
from webapp import create_app
from webapp.auth.reauth import SESSION_KEY
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    Case,
    Contribution,
    Membership,
    RoleGrant,
    TaskDraft,
    User,
    utcnow,
)
from webapp.services import accounts, involvement, role_grants, timers
from webapp.services.audit import Actor

from .helpers import actor, complete, example, only_task, register, to_consultation
from .test_scenarios import formdata

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _fresh(client):
    with client.session_transaction() as session:  # exports ask for the password again
        session[SESSION_KEY] = utcnow().timestamp()
    return client


def _auditor():
    user = accounts.create_user(Actor.system(), "auditor", "Auditor", PASSWORD,
                                [("municipality", "auditor")])
    db.session.commit()
    return user


# --- Medium: open redirect ----------------------------------------------------------------------
EVIL_NEXT = ["/%09/evil.example", "//evil.example/x", "https://evil.example/",
             "/\\evil.example", "/%0D%0AX-Injected:%201", "/%0d/evil.example",
             "\t//evil.example", "/%E2%80%8B/ok"]


def _followed(location: str) -> str:
    assert "evil" not in location and "\t" not in location and "\r" not in location
    return location


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_open_redirect_after_login_is_refused(app, network, target):
    response = app.test_client().post(f"/login?next={target}",
                                      data={"username": "police", "password": PASSWORD})
    assert response.status_code == 302
    assert "X-Injected" not in response.headers
    assert _followed(response.headers["Location"]) in ("/", "/%E2%80%8B/ok")


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_open_redirect_after_reauth_and_inbox_actions_is_refused(network, login, target):
    from urllib.parse import unquote

    police = login("police")
    response = police.post(f"/reauth?next={target}", data={"password": PASSWORD})
    assert response.status_code == 302 and "X-Injected" not in response.headers
    _followed(response.headers["Location"])
    case = to_consultation(("police",))
    task = only_task("police", "answer_information_request")
    for action in ("claim", "release"):
        response = police.post(f"/tasks/{task.id}/{action}", data={"next": unquote(target)})
        assert response.status_code == 302, response.text[:300]
        _followed(response.headers["Location"])
    coordinator = login("coordinator")
    register()
    review = only_task("coordinator", "register_signal")
    response = coordinator.post(f"/tasks/{review.id}/reassign", data={
        "next": unquote(target), "user_id": str(network["coordinator2"].id)})
    assert response.status_code == 302
    _followed(response.headers["Location"])
    assert case.code and only_task("coordinator2", "register_signal").claimed_by_id


def test_same_site_next_is_still_followed(app, network):
    response = app.test_client().post("/login?next=/cases/?page=2",
                                      data={"username": "coordinator", "password": PASSWORD})
    assert response.headers["Location"] == "/cases/?page=2"


# --- Medium: case-reading roles need a second person ---------------------------------------------
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


# --- Medium: refusals on the record, and the auditors' page -------------------------------------
def test_refused_requests_are_recorded_without_flooding(app, network, login):
    police = login("police")
    for _ in range(25):
        assert police.get("/cases/").status_code == 403
    case = register()
    assert police.get(f"/cases/{case.code}").status_code == 404  # not theirs: unknown to them
    assert police.get("/no/such/page").status_code == 404  # a typo is no refusal
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "access_denied")
                              .order_by(AuditEvent.id)).all()
    assert [(r.detail["route"], r.detail["status"], r.detail["count"]) for r in rows] == [
        ("cases.index", 403, 1), ("cases.index", 403, 10), ("cases.show", 404, 1)]
    assert all(r.user_id == network["police"].id for r in rows)

    _auditor()
    page = login("auditor").get("/audit/events?kind=denials").text
    assert "25 refusals of this kind within the hour" in page
    assert "GET /cases/ → 403" in page


def test_auditors_see_events_outside_cases_filtered_and_exported_safely(app, network, login):
    _auditor()
    evil = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        evil.post("/login", data={"username": "police", "password": "=HYPERLINK(x)"},
                  environ_base={"REMOTE_ADDR": "203.0.113.7"})
    evil.post("/login", data={"username": "=cmd|' /C calc'!A0", "password": "x"},
              environ_base={"REMOTE_ADDR": "203.0.113.7"})
    login("admin").post("/admin/users/new", data={
        "username": "newbie", "display_name": "Newbie", "password": PASSWORD,
        "organisation": "police", "role": "partner"})
    auditor = _fresh(login("auditor"))
    everything = auditor.get("/audit/events").text
    for words in ("failed login", "locked out after failed logins", "created a user",
                  "asked for a role to be granted", "published a process version",
                  "logged in"):
        assert f"<td>{words}</td>" in everything, words
    failed = auditor.get("/audit/events?kind=failed&address=203.0.113.7").text
    assert "<td>failed login</td>" in failed and "<td>created a user</td>" not in failed
    by_who = auditor.get("/audit/events?who=admin&kind=accounts").text
    assert "<td>created a user</td>" in by_who and "<td>failed login</td>" not in by_who
    later = (utcnow() + timedelta(days=2)).date().isoformat()
    assert "Nothing recorded" in auditor.get(f"/audit/events?since={later}").text
    export = auditor.get("/audit/events.csv?kind=failed")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    body = export.get_data(as_text=True)
    assert "'=cmd|" in body and '"=cmd' not in body
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "audit_events_exported"))
    assert login("coordinator").get("/audit/events").status_code == 403


# --- Medium: NUL bytes refused at the edge --------------------------------------------------------
def test_nul_bytes_are_refused_at_the_edge_with_the_entry_kept(app, network, login):
    anonymous = app.test_client()
    refused = anonymous.post("/login", data={"username": "pol\x00ice", "password": "x"})
    assert refused.status_code == 422 and "NUL character" in refused.text
    case = to_consultation(("police",))
    task = only_task("police", "answer_information_request")
    police = login("police")
    answer = formdata(example("information-answer",
                              risk_factors="Absent a lot\x00", protective_factors="Football"))
    for action in ("complete", "draft"):
        sent = police.post(f"/tasks/{task.id}", data={**answer, "action": action})
        assert sent.status_code == 422, action
        assert "Football" in sent.text and "Absent a lot" in sent.text  # the entry, kept
    assert police.post(f"/tasks/{task.id}/draft", data=answer).status_code == 422
    coordinator = login("coordinator")
    assert coordinator.post("/cases/new", data={"full_name": "A\x00B"}).status_code == 422
    assert coordinator.post(f"/cases/{case.code}/comments",
                            data={"body": "hi\x00"}).status_code == 422
    assert police.get("/?code=00\x0042").status_code == 400
    assert coordinator.get("/cases/MAW-2026%000001").status_code == 400
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Contribution.id))) == 3  # the coordinator's
    assert db.session.scalar(select(func.count(TaskDraft.id))) == 0
    assert only_task("police", "answer_information_request").id == task.id


# --- Medium: reads after a colleague's commit ---------------------------------------------------
def _completed_meanwhile(app, username: str, spec_name: str, data: dict):
    """A function that completes the task in another thread (another session), as a
    colleague's request would, and waits until it is committed."""
    def colleague(*args, **kwargs):
        def run():
            with app.app_context():
                complete(username, spec_name, data)
        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
    return colleague


def test_the_case_page_survives_a_task_completed_while_it_is_built(app, network, login,
                                                                     monkeypatch):
    from webapp.services import comments

    case = register()
    original = comments.list_comments
    colleague = _completed_meanwhile(app, "coordinator2", "register_signal",
                                     example("register-signal"))

    def comments_and_colleague(*args):
        colleague()  # after the page read the open tasks, before it writes anything
        return original(*args)

    monkeypatch.setattr(comments, "list_comments", comments_and_colleague)
    page = login("coordinator").get(f"/cases/{case.code}")
    assert page.status_code == 200
    assert "Register signal" in page.text  # as it was when the page was read


def test_the_task_page_survives_the_task_completed_while_it_is_built(app, network, login,
                                                                     monkeypatch):
    from webapp import engine

    register()
    task = only_task("coordinator", "register_signal")
    original = engine.snapshot
    colleague = _completed_meanwhile(app, "coordinator2", "register_signal",
                                     example("register-signal"))

    def snapshot_and_colleague(*args, **kwargs):
        found = original(*args, **kwargs)
        colleague()
        return found

    monkeypatch.setattr(engine, "snapshot", snapshot_and_colleague)
    page = login("coordinator").get(f"/tasks/{task.id}")
    assert page.status_code == 200 and "Register signal" in page.text


def test_a_draft_saved_after_the_task_was_completed_keeps_the_text(app, network, login):
    to_consultation(("police",))
    task = only_task("police", "answer_information_request")
    police = login("police")
    answer = formdata(example("information-answer", risk_factors="My careful words"))
    assert police.post(f"/tasks/{task.id}/draft", data=answer).status_code == 200
    assert police.post(f"/tasks/{task.id}/draft", data=answer).status_code == 200  # an upsert
    complete("police", "answer_information_request", example("information-answer"))
    late = police.post(f"/tasks/{task.id}", data={**answer, "action": "draft"})
    assert late.status_code == 409
    assert "completed this task first" in late.text and "My careful words" in late.text
    auto = police.post(f"/tasks/{task.id}/draft", data=answer)
    assert auto.status_code == 409 and "still in the form" in auto.json["error"]


# --- Medium: a partner whose task was replaced by a reminder -----------------------------------
def test_a_partner_whose_request_became_a_reminder_keeps_their_entry(app, network, login):
    to_consultation(("police",), now=T0)
    task_id = only_task("police", "answer_information_request").id
    police = login("police")
    answer = formdata(example("information-answer", risk_factors="Typed over days"))
    police.post(f"/tasks/{task_id}", data={**answer, "action": "draft"})
    assert timers.run_due_timers(now=T0 + timedelta(days=14, minutes=1)) == 1
    reminder = only_task("police", "answer_after_reminder")
    late = police.post(f"/tasks/{task_id}", data=answer)
    assert late.status_code == 409
    assert "no longer open" in late.text and "Reminder: information request" in late.text
    assert "Typed over days" in late.text
    assert f'href="/tasks/{reminder.id}"' in late.text
    opened = police.get(f"/tasks/{task_id}")
    assert opened.status_code == 409 and "took its place" in opened.text
    draft = db.session.scalar(select(TaskDraft).where(TaskDraft.task_id == reminder.id))
    assert draft.data["risk_factors"] == "Typed over days"  # the draft moved on
    assert login("school").get(f"/tasks/{task_id}").status_code == 404  # nobody else learns


# --- Low ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["/cases/?page=99999999999999999999", "/cases/?page=-3",
                                 "/?page=99999999999999999999", "/?page=x",
                                 "/audit/events?page=99999999999999999999"])
def test_page_numbers_out_of_range_show_a_page(app, network, login, url):
    _auditor()
    register()
    client = login("auditor" if url.startswith("/audit") else "coordinator")
    assert client.get(url).status_code == 200


def test_ids_out_of_range_are_not_found(app, network, login):
    client = login("coordinator")
    for url in ("/tasks/99999999999999999999", "/tasks/2147483648"):
        assert client.get(url).status_code == 404
    assert client.post("/tasks/1/reassign", data={"user_id": "9" * 30}).status_code == 302


def test_requests_over_the_size_limit_get_a_clear_message(app, network, login):
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = login("coordinator").post("/cases/new", data={"address": big})
    assert response.status_code == 413 and "too large" in response.text
    assert db.session.scalar(select(func.count(Case.id))) == 0


def test_lockout_holds_per_address_so_nobody_locks_a_colleague_out(app, network):
    attacker = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 2):
        attacker.post("/login", data={"username": "police", "password": "wrong"},
                      environ_base={"REMOTE_ADDR": "203.0.113.66"})
    from_attacker = attacker.post("/login", data={"username": "police", "password": PASSWORD},
                                  environ_base={"REMOTE_ADDR": "203.0.113.66"})
    assert from_attacker.status_code == 200  # locked from there
    colleague = app.test_client().post("/login", data={"username": "police",
                                                       "password": PASSWORD},
                                       environ_base={"REMOTE_ADDR": "198.51.100.20"})
    assert colleague.status_code == 302
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "login_locked")) == 1


def test_locked_unknown_and_deactivated_accounts_cost_the_same_hash(app, network, monkeypatch):
    from webapp.services import accounts as accounts_module

    network["school"].active = False
    db.session.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        app.test_client().post("/login", data={"username": "police", "password": "wrong"})
    calls = []
    original = accounts_module.check_password_hash
    monkeypatch.setattr(accounts_module, "check_password_hash",
                        lambda *a: calls.append(a) or original(*a))
    for username in ("police", "nobody-here", "school", "social"):
        calls.clear()
        app.test_client().post("/login", data={"username": username, "password": PASSWORD})
        assert len(calls) == 1, username


def test_the_audit_trail_refuses_update_and_delete_in_the_database(app, network):
    register()
    db.session.commit()
    for statement in ("UPDATE audit_event SET action = 'nothing'",
                      "DELETE FROM audit_event"):
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.scalar(select(func.count(AuditEvent.id))) > 0


def test_retention_anonymises_without_touching_the_audit_trail(app, network):
    from webapp.services.retention import run_retention

    case = register(now=T0, full_name="Kept Apart")
    before = db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.case_id == case.id))
    db.session.execute(text("UPDATE \"case\" SET status = 'closed', closed_at = :at"),
                       {"at": T0.replace(tzinfo=None) if db.engine.dialect.name == "sqlite"
                        else T0})
    db.session.commit()
    assert run_retention(1, now=T0 + timedelta(days=800)) == [case.code]
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.case_id == case.id)).all()
    assert len(actions) == before + 1 and actions[-1] == "case_anonymised"


def test_a_note_shared_with_a_covered_contribution_reaches_the_organisation(app, network,
                                                                            login):
    case = to_consultation(("police", "social"))
    complete("social", "answer_information_request", example(
        "information-answer", risk_factors="Only for the table",
        covered_by_professional_secrecy=True))
    covered = db.session.scalar(select(Contribution).where(Contribution.professional_secrecy))
    coordinator = actor("coordinator")
    involvement.grant_seat(coordinator, case, "police")
    involvement.share(coordinator, case, "police", contribution_id=covered.id,
                      note="Please call the school counsellor this week.")
    db.session.commit()
    page = login("police").get(f"/shared/{case.code}").text
    assert "Please call the school counsellor this week." in page
    assert "Only for the table" not in page


def test_a_plain_http_test_deployment_is_documented_and_works(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text()
    assert "MAWFLOW_SESSION_COOKIE_SECURE=false" in readme
    assert "MAWFLOW_REMEMBER_COOKIE_SECURE=false" in readme
    monkeypatch.setenv("MAWFLOW_SESSION_COOKIE_SECURE", "false")
    monkeypatch.setenv("MAWFLOW_REMEMBER_COOKIE_SECURE", "false")
    app = create_app({"ENV_NAME": "production", "SECRET_KEY": "a-test-deployment-secret",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'http.sqlite'}"})
    with app.app_context():
        db.create_all()
        accounts.create_organisation(Actor.system(), "municipality", "Municipality")
        accounts.create_user(Actor.system(), "tester", "Tester", PASSWORD,
                             [("municipality", "coordinator")])
        db.session.commit()
        client = app.test_client()
        page = client.get("/login").text
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post("/login", data={"username": "tester", "password": PASSWORD,
                                               "csrf_token": token})
        cookie = response.headers["Set-Cookie"]
        assert response.status_code == 302 and "Secure" not in cookie
        assert "Strict-Transport-Security" not in response.headers
        assert client.get("/").status_code == 200  # the session came back over plain HTTP
        db.session.remove()
        db.engine.dispose()


def test_an_unused_role_grant_is_shown_to_the_administrator(app, network, login):
    login("admin").post("/admin/users/new", data={
        "username": "waiting", "display_name": "Waiting", "password": PASSWORD,
        "organisation": "police", "role": "partner"})
    page = login("admin").get("/admin/").text
    assert "Partner · Police — waits for a coordinator to confirm it" in page
