"""The evaluation for coordinators and evaluators: flow, heatmap on the diagram, coverage.

Counts and durations only, suppressed where small; every view and export is audited."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, flash, jsonify, render_template, request
from markupsafe import Markup

from webapp.auth.permissions import permission_required
from webapp.auth.reauth import reauth_redirect
from webapp.extensions import db
from webapp.i18n.bundletext import bundle_translator, org_name
from webapp.models.evaluation import LIFE_DOMAINS
from webapp.services import evaluation, network, suppression
from webapp.services.errors import NotFound
from webapp.services.evaluation import Period
from webapp.web import current_actor

from . import figures

bp = Blueprint("reports", __name__, url_prefix="/reports")

_SIZE = re.compile(r'^(<svg[^>]*?) width="[^"]*" height="[^"]*"')
CHARTS = ("funnel", "trends", "coverage")
SVG_HEADERS = {"Cache-Control": "no-store",
               "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}


def _period() -> Period:
    period, problem = Period.from_args(request.args, evaluation.today())
    if problem:
        flash(problem, "warning")
    return period


def _inline(svg: str) -> Markup:
    return Markup(_SIZE.sub(r"\1", svg, count=1))  # noqa: S704 - every text is escaped


@bp.route("/")
@permission_required("report.read")
def index():
    period = _period()
    result = evaluation.evaluate(current_actor(), period, bundle_translator)
    page = {"result": result, "period": period, "versions": evaluation.versions(),
            "months": period.month_choices(evaluation.today()),
            "funnel": _inline(figures.funnel(result)),
            "trends": _inline(figures.trends(result)),
            "threshold": suppression.min_count()}
    db.session.commit()
    return render_template("reports/index.html", **page)


@bp.route("/<key>.csv")
@permission_required("report.export")
def export_csv(key: str):
    if prompt := reauth_redirect():
        return prompt
    period = _period()
    if key == "coverage":
        table = network.coverage(current_actor(), period).table()
        evaluation.record_export(current_actor(), period, key)
    else:
        try:
            table = evaluation.export_table(current_actor(), period, key, bundle_translator)
        except NotFound:
            abort(404)
    db.session.commit()
    name = f"mawflow-{key}-{period.args()['start']}-{period.args()['end']}.csv"
    return Response("\ufeff" + table.csv(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.route("/charts/<kind>.svg")
@permission_required("report.read")
def chart(kind: str):
    if kind not in CHARTS:
        abort(404)
    period = _period()
    if kind == "coverage":
        svg = figures.coverage(network.coverage(current_actor(), period))
    else:
        result = evaluation.evaluate(current_actor(), period, bundle_translator)
        svg = figures.funnel(result) if kind == "funnel" else figures.trends(result)
    db.session.commit()
    return Response(svg, mimetype="image/svg+xml", headers={
        **SVG_HEADERS, "Content-Disposition": f'inline; filename="mawflow-{kind}.svg"'})


def _process() -> str | None:
    """The diagram the heatmap draws (``process``: a process id of the version)."""
    chosen = (request.args.get("process") or "").strip()
    return chosen[:200] or None


@bp.route("/heatmap")
@permission_required("report.read")
def heatmap():
    period = _period()
    processes: list[tuple[str, str]] = []
    try:
        data = evaluation.heatmap_for(current_actor(), period, bundle_translator)
        processes = evaluation.diagram_processes(period, bundle_translator)
    except NotFound as error:
        flash(error.message, "warning")
        data = {"version": "", "elements": []}
    chosen = _process()
    if chosen not in {pid for pid, _name in processes}:
        chosen = processes[0][0] if processes else None
    page = {"period": period, "versions": evaluation.versions(), "data": data,
            "months": period.month_choices(evaluation.today()),
            "processes": processes, "chosen": chosen,
            "threshold": suppression.min_count()}
    db.session.commit()
    return render_template("reports/heatmap.html", **page)


@bp.route("/heatmap.json")
@permission_required("report.read")
def heatmap_data():
    period = _period()
    data = evaluation.heatmap_for(current_actor(), period, bundle_translator)
    db.session.commit()
    return jsonify(data)


@bp.route("/heatmap/diagram.bpmn")
@permission_required("report.read")
def heatmap_diagram():
    period = _period()
    try:
        xml = evaluation.diagram_xml(period, bundle_translator, _process())
    except NotFound:
        abort(404)
    return Response(xml, mimetype="application/xml", headers={"Cache-Control": "no-store"})


@bp.route("/coverage")
@permission_required("report.read")
def coverage():
    period = _period()
    result = network.coverage(current_actor(), period)
    page = {"result": result, "period": period, "table": result.table(),
            "months": period.month_choices(evaluation.today()),
            "chart": _inline(figures.coverage(result)), "threshold": suppression.min_count(),
            "registry": network.registry(), "conventions": evaluation.conventions,
            "domains": LIFE_DOMAINS,
            "org_names": {o.id: org_name(o) for o in result.organisations}}
    db.session.commit()
    return render_template("reports/coverage.html", **page)
