"""Coordinators confirm (or refuse) the case-reading roles administrators ask for."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from webapp.extensions import db
from webapp.i18n.bundletext import org_name
from webapp.models import ROLE_LABELS
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
        # A role inside a sentence is a common noun: "is now coordinator for ..."
        role = str(ROLE_LABELS.get(grant.role, grant.role)).lower()
        message = (_("%(person)s is now %(role)s for %(organisation)s.",
                     person=grant.user.display_name, role=role,
                     organisation=org_name(grant.organisation)) if confirm else
                   _("The role %(role)s for %(person)s was refused.", role=role,
                     person=grant.user.display_name))
        db.session.commit()
    except (Conflict, NotAllowed) as error:
        db.session.rollback()
        flash(error.message, "warning")
        return redirect(url_for("roles.pending"))
    flash(message, "success")
    return redirect(url_for("roles.pending"))
