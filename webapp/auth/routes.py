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
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from webapp.extensions import db
from webapp.services import accounts
from webapp.services.audit import record
from webapp.web import current_actor, safe_next

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    form = LoginForm()
    if form.validate_on_submit():
        cfg = current_app.config
        user = accounts.authenticate(
            form.username.data, form.password.data, remote_addr=request.remote_addr,
            max_failures=cfg["LOGIN_MAX_FAILURES"],
            lockout=timedelta(minutes=cfg["LOGIN_LOCKOUT_MINUTES"]),
        )
        db.session.commit()
        if user is not None:
            session.clear()  # no session fixation
            login_user(user)
            flash(f"Welcome, {user.display_name}.", "success")
            return redirect(safe_next(request.args.get("next")) or url_for("inbox.index"))
        flash("Login failed: check your username and password. After "
              f"{cfg['LOGIN_MAX_FAILURES']} failed attempts an account is locked for "
              f"{cfg['LOGIN_LOCKOUT_MINUTES']} minutes.", "danger")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    record(current_actor(), "logout")
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))
