"""The draft and its editors: diagrams, decision tables, forms, validation on every save."""

from flask import (
    Response,
    abort,
    flash,
    get_template_attribute,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from webapp.engine import formfiles
from webapp.engine.milestones import MILESTONES
from webapp.extensions import db
from webapp.i18n.phrases import translated_problems
from webapp.services.designer import drafts, formpreview, scenario_runs
from webapp.services.errors import Conflict, InvalidInput
from webapp.taskforms import build_task_form
from webapp.web import current_actor

from .common import bp, editor_page, option_sources, owner_only
from .translations import translation_gaps


@bp.route("/<process_id>/")
@owner_only
def draft(process_id: str):
    actor = current_actor()
    d = drafts.open_draft(actor, process_id)
    saved = scenario_runs.run_all(d)  # run on this content already, unless a save failed
    db.session.commit()
    order = {"processes": 0, "rules": 1, "forms": 2}
    files = sorted(d.files, key=lambda p: (order.get(p.split("/")[0], 3), p))
    return render_template("designer/draft.html", draft=d, files=files,
                           problems=d.problems, scenarios=saved,
                           differing=scenario_runs.failing(saved),
                           translation_gaps=translation_gaps(d.files))


@bp.route("/<process_id>/edit/<path:path>")
@owner_only
def edit(process_id: str, path: str):
    d = drafts.open_draft(current_actor(), process_id)
    db.session.commit()
    if path.startswith("i18n/") and request.args.get("as") != "text":  # translations page
        return redirect(url_for("designer.translations", process_id=process_id,
                                language=path.removeprefix("i18n/").removesuffix(".json")))
    if path not in d.files and not path.startswith("forms/"):
        abort(404)
    if request.args.get("as") == "text" and path in d.files:
        return render_template("designer/text.html", draft=d, path=path, text=d.files[path],
                               text_hash=drafts.content_hash(d.files[path]),
                               problems=[p for p in d.problems if p["file"] == path])
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
                           milestones=_milestone_choices(),
                           problems=[p for p in d.problems if p["file"] == path])
    return editor_page(html)


def _milestone_choices() -> list[dict[str, str]]:
    """The evaluation's milestones as the diagram editor offers them: the property's value,
    the kind of element that can play it, and the part in the reader's words."""
    return [{"value": m.key, "kind": m.kind, "label": _(m.part)}
            for m in MILESTONES.values()]


@bp.route("/<process_id>/files/<path:path>", methods=["GET"])
@owner_only
def file_text(process_id: str, path: str):
    d = drafts.open_draft(current_actor(), process_id)
    db.session.commit()
    if path not in d.files:
        abort(404)
    return Response(d.files[path], mimetype="text/plain",
                    headers={"X-Content-Hash": drafts.content_hash(d.files[path])})


@bp.route("/<process_id>/files/<path:path>", methods=["POST"])
@owner_only
def save(process_id: str, path: str):
    """Save one file (the editors post JSON {content}); answers with the validation result:
    the problems (messages in the reader's language), the problem area as the page shows it
    (``html``), the content's hash and how the saved scenarios run."""
    payload = request.get_json(silent=True) or {}
    content = payload.get("content") if isinstance(payload.get("content"), str) else None
    if content is None:
        content = request.form.get("content")
    if content is None:
        return jsonify(error=_("Nothing to save.")), 400
    base = payload.get("base") if isinstance(payload.get("base"), str) else None
    try:
        d = drafts.save_file(current_actor(), process_id, path, content, base)
    except InvalidInput as err:
        db.session.rollback()
        return jsonify(error=err.message), 400
    except Conflict as err:
        db.session.rollback()
        return jsonify(error=err.message), 409
    saved = scenario_runs.results(scenario_runs.scenarios_of(process_id))
    db.session.commit()
    problems = translated_problems(d.problems)
    html = get_template_attribute("designer/_problems.html", "problem_list")(
        problems, d, link=False, saved=True)
    html += get_template_attribute("designer/_problems.html", "scenario_results")(saved)
    return jsonify(saved=True, problems=problems, hash=drafts.content_hash(content),
                   scenarios=saved, html=str(html))


@bp.route("/<process_id>/forms/new", methods=["POST"])
@owner_only
def new_form(process_id: str):
    path = f"forms/{formfiles.new_form_name(request.form.get('name', ''))}"
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
    flash(_("%(file)s is deleted from the draft.", file=path), "info")
    return redirect(url_for("designer.draft", process_id=process_id))


def _form_editor(d, path: str):
    """The form editor pairs a schema with the UI schema of the same name, in either naming
    convention (x.schema.json / x.uischema.json, spiff-arena's x-schema.json / x-uischema.json);
    opened on a UI schema file it shows its schema."""
    name = path.removeprefix("forms/")
    if formfiles.form_role(name) == "ui":
        path = f"forms/{formfiles.schema_partner(name)}"
        name = path.removeprefix("forms/")
    partner = formfiles.ui_partner(name)
    ui_path = f"forms/{partner}" if partner else path.removesuffix(".json") + ".uischema.json"
    # No third-party library here: the form editor keeps the strict CSP.
    return render_template(
        "designer/form.html", draft=d, path=path, ui_path=ui_path,
        schema_text=d.files.get(path, ""), ui_text=d.files.get(ui_path, ""),
        schema_hash=drafts.content_hash(d.files.get(path)),
        ui_hash=drafts.content_hash(d.files.get(ui_path)),
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
                               option_sources=option_sources())
    sample_errors = None
    if form is not None and request.form.get("sample", "").strip():
        sample_errors = formpreview.check_sample(schema, request.form["sample"])
    return render_template("designer/_preview.html", form=form, errors=errors,
                           sample_errors=sample_errors)


@bp.route("/<process_id>/markdown", methods=["POST"])
@owner_only
def markdown(process_id: str):
    """Instructions as partners will see them (sanitized by render_markdown)."""
    from webapp.web.markdown_html import render_markdown

    return Response(str(render_markdown(request.form.get("text", ""))), mimetype="text/html")
