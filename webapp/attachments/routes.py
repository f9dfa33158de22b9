"""Downloading an attached document: always as a download, never shown in the browser."""

from io import BytesIO

from flask import Blueprint, g, send_file
from flask_login import login_required

from webapp.extensions import db
from webapp.models import Attachment, Contribution
from webapp.services import attachments
from webapp.web import current_actor

bp = Blueprint("attachments", __name__)


@bp.route("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    """The file, if the user may see what it belongs to; the same 404 as a missing one
    otherwise. Audited."""
    found = attachments.download(current_actor(), attachment_id)
    db.session.commit()
    response = send_file(BytesIO(found.content), mimetype=found.content_type,
                         as_attachment=True, download_name=found.filename, max_age=0,
                         etag=False, conditional=False, last_modified=None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_global()
def attachments_of(contribution: Contribution) -> list[Attachment]:
    """The documents attached to a contribution, for the pages that show it (anyone who may
    see the contribution may see its attachments). A page shows several contributions of one
    case: the first asks for those of the whole case, once per request."""
    per_case = g.setdefault("_mawflow_attachments", {})
    if contribution.case_id not in per_case:
        per_case[contribution.case_id] = attachments.of_case_contributions(contribution.case_id)
    return per_case[contribution.case_id].get(contribution.id, [])


@bp.app_template_filter()
def file_size(size: int) -> str:
    return attachments.size_in_words(size)
