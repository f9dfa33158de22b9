"""Error pages in the app's layout, and domain errors mapped to HTTP status codes."""

import logging
from urllib.parse import urlsplit

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from webapp.extensions import db
from webapp.services import denials
from webapp.services.errors import Conflict, InvalidInput, NotAllowed, NotFound
from webapp.web import current_actor

log = logging.getLogger(__name__)

#: Per status: the page's title and what it says (in the reader's language when shown).
MESSAGES = {
    400: (_l("Something in this request was not right"),
          _l("Go back, reload the page and try again.")),
    403: (_l("You may not see this"),
          _l("This page is not part of your work. If you think it should be, ask the "
             "coordinator.")),
    404: (_l("Not found"), _l("This page does not exist or is not yours to see.")),
    405: (_l("This cannot be done here"),
          _l("This page does not take what was sent. Go back and use the page's own buttons "
             "and links.")),
    409: (_l("Someone else was first"), _l("Nothing of what you sent was saved.")),
    413: (_l("What you sent is too large"),
          _l("Nothing was saved. Send less at once: fewer or smaller files (the limits are next "
             "to the file field) or shorter text.")),
    422: (_l("This could not be saved"),
          _l("Some of what was sent is not valid. Go back and check the marked fields.")),
    429: (_l("Too many requests at once"),
          _l("Nothing was saved. Wait a minute, then try again.")),
    500: (_l("Something went wrong on our side"),
          _l("Nothing was saved. Please try again; if it happens again, tell the "
             "coordinator.")),
}


NEXT_STEPS = {
    409: _l("Open your inbox to see what is waiting now; the task page shows the latest state."),
    500: _l("If you were sending a form, open the task again from your inbox: it is still "
            "open."),
}


def _back_link() -> str | None:
    """The page the user came from, when it is on this site and is not the failing page."""
    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    if parts.netloc != request.host or not parts.path.startswith("/"):
        return None
    if parts.path == request.path:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def render_error(status: int, message: str | None = None, title: str | None = None,
                 **context):
    default_title, hint = MESSAGES.get(status, MESSAGES[500])
    title = str(title or default_title)
    next_step = context.pop("next_step", NEXT_STEPS.get(status))
    return render_template("error.html", status=status, title=title,
                           message=str(message or hint),
                           next_step=str(next_step) if next_step else None,
                           back=_back_link(), **context), status


DOMAIN_ERRORS = {NotFound: 404, NotAllowed: 403, Conflict: 409, InvalidInput: 422}


def _domain_error(error):
    db.session.rollback()
    status = next(s for cls, s in DOMAIN_ERRORS.items() if isinstance(error, cls))
    if status in REFUSALS:
        _record_refusal(status)
    return render_error(status, error.message)


#: Answers that refuse access: recorded (aggregated) in the audit trail.
REFUSALS = {403, 404}


def _refused(status: int):
    def handler(error):
        db.session.rollback()
        _record_refusal(status)
        return render_error(status)
    return handler


def _plain(status: int):
    """The error page for a status; a 405 keeps its Allow header (the methods the address
    takes)."""
    def handler(error):
        page, code = render_error(status)
        allowed = getattr(error, "valid_methods", None)
        return page, code, ({"Allow": ", ".join(allowed)} if allowed else {})
    return handler


def _record_refusal(status: int) -> None:
    """Put a refusal on the record (services.denials aggregates repeats). A 404 counts only
    on a page that exists for a logged-in person (a case or task that is not theirs, or gone);
    a mistyped address is no refusal. Never makes the answer fail."""
    if status == 404 and (request.url_rule is None or not current_user.is_authenticated):
        return
    try:
        denials.record_denial(current_actor(), route=request.endpoint or "-",
                              method=request.method, path=request.path, status=status)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("could not record a refused request")


def register_error_handlers(app: Flask) -> None:
    for status in MESSAGES:
        if status in REFUSALS:
            app.register_error_handler(status, _refused(status))
        elif status != 500:
            app.register_error_handler(status, _plain(status))
    for error_class in DOMAIN_ERRORS:
        app.register_error_handler(error_class, _domain_error)

    @app.errorhandler(500)
    def _server_error(error):
        db.session.rollback()
        return render_error(500)

    @app.errorhandler(CSRFError)
    def _csrf(error):
        db.session.rollback()
        return render_error(400, _("Your form had expired, was sent twice or came from "
                                   "another site, so nothing was saved. Reload the page, check "
                                   "what it shows now and send it again."))

    @app.errorhandler(OperationalError)
    def _busy(error):
        db.session.rollback()
        if _is_busy(error):
            return render_error(409, _("The case was busy with another change. Nothing was "
                                       "saved; please send the form again."))
        raise error


#: PostgreSQL's answers when two transactions get in each other's way: a deadlock, a lock
#: not available, a serialization failure. SQLite says "database is locked".
BUSY_CODES = {"40P01", "55P03", "40001"}


def _is_busy(error: OperationalError) -> bool:
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return code in BUSY_CODES or "database is locked" in str(error).lower()
