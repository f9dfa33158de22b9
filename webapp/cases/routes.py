"""Cases: register one, the coordinators' list, and the case page with its history."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from webapp.auth.permissions import permission_required
from webapp.auth.reauth import reauth_redirect
from webapp.extensions import db
from webapp.i18n.bundletext import bundle_translator, steps_title
from webapp.i18n.dates import LocalDateField
from webapp.models import CaseSubject, Contribution, Task, utcnow
from webapp.models.cases import URGENT
from webapp.services import (
    bundles,
    caseview,
    coordination,
    exports,
    network,
    person_search,
    waiting,
)
from webapp.services import cases as case_service
from webapp.services import comments as comment_service
from webapp.services.audit import record
from webapp.services.errors import InvalidInput, StepFailed
from webapp.services.policy import (
    may_change_coordinator,
    may_comment,
    may_see_person_details,
    may_view_case,
    visible_contributions,
)
from webapp.services.tasks import inbox_query
from webapp.web import case_or_404, current_actor, page_number

bp = Blueprint("cases", __name__, url_prefix="/cases")


class RegisterCaseForm(FlaskForm):
    full_name = StringField(_l("Name of the person"), validators=[Optional(), Length(max=200)],
                            description=_l("Kept apart from the case; only coordinators see "
                                           "it."))
    date_of_birth = LocalDateField(_l("Date of birth"), validators=[Optional()])
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=500)])


@bp.route("/")
@permission_required("case.list")
def index():
    flt = exports.CaseFilter.from_args(request.args)
    exports.check_may_list(current_actor())
    page = db.paginate(exports.cases_query(flt), page=page_number(), per_page=50,
                       error_out=False)
    if page.pages and page.page > page.pages:  # past the end: the last page
        page = db.paginate(exports.cases_query(flt), page=page.pages, per_page=50)
    record(current_actor(), "cases_listed", page=page.page, **flt.args())
    html = render_template("cases/index.html", page=page, flt=flt, statuses=exports.STATUSES,
                           steps=exports.step_choices(),
                           coordinators=exports.coordinator_names(page.items), now=utcnow())
    db.session.commit()
    return html


@bp.route("/export.csv")
@permission_required("case.export")
def export():
    if prompt := reauth_redirect():  # exports ask for the password again after a while
        return prompt
    flt = exports.CaseFilter.from_args(request.args)
    now = utcnow()
    body = exports.export_cases_csv(current_actor(), flt, now=now, step_names=steps_title)
    db.session.commit()
    filename = f"mawflow-cases-{now.strftime('%Y%m%d-%H%M')}.csv"
    return Response("\ufeff" + body, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })


@bp.route("/new", methods=["GET", "POST"])
@permission_required("case.register")
def new():
    form = RegisterCaseForm()
    if form.validate_on_submit():
        actor = current_actor()
        dob = form.date_of_birth.data.isoformat() if form.date_of_birth.data else None
        person = f"{' '.join((form.full_name.data or '').split()).lower()}|{dob or ''}"
        if request.form.get("confirmed") != person and (
                earlier := person_search.earlier_cases(actor, form.full_name.data or "", dob)):
            db.session.commit()  # the reads of those cases' person details are audited
            return render_template("cases/new.html", form=form, earlier=earlier,
                                   confirmed=person)
        try:
            case = case_service.register_case(actor, full_name=form.full_name.data or "",
                                              date_of_birth=dob, address=form.address.data)
            code = case.code
            first = db.session.scalar(
                inbox_query(current_user).with_only_columns(Task.id)
                .where(Task.case_id == case.id).limit(1))
            db.session.commit()
        except StepFailed as error:
            db.session.rollback()
            flash(f"{error.message} ({error.detail})", "danger")  # the detail: for the owner
            return render_template("cases/new.html", form=form), 500
        flash(_("Case %(code)s is registered.", code=code), "success")
        if first is not None:
            return redirect(url_for("tasks.show", task_id=first))
        return redirect(url_for("cases.show", code=code))
    return render_template("cases/new.html", form=form), 422 if form.is_submitted() else 200


@bp.route("/<code>")
@login_required
def show(code: str):
    case = case_or_404(code, may_view_case)
    actor = current_actor()
    subject = (db.session.get(CaseSubject, case.id)
               if may_see_person_details(current_user, case) else None)
    open_tasks = db.session.scalars(
        select(Task).where(Task.case_id == case.id).order_by(Task.created_at, Task.id)
    ).all()
    contributions = visible_contributions(current_user, case, db.session.scalars(
        select(Contribution).where(Contribution.case_id == case.id)
        .order_by(Contribution.submitted_at, Contribution.id)
    ).all())
    comments = comment_service.list_comments(actor, case)
    bundle = bundles.bundle_for(case.process_version)
    lanes = {t.spec_name: bundle.lane_name(t.spec_name) for t in open_tasks}  # e.g. "Table"
    now = utcnow()
    waits = waiting.waiting_for(case)
    gaps = network.case_gaps(current_user, case)
    record(actor, "case_viewed", case_id=case.id)
    # Rendered before the commit: a task a colleague completes meanwhile must not break it.
    html = render_template(
        "cases/show.html", case=case, subject=subject, open_tasks=open_tasks,
        contributions=contributions, timeline=caseview.timeline(case), comments=comments,
        lanes=lanes,
        progress=caseview.progress(case, waits.elements),
        days_open=caseview.days_open(case, now),
        comment_max=comment_service.MAX_LENGTH,
        may_comment=may_comment(current_user, case), waiting=waits, URGENT=URGENT, gaps=gaps,
        coordinators=(coordination.coordinators()
                      if may_change_coordinator(current_user, case) else []),
    )
    db.session.commit()
    return html


@bp.route("/<code>/diagram.bpmn")
@login_required
def diagram(code: str):
    case = case_or_404(code)
    xml = caseview.diagram_xml(current_actor(), case, bundle_translator)
    db.session.commit()
    return Response(xml, mimetype="application/xml", headers={"Cache-Control": "no-store"})


@bp.route("/<code>/comments", methods=["POST"])
@login_required
def comment(code: str):
    case = case_or_404(code)
    try:
        comment_service.add_comment(current_actor(), case, request.form.get("body", ""))
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        flash(_("Your comment was not added: %(reason)s", reason=error.message), "danger")
        return redirect(url_for("cases.show", code=code, _anchor="comments-title"))
    flash(_("Your comment is added."), "success")
    return redirect(url_for("cases.show", code=code, _anchor="comments-title"))
