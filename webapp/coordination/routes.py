"""Coordinating the network's work across cases: the overview of the partners' open tasks
and reminders, urgency, bringing a review forward, the responsible coordinator, and finding
cases by the person."""

import functools

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
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional

from webapp.auth.permissions import permission_required
from webapp.extensions import db
from webapp.i18n.bundletext import org_name, step_title
from webapp.i18n.dates import LocalDateField
from webapp.models import utcnow
from webapp.models.cases import URGENT
from webapp.services import coordination, overview, person_search, urgency, waiting
from webapp.services.cases import record_failure
from webapp.services.errors import Conflict, InvalidInput, StepFailed
from webapp.services.inbox import due_state
from webapp.services.policy import may_bring_review_forward, may_change_coordinator, may_set_urgency
from webapp.web import case_or_404, current_actor, safe_next, url_for_ids

bp = Blueprint("coordination", __name__)
MAX_ID = 2**31 - 1  # what the databases' integer ids can hold; larger numbers name nothing


def _row_id(value) -> int | None:
    """A row id sent in a form or an address, or None when it cannot name a row."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) <= MAX_ID else None


@bp.route("/overview")
@permission_required("task.overview")
def overview_page():
    now = utcnow()
    organisation = (request.args.get("organisation") or "").strip()[:40]
    shown = overview.load_overview(
        current_actor(), organisation=organisation, page=request.args.get("page", 1, type=int),
        per_page=int(current_app.config["INBOX_PAGE_SIZE"]), now=now)
    db.session.commit()  # the read is audited
    return render_template("coordination/overview.html", overview=shown, now=now,
                           organisation=organisation, due_state=due_state, URGENT=URGENT,
                           remind_url=url_for_ids("coordination.remind"), say=_row_words())


def _row_words() -> dict:
    """The words of the overview's rows, translated once per page rather than once per row
    (each lookup costs more than the rest of a row): placeholders are filled in the page
    with ``|format``; ``overdue(days)`` translates each number of days once."""
    overdue = functools.cache(lambda days: _("Overdue by %(days)s", days=ngettext(
        "%(num)d day", "%(num)d days", days)))
    return {
        "urgent": _("Urgent"), "nobody": _("No organisation assigned"),
        "unreachable": _("No active users: nobody sees this task"),
        "on_it": _("%(name)s is on it"), "soon": _("Due soon"), "no_deadline": _("No deadline"),
        "sent": _("Sent %(date)s"), "remind": _("Send a reminder now"),
        "about": _("about %(title)s of %(code)s"), "overdue": overdue,
        "nobody_to_remind": _("Nobody there to remind: contact the organisation directly."),
    }


@bp.route("/overview/tasks/<int:task_id>/remind", methods=["POST"])
@login_required
def remind(task_id: int):
    """Send a reminder now. A task that is not the user's to remind is a 404, like one that
    does not exist (tasks cannot be probed)."""
    back = safe_next(request.form.get("next")) or url_for("coordination.overview_page")
    if _row_id(task_id) is None:
        abort(404)
    try:
        task = overview.send_reminder(current_actor(), task_id)
        title, code = step_title(task.title), task.case_code
        organisation = org_name(task.organisation) if task.organisation else _("nobody")
        db.session.commit()
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "warning")
        return redirect(back)
    flash(_("Reminder sent to %(organisation)s about “%(title)s” for case %(code)s. They see "
            "it on the task in their inbox.", organisation=organisation, title=title, code=code),
          "success")
    return redirect(back)


def _to_case(code: str):
    return redirect(url_for("cases.show", code=code))


@bp.route("/cases/<code>/urgency", methods=["POST"])
@login_required
def urgency_change(code: str):
    case = case_or_404(code, may_set_urgency)
    make_urgent = request.form.get("urgent") == "1"
    try:
        urgency.change_urgency(current_actor(), case, urgent=make_urgent,
                               reason=request.form.get("reason", ""))
        db.session.commit()
    except (InvalidInput, Conflict) as error:
        db.session.rollback()
        flash(error.message, "danger" if isinstance(error, InvalidInput) else "warning")
        return _to_case(code)
    flash(_("Case %(code)s is marked urgent: its tasks come first in every inbox.", code=code)
          if make_urgent else _("The urgency of case %(code)s is lifted.", code=code), "success")
    return _to_case(code)


@bp.route("/cases/<code>/review-now", methods=["POST"])
@login_required
def review_now(code: str):
    case = case_or_404(code, may_bring_review_forward)
    actor = current_actor()
    try:
        waiting.bring_review_forward(actor, case)
        db.session.commit()
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "warning")
        return _to_case(code)
    except StepFailed as error:
        db.session.rollback()
        record_failure(actor, error.case_id, None, error.detail)
        db.session.commit()
        flash(error.message, "danger")
        return _to_case(code)
    flash(_("The review of case %(code)s is brought forward: it is in the coordinators' inbox "
            "now.", code=code), "success")
    return _to_case(code)


@bp.route("/cases/<code>/coordinator", methods=["POST"])
@login_required
def change_coordinator(code: str):
    case = case_or_404(code, may_change_coordinator)
    try:
        chosen = coordination.change_coordinator(
            current_actor(), case, _row_id(request.form.get("user_id")),
            _row_id(request.form.get("current")))
        name = chosen.display_name
        db.session.commit()
    except (InvalidInput, Conflict) as error:
        db.session.rollback()
        flash(error.message, "danger" if isinstance(error, InvalidInput) else "warning")
        return _to_case(code)
    flash(_("%(name)s is now the responsible coordinator of case %(code)s.", name=name,
            code=code), "success")
    return _to_case(code)


class PersonSearchForm(FlaskForm):
    full_name = StringField(_l("Name (or part of it)"), validators=[Optional(), Length(max=200)])
    date_of_birth = LocalDateField(_l("Date of birth"), validators=[Optional()])


@bp.route("/cases/search", methods=["GET", "POST"])
@permission_required("case.search_person")
def search():
    """Find cases by the person. Sent by POST, so the name never appears in an address (the
    browser's history, server logs)."""
    form = PersonSearchForm()
    found, status = None, 200
    if form.validate_on_submit():
        dob = form.date_of_birth.data.isoformat() if form.date_of_birth.data else None
        try:
            found = person_search.search_cases(current_actor(), form.full_name.data or "", dob)
            db.session.commit()
        except InvalidInput as error:
            db.session.rollback()
            flash(error.message, "danger")
            status = 422
    elif form.is_submitted():
        status = 422
    return render_template("coordination/search.html", form=form, found=found,
                           limit=person_search.SEARCH_LIMIT), status
