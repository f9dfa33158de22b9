"""View decorator: log in, then require a permission of services.policy (403 otherwise)."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from webapp.services.policy import can


def permission_required(permission: str):
    """Use instead of role checks: which roles hold `permission` is decided in the policy."""
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate
