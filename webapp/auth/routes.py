"""Logging in and out."""

from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from webapp.auth.reauth import mark_reauthenticated
from webapp.extensions import db
from webapp.security import end_all_sessions
from webapp.services import accounts, login_limits
from webapp.services.audit import Actor, record
from webapp.web import current_actor, safe_next

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class ReauthForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)])


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    form = LoginForm()
    if form.validate_on_submit():
        cfg = current_app.config
        if login_limits.is_rate_limited(
            request.remote_addr, limit=cfg["LOGIN_IP_MAX_FAILURES"],
            window=timedelta(minutes=cfg["LOGIN_IP_WINDOW_MINUTES"]),
        ):
            record(Actor(None, request.remote_addr), "login_rate_limited",
                   username=form.username.data[:80])
            db.session.commit()
            flash(ngettext("Too many failed logins from your network. Wait %(num)d minute "
                           "and try again.",
                           "Too many failed logins from your network. Wait %(num)d minutes "
                           "and try again.", cfg["LOGIN_IP_WINDOW_MINUTES"]), "danger")
            return render_template("auth/login.html", form=form), 429
        user = accounts.authenticate(
            form.username.data, form.password.data, remote_addr=request.remote_addr,
            max_failures=cfg["LOGIN_MAX_FAILURES"],
            lockout=timedelta(minutes=cfg["LOGIN_LOCKOUT_MINUTES"]),
        )
        db.session.commit()
        if user is not None:
            session.clear()  # no session fixation
            login_user(user)
            mark_reauthenticated()  # the password was just given: exports need no prompt yet
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("inbox.index"))
        flash(_("Login failed: check your username and password. After %(failures)d failed "
                "attempts an account is locked for %(minutes)d minutes.",
                failures=cfg["LOGIN_MAX_FAILURES"], minutes=cfg["LOGIN_LOCKOUT_MINUTES"]),
              "danger")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    record(current_actor(), "logout")
    end_all_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/reauth", methods=["GET", "POST"])
@login_required
def reauth():
    """Confirm the password again before an export; valid for REAUTH_MINUTES."""
    form = ReauthForm()
    target = safe_next(request.args.get("next")) or url_for("inbox.index")
    if form.validate_on_submit():
        cfg = current_app.config
        user = accounts.authenticate(
            current_user.username, form.password.data, remote_addr=request.remote_addr,
            max_failures=cfg["LOGIN_MAX_FAILURES"],
            lockout=timedelta(minutes=cfg["LOGIN_LOCKOUT_MINUTES"]),
        )
        if user is not None and user.id == current_user.id:
            record(current_actor(), "reauthenticated")
            db.session.commit()
            mark_reauthenticated()
            return redirect(target)
        db.session.commit()
        if user is None and accounts.is_locked(current_user, request.remote_addr):
            logout_user()
            session.clear()
            flash(_("Too many wrong passwords: you are logged out and the account is locked "
                    "for a while."), "danger")
            return redirect(url_for("auth.login"))
        flash(_("That password is not right."), "danger")
    return render_template("auth/reauth.html", form=form,
                           minutes=current_app.config["REAUTH_MINUTES"]), (
        422 if form.is_submitted() else 200)
