"""Who accessed a case, for coordinators and auditors, and its CSV export."""

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webapp.auth.reauth import reauth_redirect
from webapp.extensions import db
from webapp.services import access_log
from webapp.services.policy import can, may_export_access_log, may_view_access_log
from webapp.web import case_or_404, current_actor

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/")
@login_required
def index():
    """Find a case by its code to see who accessed it."""
    if not can(current_user, "case.access_log"):
        abort(403)
    code = (request.args.get("code") or "").strip().upper()[:20]
    if code:
        return redirect(url_for("audit.case_access", code=code))
    return render_template("audit/index.html")


@bp.route("/cases/<code>")
@login_required
def case_access(code: str):
    case = case_or_404(code, may_view_access_log)
    rows = access_log.view_access_list(current_actor(), case)
    db.session.commit()
    return render_template("audit/case.html", case=case, rows=rows)


@bp.route("/cases/<code>/access.csv")
@login_required
def case_access_csv(code: str):
    case = case_or_404(code, may_export_access_log)
    if prompt := reauth_redirect():
        return prompt
    text = access_log.export_access_list(current_actor(), case)
    db.session.commit()
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="access-{case.code}.csv"',
        "Cache-Control": "no-store",
    })
