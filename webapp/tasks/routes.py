"""The task page: instructions, the task's form, drafts; submitting completes the task."""

import functools
import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup

from webapp import pictures, recorded
from webapp.extensions import db
from webapp.services import advice as advice_service
from webapp.services import attachments, bundles, caseview, drafts, network, reachability
from webapp.services import cases as case_service
from webapp.services import tasks as task_service
from webapp.services.errors import Conflict, InvalidInput, NotAllowed, NotFound, StepFailed
from webapp.taskforms import build_task_form
from webapp.web import current_actor

bp = Blueprint("tasks", __name__, url_prefix="/tasks")
_SVG_SIZE = re.compile(r'^(<svg[^>]*?) width="[^"]*" height="[^"]*"')


def option_sources():
    """x-options sources for the form builder; the database is read only if a field asks.
    Organisations nobody active works for are marked (services.reachability)."""
    values = functools.cache(reachability.marked_option_values)
    return {name: (lambda name=name: values()[name]) for name in task_service.OPTION_SOURCES}


def _entered() -> dict:
    return {k: v for k, v in request.form.to_dict(flat=False).items()
            if k not in ("csrf_token", "action") and any(v)}


@bp.route("/<int:task_id>", methods=["GET", "POST"])
@login_required
def show(task_id: int):
    actor = current_actor()
    submitted = request.method == "POST" and request.form.get("action", "complete") == "complete"
    if submitted and (done := _complete_directly(actor, task_id)) is not None:
        return done
    try:
        view = task_service.open_task(actor, task_id)
    except Conflict as error:
        db.session.rollback()
        if request.method != "POST":
            raise
        return _not_saved(error)
    posted = request.method == "POST"
    action = request.form.get("action", "complete") if posted else None
    draft = drafts.get_draft(actor, task_id)
    prefill = {**view.data, **(draft.data if draft else {})}
    form = build_task_form(view.schema or {"type": "object", "properties": {}}, view.ui_schema,
                           formdata=request.form if posted else None,
                           data=prefill, option_sources=option_sources())
    context = caseview.task_context(actor, view.task, view.data)
    gaps = network.task_gaps(actor.user, view.task)
    db.session.commit()  # the read is audited even if the submit below fails
    files_refused = _take_files(actor, view, action) if posted else None
    page = {"view": view, "form": form, "draft": draft, "context": context,
            "pending": attachments.pending(task_id, actor.user.id) if _accepts_files(view) else [],
            "limits": attachments.limits(),
            "live_pictures": _pictures(form.to_data()) if _has_pictures(view.schema) else None,
            "advice": advice_service.advice_for(view.task, form.to_data()),
            "claimer": task_service.claimer_name(view.task) if view.task.claimed_by_id else None,
            "second_pair": (task_service.second_pair(view.task)
                            if view.task.four_eyes_user_id == actor.user.id else None),
            "gaps": gaps}
    if files_refused:
        flash(files_refused, "danger")
        return render_template("tasks/show.html", **page), 422
    if posted and (form.row_action() or action.startswith(_REMOVE_FILE)):
        return render_template("tasks/show.html", **page)
    if action == "draft":
        return _save_draft(actor, task_id, form, view)
    if action == "discard":
        drafts.discard_draft(actor, task_id)
        attachments.remove_all_pending(actor, view.task)
        db.session.commit()
        flash("Your draft is discarded; the form shows the task as it was.", "info")
        return redirect(url_for("tasks.show", task_id=task_id))
    if posted and form.validate_task():
        return _complete(actor, task_id, form, page)
    if posted:
        flash("Nothing was saved yet: please correct the marked fields and send the form "
              "again. What you entered is kept.", "danger")
        return render_template("tasks/show.html", **page), 422
    return render_template("tasks/show.html", **page)


_REMOVE_FILE = "remove_attachment:"


def _accepts_files(view) -> bool:
    """A form accepts attachments when its schema says so (``x-attachments``)."""
    return isinstance((view.schema or {}).get("x-attachments"), dict)


def _take_files(actor, view, action: str) -> str | None:
    """Keep the files chosen in the form (pending until it is sent) or take one off; each in
    its own transaction, so a file kept stays kept when the form has a field to correct.
    Returns the message when a file was refused (nothing was stored then)."""
    if not _accepts_files(view):
        return None
    try:
        if action.startswith(_REMOVE_FILE):
            number = action.removeprefix(_REMOVE_FILE)
            attachments.remove_pending(actor, view.task, int(number) if number.isdigit() else 0)
        elif action in ("complete", "draft"):
            attachments.store_pending(actor, view.task, request.files.getlist("attachments"))
        db.session.commit()
    except (InvalidInput, NotFound) as error:
        db.session.rollback()
        return error.message
    return None


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
    if attachments.chosen(request.files.getlist("attachments")):
        db.session.rollback()  # files to check and keep first: the full page path does it
        return None
    form = _posted_form(task)
    if form.row_action() or not form.validate_task():
        db.session.rollback()
        return None
    code, title, case_id = task.case_code, task.title, task.case_id
    try:
        task_service.complete_task(actor, task_id, form.to_data(),
                                   checked_against=form.checked_schema)
        following = _following(actor, case_id)
        db.session.commit()
    except (InvalidInput, NotAllowed, Conflict, StepFailed):
        db.session.rollback()
        return None
    return _done(title, code, following)


def _following(actor, case_id: int) -> tuple[int, str] | None:
    """(id, title) of the user's next open task on the case, read before the commit."""
    row = task_service.next_task_for(actor.user, case_id)
    return (row.id, row.title) if row is not None else None


def _done(title: str, code: str, following: tuple[int, str] | None):
    """After a completed task: say so, and go on with the user's next open task on the same
    case when there is one (a coordinator often has several steps in a row); otherwise back
    to the inbox."""
    if following is None:
        flash(f"“{title}” for case {code} is done.", "success")
        return redirect(url_for("inbox.index"))
    flash(_("“%(title)s” for case %(code)s is done. Next for you on this case: “%(next)s”.",
            title=title, code=code, next=following[1]), "success")
    return redirect(url_for("tasks.show", task_id=following[0]))


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
                               schema=None), 409
    form = build_task_form(schema, ui, formdata=request.form, option_sources=option_sources())
    return render_template("tasks/conflict.html", message=error.message, data=form.to_data(),
                           schema=schema, ui=ui), 409


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
    while after typing), so an expired session or a closed laptop loses nothing."""
    actor = current_actor()
    task = task_service.get_task_for(actor.user, task_id)
    form = _posted_form(task)
    draft = drafts.save_draft(actor, task_id, form.to_data())
    db.session.commit()
    return {"saved_at": draft.saved_at.strftime("%H:%M")}


def _save_draft(actor, task_id, form, view):
    try:
        drafts.save_draft(actor, task_id, form.to_data())
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        flash(f"The draft could not be saved: {error.message}", "danger")
        return redirect(url_for("tasks.show", task_id=task_id))
    flash(f"Draft of “{view.task.title}” saved. Only you can see it; it is kept when you log "
          "out. Open the task again to continue.", "success")
    return redirect(url_for("tasks.show", task_id=task_id))


def _complete(actor, task_id, form, page):
    view = page["view"]
    code, title, case_id = view.task.case.code, view.task.title, view.task.case_id
    try:
        task_service.complete_task(actor, task_id, form.to_data(),
                                   checked_against=form.checked_schema)
        following = _following(actor, case_id)
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        for field_error in error.errors:
            form.form_errors.append(field_error.message)
        flash(error.message, "danger")
        return render_template("tasks/show.html", **page), 422
    except NotAllowed as error:  # claimed by a colleague meanwhile, or four eyes
        db.session.rollback()
        flash(error.message, "danger")
        return render_template("tasks/show.html", **page), 403
    except Conflict as error:
        db.session.rollback()
        return render_template("tasks/conflict.html", message=error.message,
                               data=form.to_data(), schema=view.schema, ui=view.ui_schema), 409
    except StepFailed as error:
        db.session.rollback()
        case_service.record_failure(actor, error.case_id, view.task.spiff_task_id, error.detail)
        db.session.commit()
        flash(error.message, "danger")
        return render_template("tasks/show.html", **page), 500
    return _done(title, code, following)
