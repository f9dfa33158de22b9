"""Small helpers shared by the blueprints: the acting user and role checks."""

from functools import wraps

from flask import abort, request
from flask_login import current_user, login_required

from webapp.services.audit import Actor


def current_actor() -> Actor:
    user = current_user._get_current_object() if current_user.is_authenticated else None
    org_ids = sorted({m.organisation_id for m in user.memberships}) if user else []
    return Actor(user=user, remote_addr=request.remote_addr,
                 organisation_id=org_ids[0] if len(org_ids) == 1 else None)


def role_required(*roles: str):
    """Log in first, then require one of the roles (403 otherwise)."""
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not any(current_user.has_role(r) for r in roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None
