"""Who accessed a case, for coordinators and auditors, and its CSV export; the events about no
one case (logins, lockouts, refusals, users and roles, processes) for auditors."""

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webapp.auth.reauth import reauth_redirect
from webapp.extensions import db
from webapp.i18n.formatting import date_placeholder, format_input_date
from webapp.services import access_log, system_events
from webapp.services.policy import (
    can,
    may_export_access_log,
    may_read_audit,
    may_view_access_log,
)
from webapp.web import case_or_404, current_actor, page_number

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
    html = render_template("audit/case.html", case=case, rows=rows)
    db.session.commit()
    return html


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


@bp.route("/events")
@login_required
def events():
    """Events about no one case, newest first, with filters."""
    if not may_read_audit(current_user):
        abort(403)
    flt = system_events.EventFilter.from_args(request.args)
    found, rows = system_events.view_events(current_actor(), flt, page_number())
    typed = {name: (request.args.get(name) or "").strip()[:40] for name in ("since", "until")}
    problems = system_events.date_problems(request.args)
    days = {name: typed[name] if name in problems else format_input_date(getattr(flt, name))
            for name in typed}
    html = render_template("audit/events.html", found=found, rows=rows, flt=flt,
                           kinds=system_events.KINDS, days=days, problems=problems,
                           date_placeholder=date_placeholder())
    db.session.commit()
    return html


@bp.route("/events.csv")
@login_required
def events_csv():
    if not may_read_audit(current_user):
        abort(403)
    if prompt := reauth_redirect():
        return prompt
    flt = system_events.EventFilter.from_args(request.args)
    text = system_events.export_events(current_actor(), flt)
    db.session.commit()
    return Response("\ufeff" + text, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="audit-events.csv"',
        "Cache-Control": "no-store",
    })
