"""Logging in and out, lockout, and pages that need a login."""

from datetime import timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, LoginLock, User

from ..conftest import PASSWORD


def test_login_and_logout(app, network):
    client = app.test_client()
    assert client.get("/").status_code == 302
    response = client.post(
        "/login", data={"username": "Police", "password": PASSWORD}, follow_redirects=True
    )
    assert "Welcome, Police." in response.text
    assert "Partner · Police" in response.text
    assert client.get("/logout").status_code == 405  # logging out is a POST (CSRF-protected)
    response = client.post("/logout", follow_redirects=True)
    assert "You are logged out." in response.text
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_and_logged(app, network):
    client = app.test_client()
    response = client.post("/login", data={"username": "police", "password": "wrong"})
    assert response.status_code == 200
    assert "Login failed" in response.text
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login_failed"))


def test_account_locks_after_repeated_failures(app, network):
    client = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"username": "police", "password": "wrong"})
    response = client.post("/login", data={"username": "police", "password": PASSWORD})
    assert "Login failed" in response.text
    lock = db.session.scalar(select(LoginLock).join(User).where(User.username == "police"))
    lock.locked_until -= timedelta(minutes=app.config["LOGIN_LOCKOUT_MINUTES"] + 1)
    db.session.commit()
    assert (
        client.post("/login", data={"username": "police", "password": PASSWORD}).status_code == 302
    )


def test_login_does_not_redirect_off_site(app, network):
    client = app.test_client()
    response = client.post(
        "/login?next=//evil.example/x", data={"username": "police", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_security_headers(app, network):
    response = app.test_client().get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_app_refuses_to_start_without_secret_outside_development(tmp_path, monkeypatch):
    import pytest

    from webapp import create_app
    from webapp.config import ConfigError

    monkeypatch.delenv("MAWFLOW_SECRET_KEY", raising=False)
    monkeypatch.delenv("MAWFLOW_ENV_NAME", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(
            {"ENV_NAME": "production", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"}
        )
