"""A case's life-domain gaps as an SVG picture and a CSV, for those who see the whole case."""

from __future__ import annotations

from flask import Blueprint, Response
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.auth.reauth import reauth_redirect
from webapp.extensions import db
from webapp.models.evaluation import LIFE_DOMAINS
from webapp.services import network
from webapp.services.audit import record
from webapp.services.csvsafe import to_csv
from webapp.services.evaluation import conventions as cv
from webapp.services.policy import may_view_case
from webapp.web import case_or_404, current_actor

from . import figures
from .routes import SVG_HEADERS

bp = Blueprint("gaps", __name__, url_prefix="/cases")


@bp.route("/<code>/gaps.svg")
@login_required
def picture(code: str):
    case = case_or_404(code, may_view_case)
    result = network.case_gaps(current_user, case)
    record(current_actor(), "case_gaps_viewed", case_id=case.id, form="svg")
    code = case.code
    db.session.commit()
    return Response(figures.gaps(code, result), mimetype="image/svg+xml", headers={
        **SVG_HEADERS, "Content-Disposition": f'inline; filename="{code}-gaps.svg"'})


@bp.route("/<code>/gaps.csv")
@login_required
def table(code: str):
    case = case_or_404(code, may_view_case)
    if prompt := reauth_redirect():  # exports ask for the password again after a while
        return prompt
    result = network.case_gaps(current_user, case)
    record(current_actor(), "case_gaps_viewed", case_id=case.id, form="csv")
    code = case.code
    db.session.commit()
    yes, no, gap = _("yes"), _("no"), _("GAP")
    rows = [[str(cv.LIFE_DOMAIN_LABELS[d]), yes if d in result.vulnerable else no,
             yes if d in result.covered else no,
             gap if d in result.gaps else ""] for d in LIFE_DOMAINS]
    body = to_csv([_("life domain"), _("flagged vulnerable"), _("action agreed"), _("gap")],
                  rows)
    return Response("\ufeff" + body, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{code}-gaps.csv"',
        "Cache-Control": "no-store"})
