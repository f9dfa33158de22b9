"""Sessions, login loading, proxy headers and security headers (a strict CSP: no inline
scripts)."""

from flask import Flask, session
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp.extensions import db, login_manager
from webapp.models import Membership, User

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)

# Every request needs the user's memberships (roles, organisations): read them in one query
# (built once: building and keying a statement costs about as much as running it).
_USER_WITH_MEMBERSHIPS = select(User).where(User.id == bindparam("user_id")).options(
    joinedload(User.memberships).joinedload(Membership.organisation))


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """Sessions hold "<id>:<epoch>". A session from before the user's last logout (or
    deactivation) is refused, so a copied cookie stops working when its owner logs out."""
    user_id, _, epoch = session_id.partition(":")
    if not (user_id.isdigit() and epoch.isdigit()):
        return None
    user = db.session.scalars(_USER_WITH_MEMBERSHIPS, {"user_id": int(user_id)}).unique().first()
    if user is None or (user.session_epoch or 0) != int(epoch):
        return None
    return user


def end_all_sessions(user: User) -> None:
    """Every session of this user (on any device) ends with its next request."""
    user.session_epoch = (user.session_epoch or 0) + 1


def register_security(app: Flask) -> None:
    hops = app.config["PROXY_FIX_X_FOR"]
    if hops:  # behind a reverse proxy: audit the client's address, not the proxy's
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=1)
    https = app.config["SESSION_COOKIE_SECURE"]

    @app.before_request
    def _idle_timeout():
        # A permanent session expires PERMANENT_SESSION_LIFETIME after the last request.
        if not app.session_interface.is_null_session(session._get_current_object()):
            session.permanent = True  # (probes have no session: webapp.ops)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if https:
            response.headers.setdefault("Strict-Transport-Security",
                                        "max-age=31536000; includeSubDomains")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        # Whoever is logged in gets pages nobody else may see: never cached. (The session key,
        # not current_user: after the view's commit that would reload the user from the database.)
        if "_user_id" in session:
            response.headers.setdefault("Cache-Control", "no-store")
        return response
