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


def reauth_required(view):
    """Log in, then confirm the password again if the last confirmation is too old.

    GET requests are sent to the password prompt and come back afterwards; a POST that
    arrives without a recent confirmation is sent to the prompt too (nothing is done)."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not recently_reauthenticated():
            if request.method == "GET":
                target = request.full_path
            else:  # back to the page the form was on
                target = urlsplit(request.referrer or "").path or None
            return redirect(url_for("auth.reauth", next=target))
        return view(*args, **kwargs)
    return wrapped
