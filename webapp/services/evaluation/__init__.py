"""The network looks at itself: the flow evaluation and the heatmap on the process diagram.

Only counts and durations leave this package, suppressed where small
(services.suppression); never case codes, free text or names. Who may read it is decided
in services.policy (``report.read``, ``report.export``); every view and export is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from lxml import etree
from sqlalchemy import select

from webapp.engine.bundle import parse_xml
from webapp.engine.taskinfo import element_id, element_title
from webapp.engine.texts import BPMN
from webapp.extensions import db
from webapp.models import ProcessVersion
from webapp.services import bundles
from webapp.services.audit import Actor, record
from webapp.services.errors import NotAllowed, NotFound
from webapp.services.policy import may_export_reports, may_read_reports

from . import conventions, flow, milestones
from .heatmap import heatmap
from .period import Period
from .tables import Table

__all__ = ["Evaluation", "Period", "Table", "conventions", "diagram_xml", "evaluate",
           "export_table", "heatmap_for", "record_export", "versions"]


#: The process bundle in the reader's language: a process version -> its Translator
#: (i18n.bundletext.bundle_translator); without it the bundle's texts are shown as written.
Texts = Callable[[ProcessVersion], object] | None


@dataclass
class Evaluation:
    period: Period
    tables: dict[str, Table]
    version: ProcessVersion | None


def versions() -> list[ProcessVersion]:
    """The case process's versions, newest first (for the report's choice)."""
    process_id = current_app.config.get("CASE_PROCESS_ID", "maw_case")
    return list(db.session.scalars(
        select(ProcessVersion).where(ProcessVersion.process_id == process_id)
        .order_by(ProcessVersion.version.desc())))


def _version(period: Period) -> ProcessVersion | None:
    if period.version_id:
        version = db.session.get(ProcessVersion, period.version_id)
        if version is None:
            raise NotFound(_("There is no such process version."))
        return version
    chosen = versions()
    return chosen[0] if chosen else None


def element_titles(version: ProcessVersion | None, texts: Texts = None) -> dict[str, str]:
    """BPMN element id -> name in every process of the version (the newest when None), in
    the reader's language with ``texts``."""
    if version is None:
        return {}
    bundle = bundles.bundle_for(version)
    name = texts(version).name if texts is not None else str
    titles = {}
    for spec in [bundle.spec, *bundle.subprocess_specs.values()]:
        for task_spec in spec.task_specs.values():
            if getattr(task_spec, "bpmn_id", None):
                titles[element_id(task_spec)] = name(element_title(task_spec))
    # In the order the diagrams list them, the main process first: roughly the steps' order.
    main = f'id="{version.process_id}"'
    files = sorted((x for p, x in (version.files or {}).items() if p.endswith(".bpmn")),
                   key=lambda x: (main not in x, x))

    def position(element: str) -> tuple[int, int]:
        for rank, xml in enumerate(files):
            if (found := xml.find(f'id="{element}"')) >= 0:
                return rank, found
        return len(files), 0

    return dict(sorted(titles.items(), key=lambda item: position(item[0])))


def closure_criteria(version: ProcessVersion | None, texts: Texts = None) -> dict[str, str]:
    """The yes/no questions of the form of the version's closure review (its milestone
    ``closure_review``): field -> its title (in the reader's language with ``texts``)."""
    if version is None:
        return {}
    bundle = bundles.bundle_for(version)
    step = milestones.of_version(version).first("closure_review")
    form = bundle.task_properties(step).get("formJsonSchemaFilename") if step else None
    schema = bundle.form(form) if form else None
    if schema is not None and texts is not None:
        schema = texts(version).form(form, schema)
    return {name: str(prop.get("title") or name)
            for name, prop in ((schema or {}).get("properties") or {}).items()
            if isinstance(prop, dict) and prop.get("type") == "boolean"}


def evaluate(actor: Actor, period: Period, texts: Texts = None) -> Evaluation:
    """Every table of the flow evaluation for the period (the bundle's names through
    ``texts``). Raises NotAllowed, NotFound."""
    if actor.user is None or not may_read_reports(actor.user):
        raise NotAllowed(_("Only coordinators and evaluators read the evaluation."))
    version = _version(period)
    titles = element_titles(version, texts)
    facts = flow.gather(period)
    tables = [
        flow.signals_table(facts), flow.intake_table(facts), flow.closures_table(facts),
        flow.criteria_table(facts, closure_criteria(version, texts)),
        flow.open_table(facts, titles),
        flow.spans_table(facts), flow.durations_table(facts, titles),
        flow.waiting_table(facts, titles), flow.trends_table(facts, period),
    ]
    record(actor, "report_viewed", report="evaluation", **period.args())
    return Evaluation(period, {t.key: t for t in tables}, version)


def export_table(actor: Actor, period: Period, key: str, texts: Texts = None) -> Table:
    """One table of the evaluation, for its CSV. Raises NotAllowed, NotFound."""
    if actor.user is None or not may_export_reports(actor.user):
        raise NotAllowed(_("Only coordinators and evaluators export the evaluation."))
    evaluation = evaluate(actor, period, texts)
    table = evaluation.tables.get(key)
    if table is None:
        raise NotFound(_("There is no such table."))
    record(actor, "report_exported", report=key, **period.args())
    return table


def heatmap_for(actor: Actor, period: Period, texts: Texts = None) -> dict:
    """Per BPMN element of the version: times passed, waiting now, median time (suppressed),
    and the diagram to draw them on. Raises NotAllowed, NotFound."""
    if actor.user is None or not may_read_reports(actor.user):
        raise NotAllowed(_("Only coordinators and evaluators read the evaluation."))
    version = _version(period)
    if version is None:
        raise NotFound(_("No process is deployed yet."))
    titles = element_titles(version, texts)
    order = {element: index for index, element in enumerate(titles)}
    data = sorted(heatmap(period, titles), key=lambda e: (order.get(e["id"], len(order)),
                                                          e["title"]))
    record(actor, "report_viewed", report="heatmap", **period.args())
    name = texts(version).name(version.name) if texts is not None else version.name
    return {"version": f"{name} v{version.version}", "elements": data}


def record_export(actor: Actor, period: Period, key: str) -> None:
    """Audit the export of a table built elsewhere (the coverage matrix)."""
    if actor.user is None or not may_export_reports(actor.user):
        raise NotAllowed(_("Only coordinators and evaluators export the evaluation."))
    record(actor, "report_exported", report=key, **period.args())


def diagram_processes(period: Period, texts: Texts = None) -> list[tuple[str, str]]:
    """(process id, name in the reader's language with ``texts``) of each process drawn in
    the version's diagrams: the main process first, then the processes it calls (an
    information request, an action) by name. Raises NotFound."""
    version = _version(period)
    if version is None:
        raise NotFound(_("No process is deployed yet."))
    drawn = _drawn_processes(version)
    name = texts(version).name if texts is not None else (lambda text: text)
    return sorted(((pid, name(title or pid)) for pid, (title, _path) in drawn.items()),
                  key=lambda p: (p[0] != version.process_id, p[1].casefold()))


def _drawn_processes(version: ProcessVersion) -> dict[str, tuple[str, str]]:
    """{process id: (its name as written, the file drawing it)} over the version's diagrams."""
    found = {}
    for path, xml in sorted((version.files or {}).items()):
        if not path.endswith(".bpmn"):
            continue
        try:
            tree = parse_xml(xml)
        except etree.XMLSyntaxError:
            continue
        for process in tree.iter(f"{{{BPMN}}}process"):
            if process.get("id"):
                found.setdefault(process.get("id"), (process.get("name") or "", path))
    return found


def diagram_xml(period: Period, texts: Texts = None, process_id: str | None = None) -> str:
    """The BPMN XML drawing ``process_id`` (the version's main process by default), the
    heatmap's diagram; its names in the reader's language with ``texts``. Raises NotFound."""
    version = _version(period)
    if version is None:
        raise NotFound(_("No process is deployed yet."))
    drawn = _drawn_processes(version).get(process_id or version.process_id)
    if drawn is None:
        raise NotFound(_("The diagram of this process version is missing."))
    path = drawn[1]
    return texts(version).diagram(path) if texts is not None else version.files[path]


def today() -> date:
    from webapp.models import utcnow

    return utcnow().date()
