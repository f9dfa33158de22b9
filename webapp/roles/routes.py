"""Coordinators confirm (or refuse) the case-reading roles administrators ask for."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from webapp.extensions import db
from webapp.services import role_grants
from webapp.services.errors import Conflict, NotAllowed
from webapp.services.policy import can, may_confirm_role
from webapp.web import current_actor

bp = Blueprint("roles", __name__, url_prefix="/roles")


class DecisionForm(FlaskForm):
    """Just the CSRF token for the confirm and refuse buttons."""


@bp.route("/")
@login_required
def pending():
    if not can(current_user, "roles.confirm"):
        abort(403)
    grants = role_grants.pending()
    html = render_template("roles/pending.html", grants=grants, form=DecisionForm(),
                           decidable={g.id for g in grants
                                      if may_confirm_role(current_user, g)})
    db.session.commit()
    return html


@bp.route("/<int:grant_id>/confirm", methods=["POST"])
@login_required
def confirm(grant_id: int):
    return _decide(grant_id, True)


@bp.route("/<int:grant_id>/refuse", methods=["POST"])
@login_required
def refuse(grant_id: int):
    return _decide(grant_id, False)


def _decide(grant_id: int, confirm: bool):
    if not can(current_user, "roles.confirm"):
        abort(403)
    if not DecisionForm().validate_on_submit():
        abort(400)
    try:
        grant = role_grants.decide(current_actor(), grant_id, confirm)
        message = (f"{grant.user.display_name} is now {grant.role.replace('_', ' ')} for "
                   f"{grant.organisation.name}." if confirm else
                   f"The role {grant.role.replace('_', ' ')} for {grant.user.display_name} "
                   "was refused.")
        db.session.commit()
    except (Conflict, NotAllowed) as error:
        db.session.rollback()
        flash(error.message, "warning")
        return redirect(url_for("roles.pending"))
    flash(message, "success")
    return redirect(url_for("roles.pending"))
