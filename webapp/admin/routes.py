"""Administration of users and organisations. Administrators never read case content."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from webapp.extensions import db
from webapp.i18n.bundletext import org_name
from webapp.models import ROLE_LABELS, ROLES, Organisation, User
from webapp.services import accounts, reachability, role_grants
from webapp.services.errors import InvalidInput
from webapp.services.policy import may_manage_accounts
from webapp.web import current_actor

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _only_admins():
    if not may_manage_accounts(current_user):
        abort(403)


class OrganisationForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)],
                       description=_l("Short, lower case, e.g. police."))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("Initial password"),
                             validators=[DataRequired(), Length(min=accounts.MIN_PASSWORD_LENGTH,
                                                                max=200)])
    organisation = SelectField(_l("Organisation"), validators=[DataRequired()])
    role = SelectField(_l("Role"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES],
                       validators=[DataRequired()])
    email = StringField(_l("E-mail for notifications"), validators=[Optional(), Length(max=254)],
                        description=_l("Optional. Without it this person gets no mail."))


class ActionForm(FlaskForm):
    """Just the CSRF token for the one-button forms."""


@bp.route("/")
def index():
    users = db.session.scalars(select(User).order_by(User.username)).all()
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    waiting: dict[int, list] = {}
    for grant in role_grants.pending():
        waiting.setdefault(grant.user_id, []).append(grant)
    return render_template("admin/index.html", users=users, orgs=orgs, action=ActionForm(),
                           unreachable=reachability.unreachable_ids(),
                           locked=accounts.locked_addresses(u.id for u in users),
                           waiting=waiting)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = UserForm()
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.name))
    form.organisation.choices = [SelectChoice(o.code, org_name(o)) for o in orgs]
    if form.validate_on_submit():
        try:
            user = accounts.create_user(current_actor(), form.username.data,
                                        form.display_name.data, form.password.data,
                                        [(form.organisation.data, form.role.data)],
                                        email=form.email.data)
            waiting = bool(role_grants.pending(user))
            db.session.commit()
            flash(_("User %(username)s created.", username=user.username), "success")
            if waiting:
                flash(_("This role lets its holder read cases, so it takes effect once a "
                        "coordinator confirms it. The coordinators see the request in their "
                        "inbox."), "info")
            return redirect(url_for("admin.index"))
        except InvalidInput as error:
            db.session.rollback()
            flash(error.message, "danger")
    return render_template("admin/form.html", form=form, title=_("New user")), (
        422 if form.is_submitted() else 200)


@bp.route("/organisations/new", methods=["GET", "POST"])
def new_organisation():
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            org = accounts.create_organisation(current_actor(), form.code.data, form.name.data)
            db.session.commit()
            flash(_("Organisation %(name)s created.", name=org.name), "success")
            return redirect(url_for("admin.index"))
        except InvalidInput as error:
            db.session.rollback()
            flash(error.message, "danger")
    return render_template("admin/form.html", form=form, title=_("New organisation")), (
        422 if form.is_submitted() else 200)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def toggle_active(user_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    user = db.session.get(User, user_id) or abort(404)
    if user.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "danger")
        return redirect(url_for("admin.index"))
    accounts.set_active(current_actor(), user, not user.active)
    db.session.commit()
    flash(_("%(username)s is active.", username=user.username) if user.active else
          _("%(username)s is deactivated.", username=user.username), "success")
    return redirect(url_for("admin.index"))


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
def unlock(user_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    user = db.session.get(User, user_id) or abort(404)
    accounts.unlock(current_actor(), user)
    db.session.commit()
    flash(_("%(username)s is unlocked.", username=user.username), "success")
    return redirect(url_for("admin.index"))
