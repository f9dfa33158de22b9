"""The task page: instructions, the task's form, drafts; submitting completes the task."""

import functools
import re

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
from flask_login import login_required
from markupsafe import Markup

from webapp import pictures
from webapp.engine.formoptions import chosen_items
from webapp.errors import render_error
from webapp.extensions import db
from webapp.i18n.bundletext import bundle_translator, step_title
from webapp.i18n.formatting import format_time
from webapp.i18n.locale import chosen_language
from webapp.pictures.routes import reader_words
from webapp.services import advice as advice_service
from webapp.services import attachments, bundles, caseview, claims, drafts, network, reachability
from webapp.services import cases as case_service
from webapp.services import tasks as task_service
from webapp.services.errors import Conflict, InvalidInput, NotAllowed, NotFound, StepFailed
from webapp.taskforms import build_task_form, field_message
from webapp.taskforms.dataoptions import WithTaskData
from webapp.web import current_actor, recorded

bp = Blueprint("tasks", __name__, url_prefix="/tasks")
_SVG_SIZE = re.compile(r'^(<svg[^>]*?) width="[^"]*" height="[^"]*"')


@bp.before_request
def _room_for_files():
    """A task form may send its files all at once: more than other requests may
    (MAX_REQUEST_MB, or the most files one form takes)."""
    if request.endpoint == "tasks.show" and request.method == "POST":
        request.max_content_length = current_app.config["TASK_FORM_MAX_BYTES"]


def option_sources():
    """x-options sources for the form builder; the database is read only if a field asks.
    Organisations nobody active works for are marked (services.reachability)."""
    values = functools.cache(lambda: reachability.marked_option_values(
        chosen_language(), recorded.request_option_values()))
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
    files_refused = _take_files(actor, task_id, action) if posted else None
    if (answered := _without_page(actor, task_id, action, files_refused)) is not None:
        return answered
    try:
        page = _page(actor, task_id, posted)
    except Conflict as error:
        db.session.rollback()
        if not posted:
            raise
        return _not_saved(error)
    except StepFailed as error:
        return _cannot_show(actor, error)
    if not posted:
        return _render(page)
    return _submitted(actor, task_id, page, action, files_refused)


def _without_page(actor, task_id: int, action: str | None, files_refused: str | None):
    """The posts that need no task page: the usual valid submit, a draft and a discard."""
    if action == "discard":
        return _discard(actor, task_id)
    if files_refused:
        return None
    if action == "complete":
        return _complete_directly(actor, task_id)
    if action == "draft":
        return _save_draft(actor, task_id)
    return None


def _submitted(actor, task_id: int, page: dict, action: str, files_refused: str | None):
    """A post the direct paths left to the page: a refused file, a row added or a file
    removed, answers to correct, or a submit to explain."""
    form = page["form"]
    if files_refused:
        flash(files_refused, "danger")
        return _render(page, 422)
    if form.row_action() or action.startswith(_REMOVE_FILE):
        return _render(page)
    if form.validate_task():
        return _complete(actor, task_id, page)
    flash(_("Nothing was saved yet: please correct the marked fields and send the form "
            "again. What you entered is kept."), "danger")
    return _render(page, 422)


def _discard(actor, task_id: int):
    """Throw away the user's draft and the files they kept with it (nothing was sent)."""
    task = task_service.get_task_for(actor.user, task_id)
    drafts.discard_draft(actor, task_id)
    attachments.remove_all_pending(actor, task)
    db.session.commit()
    flash(_("Your draft is discarded; the form shows the task as it was."), "info")
    return redirect(url_for("tasks.show", task_id=task_id))


def _page(actor, task_id: int, posted: bool) -> dict:
    """Everything the task page shows, read (and its reads audited) before anything is
    committed: nothing on the page is read from the database after the commit, when a
    colleague may have completed the task. Raises Conflict, NotFound, StepFailed."""
    view = task_service.open_task(actor, task_id, texts=bundle_translator)
    draft = drafts.get_draft(actor, task_id)
    prefill = {**view.data, **(draft.data if draft else {})}
    form = build_task_form(view.schema or {"type": "object", "properties": {}}, view.ui_schema,
                           formdata=request.form if posted else None,
                           data=prefill, option_sources=WithTaskData(option_sources(), view.data))
    return {"view": view, "form": form, "draft": draft,
            "context": caseview.task_context(actor, view.task, view.data),
            "pending": (attachments.pending(task_id, actor.user.id)
                        if _accepts_files(view.schema) else []),
            "limits": attachments.limits(),
            "live_pictures": _pictures(form.to_data()) if _has_pictures(view.schema) else None,
            "title": step_title(view.task.title, view.task.case.process_version),
            "advice": advice_service.advice_for(view.task, form.to_data(), bundle_translator),
            "claimer": task_service.claimer_name(view.task) if view.task.claimed_by_id else None,
            "second_pair": (claims.second_pair(view.task)
                            if view.task.four_eyes_user_id == actor.user.id else None),
            "gaps": network.task_gaps(actor.user, view.task)}


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


_REMOVE_FILE = "remove_attachment:"


def _accepts_files(schema: dict | None) -> bool:
    """A form accepts attachments when its schema says so (``x-attachments``)."""
    return isinstance((schema or {}).get("x-attachments"), dict)


def _take_files(actor, task_id: int, action: str) -> str | None:
    """Keep the files chosen in the form (pending until it is sent) or take one off, in their
    own transaction, so a file kept stays kept when the form has a field to correct. Returns
    the message when a file was refused (nothing was stored then). Nothing is read when the
    form sends no file and removes none."""
    removing = action.startswith(_REMOVE_FILE)
    chosen = request.files.getlist("attachments")
    if not removing and not (action in ("complete", "draft") and attachments.chosen(chosen)):
        return None
    try:
        task = task_service.get_task_for(actor.user, task_id)
        bundle = bundles.bundle_for(task.case.process_version)
        if not _accepts_files(bundle.form(task.form) if task.form else None):
            db.session.rollback()
            return None
        if removing:
            number = action.removeprefix(_REMOVE_FILE)
            attachments.remove_pending(actor, task, int(number) if number.isdigit() else 0)
        else:
            attachments.store_pending(actor, task, chosen)
        db.session.commit()
    except (InvalidInput, NotFound) as error:
        db.session.rollback()
        return error.message
    except Conflict:  # completed meanwhile: the page path explains it
        db.session.rollback()
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
    form = _posted_form(task)
    if form.row_action() or not form.validate_task():
        db.session.rollback()
        return None
    code, case_id, version = task.case_code, task.case_id, task.case.process_version
    title = step_title(task.title, version)
    try:
        task_service.complete_task(actor, task_id, form.to_data(),
                                   checked_against=form.checked_schema)
        following = _following(actor, case_id, version)
        db.session.commit()
    except (InvalidInput, NotAllowed, Conflict, StepFailed):
        db.session.rollback()
        return None
    return _done(title, code, following)


def _following(actor, case_id: int, version) -> tuple[int, str] | None:
    """(id, title in the reader's language) of the user's next open task on the case, read
    before the commit; ``version``: the case's process version, which names its steps."""
    row = task_service.next_task_for(actor.user, case_id)
    return (row.id, step_title(row.title, version)) if row is not None else None


def _done(title: str, code: str, following: tuple[int, str] | None):
    """After a completed task: say so, and go on with the user's next open task on the same
    case when there is one (a coordinator often has several steps in a row); otherwise back
    to the inbox."""
    if following is None:
        flash(_("“%(title)s” for case %(code)s is done.", title=title, code=code), "success")
        return redirect(url_for("inbox.index"))
    flash(_("“%(title)s” for case %(code)s is done. Next for you on this case: “%(next)s”.",
            title=title, code=code, next=following[1]), "success")
    return redirect(url_for("tasks.show", task_id=following[0]))


def _posted_form(task):
    """The task's form filled from the request (its schema and UI schema from the bundle, in
    the reader's language)."""
    bundle = bundles.bundle_for(task.case.process_version)
    shown = bundle_translator(task.case.process_version)
    ui_name = bundle.task_properties(task.spec_name).get("formUiSchemaFilename")
    schema = shown.form(task.form, bundle.form(task.form)) if task.form else None
    return build_task_form(schema or {"type": "object", "properties": {}},
                           shown.form(ui_name, bundle.form(ui_name)) if ui_name else None,
                           formdata=request.form, option_sources=option_sources())


def _not_saved(error: Conflict):
    """The conflict page for a form sent after someone else completed the task: what was
    entered, read with the task's form (labels, rows) when the first completion names it."""
    schema, ui = recorded.forms_of(error.done) if error.done is not None else (None, None)
    if schema is None:
        return render_template("tasks/conflict.html", message=error.message, data=_entered(),
                               schema=None, successor=error.successor), 409
    form = build_task_form(schema, ui, formdata=request.form, option_sources=option_sources())
    # The task's data is gone with it: choices from it read as the first completion's
    # record keeps them (the same items chosen), else by their value.
    return render_template("tasks/conflict.html", message=error.message, data=form.to_data(),
                           schema=schema, ui=ui, chosen=error.done.chosen,
                           successor=error.successor), 409


def _pictures(data: dict) -> list[tuple[str, Markup]]:
    """(title, inline SVG) of the case pictures the entered data has rows for."""
    words = reader_words()
    drawn = pictures.pictures_from(data, words)
    return [(pictures.title(kind, words), Markup(_SVG_SIZE.sub(r"\1", drawn[kind], count=1)))  # noqa: S704 - escaped SVG from webapp.pictures
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
    task = task_service.get_task_for(current_actor().user, task_id, with_state=True)
    schema = bundles.bundle_for(task.case.process_version).form(task.form) if task.form else None
    form = build_task_form(schema or {"type": "object", "properties": {}}, None,
                           formdata=request.form, option_sources=option_sources())
    shown = advice_service.advice_for(task, form.to_data(), bundle_translator)
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
        task = task_service.get_task_for(actor.user, task_id, with_version=True)
        form = _posted_form(task)
        saved_at = format_time(drafts.save_draft(actor, task_id, form.to_data()))
        db.session.commit()
    except (Conflict, NotFound, InvalidInput) as error:
        db.session.rollback()
        status = 409 if isinstance(error, Conflict) else 404 if isinstance(error, NotFound) else 422
        return {"error": _("Your draft was not saved: %(reason)s What you typed is still in "
                           "the form: copy it before leaving this page.",
                           reason=error.message)}, status
    return {"saved_at": saved_at}


def _save_draft(actor, task_id):
    try:
        task = task_service.get_task_for(actor.user, task_id)
        title = step_title(task.title, task.case.process_version)
        form = _posted_form(task)
        drafts.save_draft(actor, task_id, form.to_data())
        db.session.commit()
    except Conflict as error:  # completed or replaced meanwhile: keep the text in view
        db.session.rollback()
        return _not_saved(error)
    except InvalidInput as error:
        db.session.rollback()
        flash(_("The draft could not be saved: %(reason)s", reason=error.message), "danger")
        return redirect(url_for("tasks.show", task_id=task_id))
    flash(_("Draft of “%(title)s” saved. Only you can see it; it is kept when you log out. "
            "Open the task again to continue.", title=title), "success")
    return redirect(url_for("tasks.show", task_id=task_id))


def _complete(actor, task_id, page):
    """The full path's submit (the direct path found something to explain). On a refusal the
    page is read again, as it is now, with what was entered kept in the form."""
    view, form = page["view"], page["form"]
    code, spiff_id = view.task.case.code, view.task.spiff_task_id
    version = view.task.case.process_version
    title = step_title(view.task.title, version)
    case_id = view.task.case_id
    schema, ui, entered = view.schema, view.ui_schema, form.to_data()
    try:
        task_service.complete_task(actor, task_id, entered, checked_against=form.checked_schema)
        following = _following(actor, case_id, version)
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        return _again(actor, task_id, error.message, 422,
                      [field_message(e) for e in error.errors])
    except NotAllowed as error:  # claimed by a colleague meanwhile, or four eyes
        db.session.rollback()
        return _again(actor, task_id, error.message, 403)
    except Conflict as error:
        db.session.rollback()
        # choices from the task's data, named as the page read them before the colleague
        return render_template("tasks/conflict.html", message=error.message, data=entered,
                               schema=schema, ui=ui,
                               chosen=chosen_items(schema or {}, view.data, entered)[0],
                               successor=error.successor), 409
    except StepFailed as error:
        db.session.rollback()
        case_service.record_failure(actor, error.case_id, spiff_id, error.detail)
        db.session.commit()
        return _again(actor, task_id, error.message, 500)
    return _done(title, code, following)


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
