"""The case pictures: inlined on the case page (template global) and served as SVG files for
printing or saving. Only those who may see the whole case see them; every read is audited."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from webapp import pictures
from webapp.extensions import db
from webapp.i18n.formatting import format_date
from webapp.models import Contribution
from webapp.services.audit import record
from webapp.services.policy import may_see_contribution, may_view_case
from webapp.web import case_or_404, current_actor

bp = Blueprint("pictures", __name__, url_prefix="/cases")


def reader_words() -> pictures.Words:
    """The pictures' words in the reader's language (their dates the reader's way)."""
    return pictures.Words(gettext=gettext, ngettext=ngettext, date=format_date)

_SIZE = re.compile(r'^(<svg[^>]*?) width="[^"]*" height="[^"]*"')


@bp.app_template_global("case_pictures")
def case_pictures(contributions) -> list[tuple[str, str, Markup]]:
    """(kind, title, inline SVG) for the latest consultation in ``contributions`` (already
    filtered to what the viewer may see). Inline copies scale with the page."""
    latest = pictures.latest_with_pictures(contributions)
    if latest is None:
        return []
    words = reader_words()
    drawn = pictures.pictures_from(latest.data, words)
    return [
        (kind, pictures.title(kind, words), Markup(_SIZE.sub(r"\1", drawn[kind], count=1)))  # noqa: S704
        for kind in pictures.PICTURES
        if kind in drawn
    ]


@bp.route("/<code>/pictures/<kind>.svg")
@login_required
def picture(code: str, kind: str):
    """One picture of the case's latest consultation as a standalone SVG file."""
    if kind not in pictures.PICTURES:
        abort(404)
    case = case_or_404(code, may_view_case)
    rows = db.session.scalars(
        select(Contribution).where(Contribution.case_id == case.id)
        .order_by(Contribution.submitted_at, Contribution.id)
    )
    visible = [c for c in rows if may_see_contribution(current_user, c)]
    latest = pictures.latest_with_pictures(visible)
    svg = pictures.pictures_from(latest.data if latest else None, reader_words()).get(kind)
    if svg is None:
        abort(404)
    record(current_actor(), "case_picture_viewed", case_id=case.id, picture=kind)
    db.session.commit()
    return Response(svg, mimetype="image/svg+xml", headers={
        "Cache-Control": "no-store",
        "Content-Disposition": f'inline; filename="{case.code}-{kind}.svg"',
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    })
