"""Sessions, login loading, proxy headers and security headers (a strict CSP: no inline
scripts), and what the database cannot store refused at the edge (NUL bytes, ids out of
range)."""

from flask import Flask, request, session
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

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


class RowIdConverter(IntegerConverter):
    """``<int:...>`` in addresses: at most the largest id a database column holds, so
    ``/tasks/99999999999999999999`` is a 404 instead of an overflow in the database."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _nul_in(pairs) -> list[str]:
    return [key for key, value in pairs if "\x00" in key or "\x00" in str(value)]


def refuse_nul_bytes():
    """A NUL byte cannot be stored as text (PostgreSQL refuses it) and has no business in
    anything a person types: refuse the request before any view sees it. An address (path or
    query) with one is a 400; a form with one is a 422 showing what was sent, without the NUL
    bytes, so the person can copy it back (passwords are never shown)."""
    if "\x00" in request.path or _nul_in(request.args.items(multi=True)):
        return _refused(400, None)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if request.is_json and b"\\u0000" in request.get_data(cache=True):
        return _refused(422, [])
    fields = _nul_in(request.form.items(multi=True))
    fields += _nul_in((f.filename or "", "") for f in request.files.values())
    if fields:
        return _refused(422, fields)
    return None


def _refused(status: int, fields: list[str] | None):
    from flask_babel import gettext as _

    if fields is None:
        message = _("The address contains a NUL character, which cannot be used. Check the "
                    "link or go back and try again.")
    else:
        message = _("What you sent contains a NUL character (an invisible control character, "
                    "often from copying out of another program), which cannot be stored. "
                    "Nothing was saved. Your entry is shown below without it: copy it, go "
                    "back and send it again.")
    entered = [(key.replace("\x00", ""), value.replace("\x00", ""))
               for key, value in request.form.items(multi=True)
               if key not in ("csrf_token", "action") and "password" not in key and value]
    from webapp.errors import render_error

    return render_error(status, message, title=_("This could not be used"),
                        entered=entered if fields is not None else [],
                        bad_fields=[f.replace("\x00", "") for f in fields or []])


def register_security(app: Flask) -> None:
    hops = app.config["PROXY_FIX_X_FOR"]
    if hops:  # behind a reverse proxy: audit the client's address, not the proxy's
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=1)
    https = app.config["SESSION_COOKIE_SECURE"]

    app.url_map.converters["int"] = RowIdConverter  # before any blueprint adds its routes
    app.before_request(refuse_nul_bytes)

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
