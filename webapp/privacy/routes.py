"""The person's rights: see and correct their details, erase them, export all held on them."""

import json
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from webapp.auth.reauth import reauth_redirect
from webapp.extensions import db
from webapp.i18n.dates import LocalDateField
from webapp.services import policy, rectification, subject_access
from webapp.services.errors import InvalidInput
from webapp.web import case_or_404, current_actor

bp = Blueprint("privacy", __name__)


#: The person's details by their field names, as a correction names them.
FIELD_LABELS = {"full_name": _l("name"), "date_of_birth": _l("date of birth"),
                "address": _l("address")}


class RectifyForm(FlaskForm):
    full_name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    date_of_birth = LocalDateField(_l("Date of birth"), validators=[Optional()])
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=500)])
    reason = StringField(_l("Why are the details corrected?"),
                         validators=[DataRequired(), Length(max=500)])


class EraseForm(FlaskForm):
    reason = StringField(_l("Why are the data erased?"),
                         validators=[DataRequired(), Length(max=500)])


class SubjectSearchForm(FlaskForm):
    full_name = StringField(_l("Name of the person"), validators=[DataRequired(), Length(max=200)])
    date_of_birth = LocalDateField(_l("Date of birth"), validators=[Optional()])


@bp.route("/cases/<code>/person", methods=["GET", "POST"])
@login_required
def person(code: str):
    case = case_or_404(code, policy.may_rectify_subject)
    actor = current_actor()
    subject = rectification.subject_of(actor, case)
    form = RectifyForm()
    if not form.is_submitted() and subject is not None:
        form.full_name.data = subject.full_name
        form.address.data = subject.address
        if subject.date_of_birth:
            form.date_of_birth.data = date.fromisoformat(subject.date_of_birth)
    status = 200
    if form.validate_on_submit():
        dob = form.date_of_birth.data.isoformat() if form.date_of_birth.data else None
        try:
            changed = rectification.rectify(
                actor, case, form.reason.data, full_name=form.full_name.data,
                date_of_birth=dob, address=form.address.data)
            db.session.commit()
            flash(_("Corrected: %(fields)s.", fields=", ".join(
                str(FIELD_LABELS.get(f, f)) for f in changed)) if changed else
                _("Nothing changed."), "success")
            return redirect(url_for("privacy.person", code=case.code))
        except InvalidInput as error:
            db.session.rollback()
            flash(error.message, "danger")
            status = 422
    elif form.is_submitted():
        status = 422
    html = render_template("privacy/person.html", case=case, subject=subject, form=form,
                           erase=EraseForm())
    db.session.commit()  # the read is audited (after rendering: nothing is read after it)
    return html, status


@bp.route("/cases/<code>/person/erase", methods=["POST"])
@login_required
def erase(code: str):
    case = case_or_404(code, policy.may_erase_subject)
    form = EraseForm()
    if not form.validate_on_submit():
        flash(_("Say why the data are erased."), "danger")
        return redirect(url_for("privacy.person", code=case.code))
    try:
        rectification.erase(current_actor(), case, form.reason.data)
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("privacy.person", code=case.code))
    flash(_("The person's details were erased with all free text of the case.")
          if case.status == "closed" else
          _("The person's details were erased; the case's free text stays until it is closed."),
          "success")
    return redirect(url_for("privacy.person", code=case.code))


def _json_download(payload: dict, name: str) -> Response:
    return Response(json.dumps(payload, indent=2, ensure_ascii=False),
                    mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})


@bp.route("/cases/<code>/person/export.json")
@login_required
def export_case_subject(code: str):
    case = case_or_404(code)
    if not policy.may_export_subject_data(current_user):
        abort(403)
    if prompt := reauth_redirect():
        return prompt
    try:
        payload = subject_access.export_for_case(current_actor(), case)
    except InvalidInput as error:
        flash(error.message, "danger")
        return redirect(url_for("privacy.person", code=case.code))
    db.session.commit()
    return _json_download(payload, f"subject-access-{case.code}.json")


@bp.route("/subject-access")
@login_required
def subject_search():
    if not policy.may_export_subject_data(current_user):
        abort(403)
    form = SubjectSearchForm()
    return render_template("privacy/search.html", form=form)


@bp.route("/subject-access/export", methods=["POST"])
@login_required
def subject_export():
    if not policy.may_export_subject_data(current_user):
        abort(403)
    if prompt := reauth_redirect():
        return prompt
    form = SubjectSearchForm()
    if form.validate_on_submit():
        dob = form.date_of_birth.data.isoformat() if form.date_of_birth.data else None
        try:
            payload = subject_access.export_subject(current_actor(), form.full_name.data, dob)
            db.session.commit()
            return _json_download(payload, "subject-access.json")
        except InvalidInput as error:
            db.session.rollback()
            flash(error.message, "danger")
    return render_template("privacy/search.html", form=form), 422
