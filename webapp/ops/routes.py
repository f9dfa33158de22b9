"""Probes for load balancers and orchestrators: /healthz (the process answers) and /readyz
(the database answers too). Public, plain text, and without a session: a probe neither reads
the session cookie nor sets one."""

import logging

from flask import Blueprint, Response
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from webapp.extensions import db

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)
PROBE_PATHS = frozenset({"/healthz", "/readyz"})


class ProbeSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that a probe gets the null session: its cookie
    is not read and nothing is written back (Flask saves no null session)."""

    def open_session(self, app, request):
        if request.path in PROBE_PATHS:
            return None  # Flask then uses the null session
        return super().open_session(app, request)


def _plain(body: str, status: int = 200) -> Response:
    return Response(body, status, mimetype="text/plain", headers={"Cache-Control": "no-store"})


@bp.route("/healthz")
def healthz():
    """The web process answers (nothing else is asked: no database, no session)."""
    return _plain("ok\n")


@bp.route("/readyz")
def readyz():
    """The web process and its database answer; 503 when the database does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("readiness probe: the database does not answer: %s", error)
        return _plain("database unavailable\n", 503)
    return _plain("ok\n")
