"""The task page: instructions, the task's form, drafts; submitting completes the task."""

import functools
import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup

from webapp import pictures, recorded
from webapp.errors import render_error
from webapp.extensions import db
from webapp.services import advice as advice_service
from webapp.services import bundles, caseview, drafts
from webapp.services import cases as case_service
from webapp.services import tasks as task_service
from webapp.services.errors import Conflict, InvalidInput, NotAllowed, NotFound, StepFailed
from webapp.taskforms import build_task_form
from webapp.web import current_actor

bp = Blueprint("tasks", __name__, url_prefix="/tasks")
_SVG_SIZE = re.compile(r'^(<svg[^>]*?) width="[^"]*" height="[^"]*"')


def option_sources():
    """x-options sources for the form builder; the database is read only if a field asks."""
    values = functools.cache(task_service.option_values)
    return {name: (lambda name=name: values()[name]) for name in task_service.OPTION_SOURCES}


def _entered() -> dict:
    return {k: v for k, v in request.form.to_dict(flat=False).items()
            if k not in ("csrf_token", "action") and any(v)}


@bp.route("/<int:task_id>", methods=["GET", "POST"])
@login_required
def show(task_id: int):
    actor = current_actor()
    posted = request.method == "POST"
    action = request.form.get("action", "complete") if posted else None
    if action == "complete" and (done := _complete_directly(actor, task_id)) is not None:
        return done
    if action == "draft":
        return _save_draft(actor, task_id)
    if action == "discard":
        drafts.discard_draft(actor, task_id)
        db.session.commit()
        flash("Your draft is discarded; the form shows the task as it was.", "info")
        return redirect(url_for("tasks.show", task_id=task_id))
    try:
        page = _page(actor, task_id, posted)
    except Conflict as error:
        db.session.rollback()
        if not posted:
            raise
        return _not_saved(error)
    except StepFailed as error:
        return _cannot_show(actor, error)
    form = page["form"]
    if posted and not form.row_action() and form.validate_task():
        return _complete(actor, task_id, page)
    if posted and not form.row_action():
        flash("Nothing was saved yet: please correct the marked fields and send the form "
              "again. What you entered is kept.", "danger")
        return _render(page, 422)
    return _render(page)


def _page(actor, task_id: int, posted: bool) -> dict:
    """Everything the task page shows, read (and its reads audited) before anything is
    committed: nothing on the page is read from the database after the commit, when a
    colleague may have completed the task. Raises Conflict, NotFound, StepFailed."""
    view = task_service.open_task(actor, task_id)
    draft = drafts.get_draft(actor, task_id)
    prefill = {**view.data, **(draft.data if draft else {})}
    form = build_task_form(view.schema or {"type": "object", "properties": {}}, view.ui_schema,
                           formdata=request.form if posted else None,
                           data=prefill, option_sources=option_sources())
    return {"view": view, "form": form, "draft": draft,
            "context": caseview.task_context(actor, view.task, view.data),
            "live_pictures": _pictures(form.to_data()) if _has_pictures(view.schema) else None,
            "advice": advice_service.advice_for(view.task, form.to_data()),
            "claimer": task_service.claimer_name(view.task) if view.task.claimed_by_id else None}


def _render(page: dict, status: int = 200):
    """Render the page, then commit the audited reads: the page never reads after a commit."""
    html = render_template("tasks/show.html", **page)
    db.session.commit()
    return html, status


def _cannot_show(actor, error: StepFailed):
    db.session.rollback()
    case_service.record_failure(actor, error.case_id, None, error.detail)
    db.session.commit()
    return render_error(500, error.message)


def _complete_directly(actor, task_id: int):
    """The usual submit: valid answers to a task that is still open. Completes it without
    building the page (no workflow snapshot, case summary or pictures), which halves the
    server time. Anything else (a row added, a field to correct, someone else was first, a
    failing step) returns None and the full page path explains it."""
    try:
        # the case locked and loaded with its process version; complete_task reuses both
        task = task_service.get_task_for(actor.user, task_id, lock=True)
    except (Conflict, NotFound):
        db.session.rollback()
        return None
    form = _posted_form(task)
    if form.row_action() or not form.validate_task():
        db.session.rollback()
        return None
    code, title = task.case_code, task.title
    try:
        task_service.complete_task(actor, task_id, form.to_data(),
                                   checked_against=form.checked_schema)
        db.session.commit()
    except (InvalidInput, NotAllowed, Conflict, StepFailed):
        db.session.rollback()
        return None
    return _done(title, code)


def _done(title: str, code: str):
    """After a completed task: say so, and back to the inbox for the next one."""
    flash(f"“{title}” for case {code} is done.", "success")
    return redirect(url_for("inbox.index"))


def _posted_form(task):
    """The task's form filled from the request (its schema and UI schema from the bundle)."""
    bundle = bundles.bundle_for(task.case.process_version)
    ui_name = bundle.task_properties(task.spec_name).get("formUiSchemaFilename")
    schema = bundle.form(task.form) if task.form else None
    return build_task_form(schema or {"type": "object", "properties": {}},
                           bundle.form(ui_name) if ui_name else None,
                           formdata=request.form, option_sources=option_sources())


def _not_saved(error: Conflict):
    """The conflict page for a form sent after someone else completed the task: what was
    entered, read with the task's form (labels, rows) when the first completion names it."""
    schema, ui = recorded.forms_of(error.done) if error.done is not None else (None, None)
    if schema is None:
        return render_template("tasks/conflict.html", message=error.message, data=_entered(),
                               schema=None, successor=error.successor), 409
    form = build_task_form(schema, ui, formdata=request.form, option_sources=option_sources())
    return render_template("tasks/conflict.html", message=error.message, data=form.to_data(),
                           schema=schema, ui=ui, successor=error.successor), 409


def _pictures(data: dict) -> list[tuple[str, Markup]]:
    """(title, inline SVG) of the case pictures the entered data has rows for."""
    drawn = pictures.pictures_from(data)
    return [(pictures.PICTURES[kind][0], Markup(_SVG_SIZE.sub(r"\1", drawn[kind], count=1)))  # noqa: S704 - escaped SVG from webapp.pictures
            for kind in pictures.PICTURES if kind in drawn]


def _has_pictures(schema: dict | None) -> bool:
    return any(kind in ((schema or {}).get("properties") or {}) for kind in pictures.PICTURES)


@bp.route("/<int:task_id>/pictures", methods=["POST"])
@login_required
def live_pictures(task_id: int):
    """The pictures drawn from what is typed in the form so far (nothing is saved or read
    from the case; the task's permission check still applies)."""
    task = task_service.get_task_for(current_actor().user, task_id)
    schema = bundles.bundle_for(task.case.process_version).form(task.form) if task.form else None
    if not _has_pictures(schema):
        abort(404)
    form = build_task_form(schema, None, formdata=request.form, option_sources=option_sources())
    return render_template("tasks/_live_pictures.html", drawn=_pictures(form.to_data()))


@bp.route("/<int:task_id>/advice", methods=["POST"])
@login_required
def live_advice(task_id: int):
    """The advice of the task's decision table for what is typed in the form so far (nothing
    is saved; the task's permission check still applies). 404 for a task that asks none."""
    task = task_service.get_task_for(current_actor().user, task_id)
    schema = bundles.bundle_for(task.case.process_version).form(task.form) if task.form else None
    form = build_task_form(schema or {"type": "object", "properties": {}}, None,
                           formdata=request.form, option_sources=option_sources())
    shown = advice_service.advice_for(task, form.to_data())
    if shown is None:
        abort(404)
    return render_template("tasks/_advice.html", advice=shown)


@bp.route("/<int:task_id>/draft", methods=["POST"])
@login_required
def autosave(task_id: int):
    """Save the form as this user's draft without leaving the page (forms.js calls this a
    while after typing), so an expired session or a closed laptop loses nothing. When the task
    was completed or replaced meanwhile, say so; the text stays in the browser's form."""
    actor = current_actor()
    try:
        task = task_service.get_task_for(actor.user, task_id)
        form = _posted_form(task)
        saved_at = drafts.save_draft(actor, task_id, form.to_data())
        db.session.commit()
    except (Conflict, NotFound, InvalidInput) as error:
        db.session.rollback()
        status = 409 if isinstance(error, Conflict) else 404 if isinstance(error, NotFound) else 422
        return {"error": f"Your draft was not saved: {error.message} What you typed is still "
                         "in the form: copy it before leaving this page."}, status
    return {"saved_at": saved_at.strftime("%H:%M")}


def _save_draft(actor, task_id):
    try:
        task = task_service.get_task_for(actor.user, task_id)
        title = task.title
        form = _posted_form(task)
        drafts.save_draft(actor, task_id, form.to_data())
        db.session.commit()
    except Conflict as error:  # completed or replaced meanwhile: keep the text in view
        db.session.rollback()
        return _not_saved(error)
    except InvalidInput as error:
        db.session.rollback()
        flash(f"The draft could not be saved: {error.message}", "danger")
        return redirect(url_for("tasks.show", task_id=task_id))
    flash(f"Draft of “{title}” saved. Only you can see it; it is kept when you log "
          "out. Open the task again to continue.", "success")
    return redirect(url_for("tasks.show", task_id=task_id))


def _complete(actor, task_id, page):
    """The full path's submit (the direct path found something to explain). On a refusal the
    page is read again, as it is now, with what was entered kept in the form."""
    view, form = page["view"], page["form"]
    code, title, spiff_id = view.task.case.code, view.task.title, view.task.spiff_task_id
    schema, ui, entered = view.schema, view.ui_schema, form.to_data()
    try:
        task_service.complete_task(actor, task_id, entered, checked_against=form.checked_schema)
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        return _again(actor, task_id, error.message, 422,
                      [e.message for e in error.errors])
    except NotAllowed as error:  # claimed by a colleague meanwhile, or four eyes
        db.session.rollback()
        return _again(actor, task_id, error.message, 403)
    except Conflict as error:
        db.session.rollback()
        return render_template("tasks/conflict.html", message=error.message, data=entered,
                               schema=schema, ui=ui, successor=error.successor), 409
    except StepFailed as error:
        db.session.rollback()
        case_service.record_failure(actor, error.case_id, spiff_id, error.detail)
        db.session.commit()
        return _again(actor, task_id, error.message, 500)
    return _done(title, code)


def _again(actor, task_id: int, message: str, status: int, errors: list[str] | None = None):
    """The task page once more after a refused submit, read afresh, the entry kept."""
    try:
        page = _page(actor, task_id, posted=True)
    except Conflict as error:
        db.session.rollback()
        return _not_saved(error)
    page["form"].form_errors.extend(errors or [])
    flash(message, "danger")
    return _render(page, status)
