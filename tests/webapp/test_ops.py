"""The probes a load balancer or an orchestrator asks (/healthz, /readyz) and the server time
header a load test reads."""

import re

from sqlalchemy import event

from webapp import create_app
from webapp.extensions import db


def _app(tmp_path, url=None, **config):
    return create_app({"ENV_NAME": "test", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI":
                       url or f"sqlite:///{tmp_path}/ops.sqlite", **config})


def _statements(app):
    """The SQL statements run while the returned list is in scope (appended as they run)."""
    ran: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *rest: ran.append(statement))
    return ran


def test_healthz_answers_without_the_database_or_a_session(app, network, login):
    logged_in = login("police")
    ran = _statements(app)
    anonymous = app.test_client().get("/healthz")
    with_session = logged_in.get("/healthz")
    for response in (anonymous, with_session):
        assert (response.status_code, response.text) == (200, "ok\n")
        assert "Set-Cookie" not in response.headers
        assert response.headers["Cache-Control"] == "no-store"
    assert ran == []
    assert logged_in.get("/").status_code == 200  # the session was left as it was


def test_healthz_answers_while_the_database_is_unreachable(tmp_path):
    client = _app(tmp_path, f"sqlite:///{tmp_path}/missing/folder/db.sqlite").test_client()
    assert client.get("/healthz").status_code == 200


def test_readyz_asks_the_database(app, network):
    ran = _statements(app)
    response = app.test_client().get("/readyz")
    assert (response.status_code, response.text) == (200, "ok\n")
    assert "Set-Cookie" not in response.headers
    assert len(ran) == 1


def test_readyz_says_503_when_the_database_does_not_answer(tmp_path, caplog):
    client = _app(tmp_path, f"sqlite:///{tmp_path}/missing/folder/db.sqlite").test_client()
    response = client.get("/readyz")
    assert (response.status_code, response.text) == (503, "database unavailable\n")
    assert "database does not answer" in caplog.text


def test_server_timing_is_off_unless_asked_for(tmp_path):
    assert "Server-Timing" not in _app(tmp_path).test_client().get("/healthz").headers


def test_server_timing_gives_the_milliseconds_of_every_response(tmp_path):
    client = _app(tmp_path, SERVER_TIMING=True).test_client()
    for response in (client.get("/healthz"), client.get("/login"), client.get("/nowhere")):
        assert re.fullmatch(r"app;dur=\d+\.\d\d", response.headers["Server-Timing"])
