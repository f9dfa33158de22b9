"""Registers the blueprints: one per area."""

from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, send_from_directory

# Front-end packages installed from npm at setup; only these folders are served.
VENDOR_DIRS = {
    "bootstrap": "bootstrap/dist",
    "bpmn-js": "bpmn-js/dist",
    "dmn-js": "dmn-js/dist",
}

vendor = Blueprint("vendor", __name__)


@vendor.route("/vendor/<package>/<path:filename>")
def vendor_file(package: str, filename: str):
    subdir = VENDOR_DIRS.get(package)
    if subdir is None:
        abort(404)
    root = Path(current_app.config["NODE_MODULES_DIR"]) / subdir
    return send_from_directory(root, filename, max_age=86400)


def register_blueprints(app: Flask) -> None:
    from webapp.auth.routes import bp as auth_bp
    from webapp.cases.routes import bp as cases_bp
    from webapp.designer.routes import bp as designer_bp
    from webapp.inbox.routes import bp as inbox_bp
    from webapp.tasks.routes import bp as tasks_bp

    for blueprint in (vendor, auth_bp, inbox_bp, tasks_bp, cases_bp, designer_bp):
        app.register_blueprint(blueprint)
    from webapp.admin.routes import bp as admin_bp
    from webapp.audit.routes import bp as audit_bp
    from webapp.privacy.routes import bp as privacy_bp
    from webapp.sharing.routes import bp as sharing_bp

    for blueprint in (admin_bp, audit_bp, privacy_bp, sharing_bp):
        app.register_blueprint(blueprint)
    from webapp.pictures.routes import bp as pictures_bp
    from webapp.signals.routes import bp as signals_bp

    app.register_blueprint(pictures_bp)
    app.register_blueprint(signals_bp)
    from webapp.notifications.routes import bp as notifications_bp

    app.register_blueprint(notifications_bp)
    from webapp.coordination.routes import bp as coordination_bp

    app.register_blueprint(coordination_bp)
    from webapp.attachments.routes import bp as attachments_bp

    app.register_blueprint(attachments_bp)
    from webapp.partners.routes import bp as partners_bp
    from webapp.reports.gaps import bp as gaps_bp
    from webapp.reports.routes import bp as reports_bp

    for blueprint in (reports_bp, gaps_bp, partners_bp):
        app.register_blueprint(blueprint)
    from webapp.roles.routes import bp as roles_bp

    app.register_blueprint(roles_bp)

    @app.context_processor
    def _labels():
        from webapp.models import ROLE_LABELS
        from webapp.services.policy import can
        from webapp.web.markdown_html import render_markdown

        return {"ROLE_LABELS": ROLE_LABELS, "render_markdown": render_markdown, "can": can}

    from webapp.web.recorded import forms_of, labelled  # used by macros imported from _data.html

    app.add_template_global(labelled)
    app.add_template_global(forms_of)
    _register_word_filters(app)


def _register_word_filters(app: Flask) -> None:
    """Codes stored on cases shown in the reader's words: ``case.status|case_status``,
    ``case.outcome|case_outcome``, ``disclosure.what_for|what_for`` and an involvement's
    (reason, detail)``|involvement_reason``."""
    from flask_babel import gettext as _

    from webapp.i18n.bundletext import step_title
    from webapp.services.caseview import outcome_in_words
    from webapp.services.disclosure import WHAT_FOR_LABELS, what_for_in_words
    from webapp.services.exports import status_label

    def what_for(text: str) -> str:  # the default process's words, else a step's name
        return what_for_in_words(text) if text in WHAT_FOR_LABELS else step_title(text)

    def involvement_reason(reason_and_detail: tuple[str, str]) -> str:
        reason, detail = reason_and_detail
        if reason == "table":
            return _("seat at the table")
        if reason == "signal":
            return _("reported the signal")
        return step_title(detail) if detail else _("a task")

    app.add_template_filter(status_label, "case_status")
    app.add_template_filter(outcome_in_words, "case_outcome")
    app.add_template_filter(what_for, "what_for")
    app.add_template_filter(involvement_reason, "involvement_reason")
