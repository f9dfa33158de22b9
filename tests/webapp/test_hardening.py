"""Issue 14, Medium and Low: each finding of the security probe and the reliability run,
reproduced from outside and shown fixed (role grants: test_role_grants.py; pages built while
a colleague acts: test_colleague_races.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from tests.conftest import PASSWORD, ROOT
from webapp import create_app
from webapp.auth.reauth import SESSION_KEY
from webapp.extensions import db
from webapp.models import AuditEvent, Case, Contribution, TaskDraft, utcnow
from webapp.services import accounts, involvement
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
