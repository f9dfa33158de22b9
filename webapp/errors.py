"""Error pages in the app's layout, and domain errors mapped to HTTP status codes."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError

from webapp.extensions import db
from webapp.services.errors import Conflict, NotAllowed, NotFound

MESSAGES = {
    400: ("Something in this request was not right", "Go back, reload the page and try again."),
    403: ("You may not see this", "This page is not part of your work. If you think it should "
                                  "be, ask the coordinator."),
    404: ("Not found", "This page does not exist or is not yours to see."),
    409: ("Someone else was first", "Nothing of what you sent was saved."),
    500: ("Something went wrong on our side", "Nothing was saved. Please try again; if it "
                                             "happens again, tell the coordinator."),
}


def render_error(status: int, message: str | None = None, **context):
    title, hint = MESSAGES.get(status, MESSAGES[500])
    return render_template("error.html", status=status, title=title,
                           message=message or hint, **context), status


def register_error_handlers(app: Flask) -> None:
    for status in MESSAGES:
        app.register_error_handler(status, lambda e, s=status: render_error(s))

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_error(400, "Your form had expired or was sent from elsewhere. "
                                 "Reload the page and send it again.")

    @app.errorhandler(NotFound)
    def _not_found(error):
        db.session.rollback()
        return render_error(404, error.message)

    @app.errorhandler(NotAllowed)
    def _not_allowed(error):
        db.session.rollback()
        return render_error(403, error.message)

    @app.errorhandler(Conflict)
    def _conflict(error):
        db.session.rollback()
        return render_error(409, error.message)

    @app.errorhandler(OperationalError)
    def _busy(error):
        db.session.rollback()
        if "locked" in str(error).lower():
            return render_error(409, "The case was busy with another change. Nothing was "
                                     "saved; please send the form again.")
        raise error
