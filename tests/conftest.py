"""Shared fixtures: an app on a throwaway database (SQLite, or PostgreSQL when
MAWFLOW_TEST_BACKEND=postgres and TEST_DATABASE_URL are set), users and a logged-in client."""

import os
import re
from pathlib import Path

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import text

from webapp import create_app
from webapp.config import normalise_database_url
from webapp.engine import isolation
from webapp.extensions import db
from webapp.services import accounts, bundles
from webapp.services.audit import Actor

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"  # noqa: S105 - test accounts only
BACKEND = os.environ.get("MAWFLOW_TEST_BACKEND", "sqlite")


def database_url(tmp_path: Path) -> str:
    if BACKEND == "postgres":
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.skip("TEST_DATABASE_URL is not set")
        return normalise_database_url(url)
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


def _reset_postgres() -> None:
    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.create_all()


class Client(FlaskClient):
    """A test client whose requests each find their own logged-in user and CSRF token.

    The tests hold one app context open, and a request inside it shares its `g`; Flask-Login
    caches the user there and Flask-WTF the session's CSRF token, so without this one
    person's request would run as the last, with the last session's token."""

    PER_REQUEST = ("_login_user", "csrf_token", "_flask_babel", "_mawflow_language",
                   "_mawflow_translators", "_mawflow_step_names", "_mawflow_locale",
                   "_mawflow_attachments", "_mawflow_option_values",
                   "_mawflow_role_groups", "_mawflow_translations")

    def open(self, *args, **kwargs):
        for name in self.PER_REQUEST:
            g.pop(name, None)
        try:
            return super().open(*args, **kwargs)
        finally:
            for name in self.PER_REQUEST:
                g.pop(name, None)


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "ENV_NAME": "test",
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
            "WTF_CSRF_ENABLED": False,
            "BUNDLE_DIR": str(ROOT),
            "NODE_MODULES_DIR": str(ROOT / "node_modules"),
        }
    )
    app.test_client_class = Client
    with app.app_context():
        if BACKEND == "postgres":
            _reset_postgres()
        else:
            db.create_all()
        yield app
        db.session.remove()
        if BACKEND == "postgres":
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def engine_limits(monkeypatch):
    """``engine_limits(step_seconds=1, script_seconds=0.2)``: other engine limits for one test
    (restored after it)."""
    monkeypatch.setattr(isolation, "_limits", isolation.limits())
    return isolation.configure


@pytest.fixture
def network(app):
    """The default bundle deployed, a municipality with coordinators and three partners."""
    system = Actor.system()
    for code, name in [
        ("municipality", "Municipality"),
        ("police", "Police"),
        ("social", "Social services"),
        ("school", "School"),
    ]:
        accounts.create_organisation(system, code, name)
    users = {
        "coordinator": [("municipality", "coordinator")],
        "coordinator2": [("municipality", "coordinator")],
        "police": [("police", "partner")],
        "social": [("social", "partner")],
        "school": [("school", "partner")],
        "owner": [("municipality", "process_owner")],
        "admin": [("municipality", "admin")],
    }
    made = {
        name: accounts.create_user(system, name, name.title(), PASSWORD, roles)
        for name, roles in users.items()
    }
    bundles.deploy_bundle(system, ROOT)
    db.session.commit()
    return made


@pytest.fixture
def login(app):
    """login("police") -> a test client logged in as that user."""

    def do_login(username: str):
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302, f"login failed for {username}"
        return client

    return do_login


def task_ids(html: str) -> list[int]:
    """Task links in an inbox page, in display order."""
    return [int(n) for n in re.findall(r'href="/tasks/(\d+)"', html)]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Every test that uses the app (and so a database) is marked `db`: `make test` runs
    those a second time on PostgreSQL with `-m db`."""
    for item in items:
        if "app" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)
