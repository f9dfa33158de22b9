"""The workbench blueprint, its access rule and the editor pages' CSP."""

from functools import wraps

from flask import Blueprint, Response, abort, current_app
from flask_login import current_user, login_required
from sqlalchemy import select

from webapp.engine.bundle import bundle_hash, process_name
from webapp.engine.translation import translator
from webapp.extensions import db
from webapp.i18n.locale import chosen_language, locale_name
from webapp.i18n.phrases import message as kept_message
from webapp.models import ProcessDraft
from webapp.services import tasks as task_service
from webapp.services.errors import NotAllowed, NotFound
from webapp.services.policy import may_edit_processes

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


@bp.app_template_filter("said")
def said(kept) -> str:
    """A kept validation problem or scenario outcome in the reader's language."""
    return kept_message(kept)


def option_sources():
    """The choices forms take from the database (``x-options``), for previews and trials."""
    values = task_service.option_values()
    return {name: (lambda pairs=pairs: pairs) for name, pairs in values.items()}


@bp.app_template_global()
def process_title(process_id: str, files: dict | None = None) -> str:
    """The name of a process as the draft's diagrams (``files``; the stored draft's when
    None) write it, in the reader's language where the draft's catalogs translate it; the
    process id when the process has no name."""
    if files is None:
        files = db.session.scalar(select(ProcessDraft.files)
                                  .where(ProcessDraft.process_id == process_id)) or {}
    name = process_name(files, process_id)
    if not name:
        return process_id
    language = chosen_language()
    return translator(files, bundle_hash(files), language,
                      current_app.config["DEFAULT_LANGUAGE"],
                      locale_name(language, current_app.config["TERRITORY"])).name(name)
