"""The web side's helpers, in one home.

Here: what the blueprints share (the acting user, role checks, a case by code, page numbers,
safe "next" links). Beside it: ``blueprints`` (registers each area's blueprint, the template
helpers, and serves the front-end packages installed from npm), ``markdown_html`` (process
owners' Markdown turned into safe HTML) and ``recorded`` (recorded form data shown with the
labels its form showed)."""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from webapp.models import Case, User
from webapp.services import cases as case_service
from webapp.services.audit import Actor
from webapp.services.errors import NotFound
from webapp.services.policy import may_know_case_exists

#: The one answer for a case code that does not exist and one the user may not know about.
CASE_NOT_FOUND = _l("This case does not exist or is not yours to see.")


def url_for_ids(endpoint: str, key: str = "task_id") -> Callable[[int], str]:
    """``url_for(endpoint, task_id=n)`` for many ids at the cost of one call: a list page
    links every row, and building each URL from the routing map was most of its rendering."""
    marker = 987654321
    head, tail = url_for(endpoint, **{key: marker}).split(str(marker))
    return lambda value: f"{head}{int(value)}{tail}"


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
    """Only same-site paths are followed after login, re-authentication, claim, release...

    Refused: anything with a scheme or a host once parsed, protocol-relative ``//``, back
    slashes, and control characters (browsers drop tabs and line breaks from addresses, so
    a slash, a tab and ``/evil.example`` would become ``//evil.example``; a line break would
    end up in a header)."""
    if not target or len(target) > MAX_NEXT or not target.startswith("/"):
        return None
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target


MAX_NEXT = 2000
MAX_PAGE = 1_000_000


def page_number(name: str = "page") -> int:
    """The page asked for in the query string: 1 for anything that is not a number or is
    below 1, at most MAX_PAGE (callers show their last page for any page past it)."""
    raw = request.args.get(name, "")
    if not (raw.isascii() and raw.isdigit()):
        return 1
    return max(1, min(int(raw) if len(raw) <= 7 else MAX_PAGE, MAX_PAGE))


def case_or_404(code: str, allowed: Callable[[User, Case], bool] | None = None) -> Case:
    """The case with this code, for a route that names it.

    Someone who may not know the case exists gets the same 404 as for a code that does not
    exist (NotFound), so partners cannot find out which codes exist by trying them. Someone who
    may know it, but for whom ``allowed(user, case)`` is false, gets a 403.
    """
    try:
        case = case_service.get_case(code)
    except NotFound:
        raise NotFound(str(CASE_NOT_FOUND)) from None
    if not may_know_case_exists(current_user, case):
        raise NotFound(str(CASE_NOT_FOUND))
    if allowed is not None and not allowed(current_user, case):
        abort(403)
    return case
