"""Sessions, login loading and security headers (a strict CSP: no inline scripts)."""

from flask import Flask, session
from flask_login import current_user

from webapp.extensions import db, login_manager
from webapp.models import User

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def register_security(app: Flask) -> None:
    @app.before_request
    def _idle_timeout():
        # A permanent session expires PERMANENT_SESSION_LIFETIME after the last request.
        session.permanent = True

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if current_user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")
        return response
