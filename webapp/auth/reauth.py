"""Re-authentication before sensitive actions (exports): the password again, valid a while."""

from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, redirect, request, session, url_for
from flask_login import login_required

from webapp.models import utcnow

SESSION_KEY = "reauth_at"


def mark_reauthenticated() -> None:
    session[SESSION_KEY] = utcnow().timestamp()


def recently_reauthenticated() -> bool:
    at = session.get(SESSION_KEY)
    if not isinstance(at, int | float):
        return False
    window = timedelta(minutes=current_app.config["REAUTH_MINUTES"]).total_seconds()
    return 0 <= utcnow().timestamp() - at <= window


def reauth_redirect():
    """None if the password was confirmed recently; otherwise a redirect to the prompt.

    Views check permissions first (so nobody is asked for a password only to be refused),
    then: ``if (prompt := reauth_redirect()): return prompt``. A GET comes back afterwards;
    a POST is sent back to the page its form was on (nothing is done)."""
    if recently_reauthenticated():
        return None
    if request.method == "GET":
        target = request.full_path
    else:
        target = urlsplit(request.referrer or "").path or None
    return redirect(url_for("auth.reauth", next=target))


def reauth_required(view):
    """Log in, then confirm the password again if the last confirmation is too old."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        return reauth_redirect() or view(*args, **kwargs)
    return wrapped
