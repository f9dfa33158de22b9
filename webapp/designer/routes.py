"""The process owners' workbench: process list, editors, validation, trial, publish, migrate."""

from functools import wraps

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from webapp import engine
from webapp.extensions import db
from webapp.services.designer import (
    bundlezip,
    diff,
    drafts,
    formpreview,
    migration,
    overview,
    trial,
)
from webapp.services.errors import InvalidInput, NotAllowed, NotFound, StepFailed
from webapp.services.policy import may_edit_processes
from webapp.taskforms import build_task_form
from webapp.web import current_actor

bp = Blueprint("designer", __name__, url_prefix="/designer")

# bpmn-js and dmn-js set style="" attributes on the shapes they draw and on their popups,
# which a strict style-src refuses. Only the editor pages relax style-src (never script-src):
# an injected style can restyle a page but cannot run code or send data out (img-src,
# connect-src and font-src stay 'self').
EDITOR_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)


def owner_only(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not may_edit_processes(current_user):
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def editor_page(html: str) -> Response:
    response = Response(html)
    response.headers["Content-Security-Policy"] = EDITOR_CSP
    return response


@bp.errorhandler(NotFound)
def _not_found(error):
    db.session.rollback()
    abort(404, error.message)


@bp.errorhandler(NotAllowed)
def _not_allowed(error):
    db.session.rollback()
    abort(403)


@bp.route("/")
@owner_only
def index():
    rows = overview.list_processes(current_actor())
    return render_template("designer/index.html", rows=rows, describe=overview.describe)


@bp.route("/<process_id>/")
@owner_only
def draft(process_id: str):
    actor = current_actor()
    d = drafts.open_draft(actor, process_id)
    db.session.commit()
    return render_template("designer/draft.html", draft=d, files=sorted(d.files),
                           problems=d.problems)


@bp.route("/<process_id>/edit/<path:path>")
@owner_only
def edit(process_id: str, path: str):
    d = drafts.open_draft(current_actor(), process_id)
    db.session.commit()
    if path not in d.files and not path.startswith("forms/"):
        abort(404)
    if path.endswith(".bpmn"):
        template = "designer/bpmn.html"
    elif path.endswith(".dmn"):
        template = "designer/dmn.html"
    else:
        return _form_editor(d, path)
    forms = sorted(p.removeprefix("forms/") for p in d.files if p.startswith("forms/"))
    rules = sorted(p.removeprefix("rules/").removesuffix(".dmn") for p in d.files
                   if p.startswith("rules/"))
    html = render_template(template, draft=d, path=path, forms=forms, rules=rules,
                           problems=[p for p in d.problems if p["file"] == path])
    return editor_page(html)


@bp.route("/<process_id>/files/<path:path>", methods=["GET"])
@owner_only
def file_text(process_id: str, path: str):
    d = drafts.open_draft(current_actor(), process_id)
    db.session.commit()
    if path not in d.files:
        abort(404)
    return Response(d.files[path], mimetype="text/plain")


@bp.route("/<process_id>/files/<path:path>", methods=["POST"])
@owner_only
def save(process_id: str, path: str):
    """Save one file (the editors post JSON {content}); answers with the validation result."""
    payload = request.get_json(silent=True) or {}
    content = payload.get("content") if isinstance(payload.get("content"), str) else None
    if content is None:
        content = request.form.get("content")
    if content is None:
        return jsonify(error="Nothing to save."), 400
    try:
        d = drafts.save_file(current_actor(), process_id, path, content)
    except InvalidInput as err:
        db.session.rollback()
        return jsonify(error=err.message), 400
    db.session.commit()
    return jsonify(saved=True, problems=d.problems)


@bp.route("/<process_id>/forms/new", methods=["POST"])
@owner_only
def new_form(process_id: str):
    name = request.form.get("name", "").strip().removesuffix(".json").removesuffix(".schema")
    path = f"forms/{name}.schema.json"
    try:
        drafts.check_file_name(path)
        drafts.save_file(current_actor(), process_id, path,
                         '{\n  "type": "object",\n  "title": "",\n  "properties": {}\n}\n')
    except InvalidInput as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("designer.draft", process_id=process_id))
    db.session.commit()
    return redirect(url_for("designer.edit", process_id=process_id, path=path))


@bp.route("/<process_id>/rules/new", methods=["POST"])
@owner_only
def new_decision(process_id: str):
    try:
        path = drafts.add_decision(current_actor(), process_id,
                                   request.form.get("decision_id", "").strip())
    except InvalidInput as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("designer.draft", process_id=process_id))
    db.session.commit()
    return redirect(url_for("designer.edit", process_id=process_id, path=path))


@bp.route("/<process_id>/files/<path:path>/delete", methods=["POST"])
@owner_only
def delete(process_id: str, path: str):
    drafts.delete_file(current_actor(), process_id, path)
    db.session.commit()
    flash(f"{path} is deleted from the draft.", "info")
    return redirect(url_for("designer.draft", process_id=process_id))


def _form_editor(d, path: str):
    ui_path = path.replace(".schema.json", ".uischema.json")
    # No third-party library here: the form editor keeps the strict CSP.
    return render_template(
        "designer/form.html", draft=d, path=path, ui_path=ui_path,
        schema_text=d.files.get(path, ""), ui_text=d.files.get(ui_path, ""),
        problems=[p for p in d.problems if p["file"] in (path, ui_path)])


@bp.route("/<process_id>/preview", methods=["POST"])
@owner_only
def preview(process_id: str):
    """The form as partners will see it (server-rendered), and sample data checked."""
    drafts.check_owner(current_actor())
    schema, ui, errors = formpreview.parse(request.form.get("schema"), request.form.get("ui"))
    form = None
    if not errors:
        form = build_task_form(schema, ui, formdata=None, data={},
                               option_sources=_option_sources())
    sample_errors = None
    if form is not None and request.form.get("sample", "").strip():
        sample_errors = formpreview.check_sample(schema, request.form["sample"])
    return render_template("designer/_preview.html", form=form, errors=errors,
                           sample_errors=sample_errors)


@bp.route("/<process_id>/publish", methods=["POST"])
@owner_only
def publish(process_id: str):
    try:
        version = drafts.publish_draft(current_actor(), process_id)
    except InvalidInput as err:
        db.session.commit()  # keep the problems found on the draft
        flash(err.message, "danger")
        return redirect(url_for("designer.draft", process_id=process_id))
    db.session.commit()
    flash(f"Published as version {version.version}. New cases start on it; running cases "
          "stay on their version until you move them.", "success")
    return redirect(url_for("designer.index"))


@bp.route("/<process_id>/versions/<int:number>/status", methods=["POST"])
@owner_only
def set_status(process_id: str, number: int):
    try:
        drafts.set_status(current_actor(), process_id, number, request.form.get("status", ""))
        db.session.commit()
    except InvalidInput as err:
        db.session.rollback()
        flash(err.message, "danger")
    return redirect(url_for("designer.index"))


@bp.route("/<process_id>/versions/<int:number>/edit", methods=["POST"])
@owner_only
def reset(process_id: str, number: int):
    drafts.reset_draft(current_actor(), process_id, drafts.get_version(process_id, number))
    db.session.commit()
    flash(f"The draft now starts again from version {number}.", "info")
    return redirect(url_for("designer.draft", process_id=process_id))


@bp.route("/<process_id>/try", methods=["GET", "POST"])
@owner_only
def try_it(process_id: str):
    actor = current_actor()
    try:
        action = request.form.get("action") if request.method == "POST" else None
        if action == "start":
            t = trial.start(actor, process_id)
        elif action == "timers":
            t = trial.fire_timers(actor, process_id)
        else:
            t = trial.current(actor, process_id)
    except (InvalidInput, StepFailed, NotFound) as err:
        db.session.commit()
        flash(err.message, "danger")
        return redirect(url_for("designer.draft", process_id=process_id))
    db.session.commit()
    return render_template("designer/try.html", trial=t, process_id=process_id)


@bp.route("/<process_id>/try/<task_id>", methods=["GET", "POST"])
@owner_only
def try_task(process_id: str, task_id: str):
    actor = current_actor()
    try:
        t = trial.current(actor, process_id)
        task = trial.ready_task(t, task_id)
    except (InvalidInput, NotFound) as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("designer.try_it", process_id=process_id))
    schema = (t.bundle.form(task.form) if task.form else None) or {"type": "object",
                                                                   "properties": {}}
    ui = t.bundle.form(task.ui_form) if task.ui_form else None
    posted = request.method == "POST"
    form = build_task_form(schema, ui, formdata=request.form if posted else None,
                           data=task.data, option_sources=_option_sources())
    if posted and not form.row_action() and form.validate_task():
        try:
            trial.complete(actor, process_id, task_id, form.to_data())
            db.session.commit()
            flash(f"“{task.title}” is done in the trial.", "success")
            return redirect(url_for("designer.try_it", process_id=process_id))
        except (NotFound, StepFailed) as err:
            db.session.rollback()
            flash(err.message, "danger")
    return render_template("designer/try_task.html", task=task, form=form,
                           process_id=process_id)


def _option_sources():
    from webapp.services import tasks as task_service

    values = task_service.option_values()
    return {name: (lambda pairs=pairs: pairs) for name, pairs in values.items()}


@bp.route("/<process_id>/export.zip")
@owner_only
def export(process_id: str):
    number = request.args.get("version", type=int)
    if number:
        files = drafts.get_version(process_id, number).files
        name = f"{process_id}-v{number}.zip"
    else:
        files = drafts.open_draft(current_actor(), process_id).files
        name = f"{process_id}-draft.zip"
    db.session.commit()
    return Response(bundlezip.export_zip(files), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/import", methods=["POST"])
@owner_only
def import_bundle():
    upload = request.files.get("bundle")
    process_id = request.form.get("process_id") or None
    if upload is None:
        flash("Choose a zip file to import.", "danger")
        return redirect(request.referrer or url_for("designer.index"))
    try:
        d = bundlezip.import_zip(current_actor(), upload.read(bundlezip.MAX_ZIP_BYTES + 1),
                                 process_id)
    except InvalidInput as err:
        db.session.rollback()
        flash(f"Not imported: {err.message}", "danger")
        return redirect(url_for("designer.index"))
    db.session.commit()
    flash("Imported into the draft. Check the problems below, then publish.", "success")
    return redirect(url_for("designer.draft", process_id=d.process_id))


@bp.route("/<process_id>/diff")
@owner_only
def compare(process_id: str):
    drafts.check_owner(current_actor())
    a = request.args.get("a", type=int)
    b = request.args.get("b")
    old = drafts.get_version(process_id, a) if a else None
    if b == "draft" or b is None:
        new_files, new_label = drafts.open_draft(current_actor(), process_id).files, "the draft"
    else:
        new_files, new_label = drafts.get_version(process_id, int(b)).files, f"version {b}"
    if old is None:
        abort(400)
    db.session.commit()
    result = diff.diff_bundles(old.files, new_files)
    return render_template("designer/diff.html", result=result, process_id=process_id,
                           old_label=f"version {a}", new_label=new_label)


@bp.route("/<process_id>/migrate", methods=["GET", "POST"])
@owner_only
def migrate(process_id: str):
    actor = current_actor()
    a = request.values.get("from", type=int)
    b = request.values.get("to", type=int)
    if not a or not b:
        abort(400)
    try:
        if request.method == "POST":
            ids = [int(x) for x in request.form.getlist("case") if x.isdigit()]
            moved, refused = migration.migrate(actor, process_id, a, b, ids)
            db.session.commit()
            msg = f"Moved {len(moved)} case(s) to version {b}."
            if refused:
                msg += " Not moved: " + "; ".join(f"{c} ({r})" for c, r in refused)
            flash(msg, "success" if not refused else "warning")
            return redirect(url_for("designer.migrate", process_id=process_id,
                                    **{"from": a, "to": b}))
        plans = migration.plan(actor, process_id, a, b)
    except (InvalidInput, engine.EngineError) as err:
        db.session.rollback()
        flash(getattr(err, "message", str(err)), "danger")
        return redirect(url_for("designer.index"))
    return render_template("designer/migrate.html", plans=plans, process_id=process_id,
                           old=a, new=b)


@bp.route("/<process_id>/markdown", methods=["POST"])
@owner_only
def markdown(process_id: str):
    """Instructions as partners will see them (sanitized by render_markdown)."""
    from webapp.markup import render_markdown

    return Response(str(render_markdown(request.form.get("text", ""))), mimetype="text/html")
