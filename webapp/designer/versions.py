"""Publishing, versions, trials, import/export, compare and moving running cases."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from webapp import engine
from webapp.extensions import db
from webapp.services import bundles
from webapp.services.designer import bundlezip, diff, drafts, migration, overview
from webapp.services.errors import InvalidInput, NotFound
from webapp.web import current_actor

from .common import bp, owner_only

#: A version's status as the process list shows it.
STATUS_WORDS = {"published": _l("published"), "retired": _l("retired")}


@bp.route("/")
@owner_only
def index():
    rows = overview.list_processes(current_actor())
    return render_template("designer/index.html", rows=rows, describe=overview.describe,
                           case_process=bundles.case_process_id(), status_words=STATUS_WORDS)


@bp.route("/<process_id>/publish", methods=["POST"])
@owner_only
def publish(process_id: str):
    actor = current_actor()
    try:
        published = drafts.publish_draft(
            actor, process_id, accept_differences=bool(request.form.get("accept_differences")))
    except InvalidInput as err:
        db.session.commit()  # keep the problems found on the draft
        flash(err.message, "danger")
        return redirect(url_for("designer.draft", process_id=process_id))
    number = published.version.version
    own, case = drafts.starting_versions(process_id)
    db.session.commit()
    if not published.changed:
        flash(_("Nothing changed: the draft is the same as version %(num)s, so nothing was "
                "published. %(starting)s", num=number,
                starting=_starting(process_id, own, case)), "info")
        return redirect(url_for("designer.draft", process_id=process_id))
    flash(_("Published as version %(num)s. Running cases stay on their version until you "
            "move them. %(starting)s", num=number, starting=_starting(process_id, own, case)),
          "success")
    return redirect(url_for("designer.index"))


def _starting(process_id: str, own, case) -> str:
    """Which version new cases start on, in words that are true for this process."""
    if own is None:
        return _("No version of this process is in use: new cases cannot start on it.")
    if case is not None and case.process_id == process_id:
        return _("New cases start on version %(num)s.", num=own.version)
    if case is None:
        return _("New cases of this process start on version %(num)s; no process is chosen "
                 "for \u201cRegister a case\u201d yet.", num=own.version)
    return _("New cases of this process start on version %(num)s, but \u201cRegister a "
             "case\u201d starts %(other)s (version %(other_num)s); choose this process on the "
             "Processes page to start new cases with it.", num=own.version,
             other=case.name, other_num=case.version)


@bp.route("/<process_id>/versions/<int:number>/status", methods=["POST"])
@owner_only
def set_status(process_id: str, number: int):
    status = request.form.get("status", "")
    try:
        drafts.set_status(current_actor(), process_id, number, status)
        own, case = drafts.starting_versions(process_id)
        db.session.commit()
    except InvalidInput as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("designer.index"))
    starting = _starting(process_id, own, case)
    flash(_("Version %(num)s is retired. %(starting)s", num=number, starting=starting)
          if status == "retired" else
          _("Version %(num)s is in use again. %(starting)s", num=number, starting=starting),
          "success")
    return redirect(url_for("designer.index"))


@bp.route("/<process_id>/start-cases", methods=["POST"])
@owner_only
def choose_for_cases(process_id: str):
    """Make "Register a case" and "Report a signal" start this process."""
    try:
        version = drafts.choose_case_process(current_actor(), process_id)
        db.session.commit()
    except NotFound as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("designer.index"))
    flash(_("\u201cRegister a case\u201d and \u201cReport a signal\u201d now start %(name)s: "
            "new cases start on version %(num)s. Running cases stay where they are.",
            name=version.name, num=version.version), "success")
    return redirect(url_for("designer.index"))


@bp.route("/<process_id>/versions/<int:number>/edit", methods=["POST"])
@owner_only
def reset(process_id: str, number: int):
    drafts.reset_draft(current_actor(), process_id, drafts.get_version(process_id, number))
    db.session.commit()
    flash(_("The draft now starts again from version %(num)s.", num=number), "info")
    return redirect(url_for("designer.draft", process_id=process_id))


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
        flash(_("Choose a zip file to import."), "danger")
        return redirect(request.referrer or url_for("designer.index"))
    try:
        d = bundlezip.import_zip(current_actor(), upload.read(bundlezip.MAX_ZIP_BYTES + 1),
                                 process_id, choice=request.form.get("choice"),
                                 new_id=request.form.get("new_id"))
    except bundlezip.ImportClash as clash:
        db.session.rollback()
        return render_template("designer/import_choice.html", clash=clash), 409
    except InvalidInput as err:
        db.session.rollback()
        flash(_("Not imported: %(problem)s", problem=err.message), "danger")
        return redirect(url_for("designer.index"))
    db.session.commit()
    flash(_("Imported into the draft. Check the problems below, then publish."), "success")
    return redirect(url_for("designer.draft", process_id=d.process_id))


@bp.route("/<process_id>/diff")
@owner_only
def compare(process_id: str):
    drafts.check_owner(current_actor())
    a = request.args.get("a", type=int)
    b = request.args.get("b")
    old = drafts.get_version(process_id, a) if a else None
    if b == "draft" or b is None:
        new_files, new_label = drafts.open_draft(current_actor(), process_id).files, \
            _("the draft")
    elif b.isdigit():
        new_files = drafts.get_version(process_id, int(b)).files
        new_label = _("version %(num)s", num=b)
    else:
        abort(400)
    if old is None:
        abort(400)
    db.session.commit()
    result = diff.diff_bundles(old.files, new_files)
    return render_template("designer/diff.html", result=result, process_id=process_id,
                           old_label=_("version %(num)s", num=a), new_label=new_label)


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
            msg = ngettext("Moved %(num)d case to version %(version)s.",
                           "Moved %(num)d cases to version %(version)s.", len(moved), version=b)
            if refused:
                msg = _("%(moved)s Not moved: %(refused)s", moved=msg, refused="; ".join(
                    _("%(case)s (%(reason)s)", case=c, reason=r) for c, r in refused))
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
