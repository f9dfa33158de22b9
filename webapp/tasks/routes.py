"""The task page: instructions and the task's form; submitting completes the task."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.extensions import db
from webapp.services import cases as case_service
from webapp.services import tasks as task_service
from webapp.services.errors import Conflict, InvalidInput, StepFailed
from webapp.taskforms import build_task_form
from webapp.web import current_actor

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


def _option_sources():
    values = task_service.option_values()
    return {name: (lambda pairs=pairs: pairs) for name, pairs in values.items()}


@bp.route("/<int:task_id>", methods=["GET", "POST"])
@login_required
def show(task_id: int):
    actor = current_actor()
    try:
        view = task_service.open_task(actor, task_id)
    except Conflict as error:
        db.session.rollback()
        if request.method != "POST":
            raise
        entered = {k: v for k, v in request.form.to_dict(flat=False).items()
                   if k not in ("csrf_token", "action") and any(v)}
        return render_template("tasks/conflict.html", message=error.message, data=entered,
                               schema=None), 409
    form = build_task_form(view.schema or {"type": "object", "properties": {}}, view.ui_schema,
                           formdata=request.form if request.method == "POST" else None,
                           data=view.data, option_sources=_option_sources())
    db.session.commit()  # the read is audited even if the submit below fails
    if request.method == "POST" and not form.row_action() and form.validate_task():
        return _complete(actor, task_id, form, view)
    status = 422 if request.method == "POST" and not form.row_action() else 200
    return render_template("tasks/show.html", view=view, form=form), status


def _complete(actor, task_id, form, view):
    code = view.task.case.code
    try:
        task_service.complete_task(actor, task_id, form.to_data())
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        for field_error in error.errors:
            form.form_errors.append(field_error.message)
        flash(error.message, "danger")
        return render_template("tasks/show.html", view=view, form=form), 422
    except Conflict as error:
        db.session.rollback()
        return render_template("tasks/conflict.html", message=error.message,
                               data=form.to_data(), schema=view.schema), 409
    except StepFailed as error:
        db.session.rollback()
        case_service.record_failure(actor, error.case_id, view.task.spiff_task_id, error.detail)
        db.session.commit()
        flash(error.message, "danger")
        return render_template("tasks/show.html", view=view, form=form), 500
    flash(f"“{view.task.title}” for case {code} is done.", "success")
    return redirect(url_for("inbox.index"))
