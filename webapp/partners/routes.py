"""The partner registry, kept by administrators: life domains, mandate, contact; audited,
every save kept as a revision."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.auth.permissions import permission_required
from webapp.extensions import db
from webapp.i18n.bundletext import org_name
from webapp.models import Organisation
from webapp.models.evaluation import LIFE_DOMAINS
from webapp.services import network
from webapp.services.errors import Conflict, InvalidInput
from webapp.services.evaluation import conventions as cv
from webapp.web import current_actor

bp = Blueprint("partners", __name__, url_prefix="/admin/partners")


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProfileForm(FlaskForm):
    kind = SelectField(_l("Kind of organisation"), validators=[DataRequired()])
    life_domains = Checkboxes(_l("Life domains it can work on"), validators=[Optional()])
    mandate = RadioField(_l("Mandate of its representative at the table"),
                         validators=[DataRequired()])
    contact = StringField(_l("Contact"), validators=[Optional(), Length(max=network.CONTACT_MAX)],
                          description=_l("Who the coordinator calls: a function, a desk, a "
                                         "telephone number or e-mail address."))
    revisions = HiddenField()


def _form(profile) -> ProfileForm:
    form = ProfileForm(obj=profile)
    form.kind.choices = [(k, str(v)) for k, v in cv.ORGANISATION_KINDS.items()]
    form.life_domains.choices = [(d, str(cv.LIFE_DOMAIN_LABELS[d])) for d in LIFE_DOMAINS]
    form.mandate.choices = [(m, str(v)) for m, v in cv.MANDATE_LABELS.items()]
    return form


@bp.route("/")
@permission_required("partners.manage")
def index():
    return render_template("partners/index.html", registry=network.registry(),
                           conventions=cv)


@bp.route("/<int:organisation_id>", methods=["GET", "POST"])
@permission_required("partners.manage")
def edit(organisation_id: int):
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    profile = dict(network.registry()).get(organisation)
    form = _form(profile)
    if request.method == "GET":
        form.revisions.data = str(network.revision_count(organisation_id))
    elif form.validate_on_submit():
        try:
            seen = int(form.revisions.data or "0")
        except ValueError:
            seen = -1
        try:
            network.save_profile(current_actor(), organisation, kind=form.kind.data,
                                 life_domains=form.life_domains.data or [],
                                 mandate=form.mandate.data, contact=form.contact.data or "",
                                 seen_revisions=seen)
            db.session.commit()
            flash(_("The registry entry of %(name)s is saved.", name=org_name(organisation)),
                  "success")
            return redirect(url_for("partners.index"))
        except (InvalidInput, Conflict) as error:
            db.session.rollback()
            flash(error.message, "danger")
            if isinstance(error, Conflict):
                return redirect(url_for("partners.edit", organisation_id=organisation_id))
    history = network.revisions(organisation_id)
    status = 422 if form.is_submitted() else 200
    return render_template("partners/edit.html", form=form, organisation=organisation,
                           history=history, conventions=cv), status
