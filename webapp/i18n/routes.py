"""Choosing a language: the switcher on every page (also before logging in) and the
settings page where a logged-in person keeps their choice."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.extensions import db
from webapp.i18n.locale import COOKIE, COOKIE_MAX_AGE, chosen_language, offered
from webapp.services import preferences
from webapp.services.errors import InvalidInput
from webapp.web import current_actor, safe_next

bp = Blueprint("language", __name__)


def _remember(response, language: str):
    """The choice also holds on this browser before logging in and after logging out."""
    response.set_cookie(COOKIE, language, max_age=COOKIE_MAX_AGE, httponly=True,
                        samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.route("/language", methods=["POST"])
def switch():
    """The switcher: this language from now on (kept as the user's choice when logged in)."""
    language = request.form.get("language", "")
    if language not in offered():
        abort(400)
    if current_user.is_authenticated:
        preferences.set_language(current_actor(), current_user, language, offered())
        db.session.commit()
    target = safe_next(request.form.get("next")) or _page_it_was_used_on() or \
        url_for("inbox.index")
    return _remember(redirect(target), language)


def _page_it_was_used_on() -> str | None:
    """The page of this site the switcher was pressed on (the browser's Referer), so the
    page does not have to repeat its own address in the form."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    return safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """The person's settings: the language (or the browser's)."""
    if request.method == "POST":
        choice = request.form.get("language", "")
        try:
            preferences.set_language(current_actor(), current_user, choice or None, offered())
            db.session.commit()
        except InvalidInput:
            db.session.rollback()
            abort(400)
        flash(_("Your settings are saved."), "success")
        response = redirect(url_for("language.settings"))
        if not choice:  # the browser's language from now on, also before logging in
            response.delete_cookie(COOKIE)
            return response
        return _remember(response, choice)
    return render_template("i18n/settings.html", saved=current_user.language,
                           shown=chosen_language(),
                           timezone=current_app.config["TIMEZONE"])
