"""Cases: register one, the coordinators' list, and the case page with its history."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from webapp.extensions import db
from webapp.models import AuditEvent, Case, CaseSubject, Contribution, Task
from webapp.services import cases as case_service
from webapp.services.audit import record
from webapp.services.errors import StepFailed
from webapp.services.policy import may_see_person_details
from webapp.services.tasks import inbox_query
from webapp.web import current_actor, role_required

bp = Blueprint("cases", __name__, url_prefix="/cases")


class RegisterCaseForm(FlaskForm):
    full_name = StringField("Name of the person", validators=[Optional(), Length(max=200)],
                            description="Kept apart from the case; only coordinators see it.")
    date_of_birth = DateField("Date of birth", validators=[Optional()])
    address = TextAreaField("Address", validators=[Optional(), Length(max=500)])


@bp.route("/")
@role_required("coordinator")
def index():
    status = request.args.get("status", "")
    query = select(Case).order_by(Case.created_at.desc())
    if status:
        query = query.where(Case.status == status)
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=50,
                       error_out=False)
    return render_template("cases/index.html", page=page, status=status)


@bp.route("/new", methods=["GET", "POST"])
@role_required("coordinator")
def new():
    form = RegisterCaseForm()
    if form.validate_on_submit():
        actor = current_actor()
        dob = form.date_of_birth.data.isoformat() if form.date_of_birth.data else None
        try:
            case = case_service.register_case(actor, full_name=form.full_name.data or "",
                                              date_of_birth=dob, address=form.address.data)
            db.session.commit()
        except StepFailed as error:
            db.session.rollback()
            flash(f"{error.message} ({error.detail})", "danger")
            return render_template("cases/new.html", form=form), 500
        flash(f"Case {case.code} is registered.", "success")
        first = db.session.scalar(
            inbox_query(current_user).where(Task.case_id == case.id).limit(1)
        )
        if first is not None:
            return redirect(url_for("tasks.show", task_id=first.id))
        return redirect(url_for("cases.show", code=case.code))
    return render_template("cases/new.html", form=form), 422 if form.is_submitted() else 200


@bp.route("/<code>")
@role_required("coordinator")
def show(code: str):
    case = case_service.get_case(code)
    subject = db.session.get(CaseSubject, case.id) if may_see_person_details(current_user) else None
    open_tasks = db.session.scalars(
        select(Task).where(Task.case_id == case.id).order_by(Task.created_at, Task.id)
    ).all()
    contributions = db.session.scalars(
        select(Contribution).where(Contribution.case_id == case.id)
        .order_by(Contribution.submitted_at, Contribution.id)
    ).all()
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id,
                                 AuditEvent.action.not_in(["task_viewed", "case_viewed"]))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    bundle_forms = case_service.bundles.bundle_for(case.process_version)
    record(current_actor(), "case_viewed", case_id=case.id)
    db.session.commit()
    return render_template("cases/show.html", case=case, subject=subject, open_tasks=open_tasks,
                           contributions=contributions, events=events, bundle=bundle_forms)
