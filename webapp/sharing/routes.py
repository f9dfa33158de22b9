"""Need-to-know: an involved organisation's view of a case, and the coordinator's sharing page
(who is involved and why, a seat at the table, sharing a contribution or a note, and taking a
seat or a share back)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from webapp.extensions import db
from webapp.i18n.bundletext import org_name, step_title
from webapp.models import Contribution, Organisation, SharedItem
from webapp.services import disclosure, involvement, policy, reachability
from webapp.services.errors import InvalidInput
from webapp.web import case_or_404, current_actor

bp = Blueprint("sharing", __name__)


class SeatForm(FlaskForm):
    organisation = SelectField(_l("Organisation"), validators=[DataRequired()])


class ShareForm(FlaskForm):
    organisation = SelectField(_l("Share with"), validators=[DataRequired()])
    contribution = SelectField(_l("Contribution"), validators=[Optional()], coerce=str)
    note = TextAreaField(_l("Note for this organisation"),
                         validators=[Optional(), Length(max=5000)],
                         description=_l("Only what this organisation needs to do its part."))


@bp.route("/shared/")
@login_required
def index():
    """The cases the user's organisation is involved in (by code), for partners."""
    if not policy.can(current_user, "case.read_involved"):
        abort(403)
    return render_template("sharing/index.html",
                           cases=involvement.involved_cases(current_user))


@bp.route("/shared/<code>")
@login_required
def case(code: str):
    """What the user's organisation may see of a case (the table sees the whole file)."""
    case = case_or_404(code, policy.may_view_involved_case)
    actor = current_actor()
    view = involvement.involved_view(actor, case)
    identity = disclosure.shown_identity(actor, case, where="case")
    questions = disclosure.questions_by_task(
        case, None if view.at_table else {m.organisation_id for m in current_user.memberships})
    workable = {t.id for t in view.open_tasks if policy.may_work_on(current_user, t)}
    html = render_template("sharing/case.html", view=view, workable=workable,
                           identity=identity, questions=questions)
    db.session.commit()  # after rendering: a task completed meanwhile must not break the page
    return html


def _sharing_forms(case):
    involved_ids = policy.involved_organisation_ids(case)
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    seat, share = SeatForm(prefix="seat"), ShareForm(prefix="share")
    silent = reachability.unreachable_ids()
    names = {o.id: reachability.unreachable_label(org_name(o)) if o.id in silent
             else org_name(o) for o in orgs}
    seat.organisation.choices = [SelectChoice(o.code, names[o.id]) for o in orgs]
    share.organisation.choices = [SelectChoice(o.code, names[o.id]) for o in orgs
                                  if o.id in involved_ids]
    contributions = db.session.scalars(
        select(Contribution).where(Contribution.case_id == case.id)
        .order_by(Contribution.submitted_at, Contribution.id)).all()
    share.contribution.choices = [SelectChoice("", _("— none, only the note —"))] + [
        SelectChoice(str(c.id), _contribution_choice(c)) for c in contributions]
    return seat, share


def _contribution_choice(c: Contribution) -> str:
    """``Answer information request · Local police``, in the reader's language."""
    who = org_name(c.organisation) if c.organisation else c.user.display_name
    if c.professional_secrecy:
        return _("%(step)s · %(who)s (professional secrecy: table only)",
                 step=step_title(c.title), who=who)
    return f"{step_title(c.title)} · {who}"


@bp.route("/cases/<code>/sharing", methods=["GET"])
@login_required
def manage(code: str):
    case = case_or_404(code, policy.may_share)
    seat, share = _sharing_forms(case)
    return _render_manage(case, seat, share)


def _render_manage(case, seat, share, status=200):
    shared = db.session.scalars(
        select(SharedItem).where(SharedItem.case_id == case.id)
        .order_by(SharedItem.shared_at, SharedItem.id)).all()
    return render_template("sharing/manage.html", case=case, seat=seat, share=share,
                           involvements=involvement.involvements(case), shared=shared,
                           disclosures=disclosure.disclosures(case),
                           identifiers_in_words=disclosure.in_words,
                           withdrawable=involvement.WITHDRAWABLE_REASONS,
                           shared_what=_shared_what), status


def _shared_what(item: SharedItem) -> str:
    return involvement.shared_what(item, step_title)


@bp.route("/cases/<code>/sharing/seat", methods=["POST"])
@login_required
def grant_seat(code: str):
    case = case_or_404(code, policy.may_share)
    seat, share = _sharing_forms(case)
    if seat.validate_on_submit():
        try:
            involvement.grant_seat(current_actor(), case, seat.organisation.data)
            db.session.commit()
            flash(_("The organisation has a seat at the table for this case."), "success")
            return redirect(url_for("sharing.manage", code=case.code))
        except InvalidInput as error:
            db.session.rollback()
            flash(error.message, "danger")
    return _render_manage(case, seat, share, 422)


@bp.route("/cases/<code>/sharing/share", methods=["POST"])
@login_required
def share(code: str):
    case = case_or_404(code, policy.may_share)
    seat, share_form = _sharing_forms(case)
    if share_form.validate_on_submit():
        contribution = share_form.contribution.data
        try:
            item = involvement.share(
                current_actor(), case, share_form.organisation.data,
                contribution_id=int(contribution) if contribution else None,
                note=share_form.note.data)
            db.session.commit()
            flash(_("Shared with %(org)s; they see it on their view of this case.",
                    org=org_name(item.organisation)), "success")
            return redirect(url_for("sharing.manage", code=case.code))
        except InvalidInput as error:
            db.session.rollback()
            flash(error.message, "danger")
    return _render_manage(case, seat, share_form, 422)


@bp.route("/cases/<code>/sharing/seats/<int:item_id>/withdraw", methods=["POST"])
@login_required
def withdraw_seat(code: str, item_id: int):
    """Take a seat at the table back (404: no such involvement on this case)."""
    case = case_or_404(code, policy.may_share)
    try:
        done = involvement.withdraw_seat(current_actor(), case, item_id, step_name=step_title)
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("sharing.manage", code=case.code))
    db.session.commit()
    if done.still_involved:
        message = _("Withdrawn: %(org)s no longer has a seat at the table for this case; it "
                    "still sees its own tasks and answers.", org=done.organisation)
    else:
        message = _("Withdrawn: %(org)s no longer has a seat at the table for this case and no "
                    "longer sees the case at all.", org=done.organisation)
    if done.shares_withdrawn:
        message += " " + ngettext(
            "One shared item that needed the seat was withdrawn with it.",
            "%(num)d shared items that needed the seat were withdrawn with it.",
            done.shares_withdrawn)
    flash(message, "success")
    return redirect(url_for("sharing.manage", code=case.code))


@bp.route("/cases/<code>/sharing/shared/<int:item_id>/withdraw", methods=["POST"])
@login_required
def withdraw_share(code: str, item_id: int):
    """Take back something shared with an organisation (404: not shared on this case)."""
    case = case_or_404(code, policy.may_share)
    done = involvement.withdraw_share(current_actor(), case, item_id, step_name=step_title)
    db.session.commit()
    flash(_("Withdrawn: %(org)s no longer sees %(what)s.", org=done.organisation,
            what=done.what), "success")
    return redirect(url_for("sharing.manage", code=case.code))


@bp.route("/cases/<code>/sharing/identity/<int:item_id>/withdraw", methods=["POST"])
@login_required
def withdraw_identity(code: str, item_id: int):
    """Withdraw the person's identity from the organisation this disclosure went to (404: not
    disclosed on this case); its members stop seeing it at once."""
    case = case_or_404(code, policy.may_share)
    try:
        done = disclosure.withdraw(current_actor(), case, item_id)
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("sharing.manage", code=case.code))
    db.session.commit()
    flash(_("Withdrawn: %(org)s no longer sees the person's %(what)s on this case.",
            org=done.organisation, what=disclosure.in_words(done.identifiers)), "success")
    return redirect(url_for("sharing.manage", code=case.code))
