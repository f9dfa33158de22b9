"""The flow evaluation: funnel, closures, open steps, durations, waiting events, trends.

Every figure is an aggregate the database computes over ``case_event`` (and, for what is
open now, the inbox and timer rows); Python only shapes the few rows that come back and
applies small-count suppression (services.suppression) before anything is shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from webapp.engine.milestones import Milestones
from webapp.extensions import db
from webapp.i18n.formatting import format_month
from webapp.models import Case, PartnerProfile, Task, Timer
from webapp.services import suppression

from . import conventions as cv
from . import milestones, rollup
from .durations import Duration, hours_text
from .period import Period
from .tables import Table


@dataclass
class Facts:
    """What the database returned for a period, before anything is suppressed."""

    counts: dict          # (month index, kind, element, value, organisation_id, late) -> n
    histograms: dict      # (kind, element) -> [(bucket hours, count)]
    open_tasks: list      # (element, title, count)
    open_timers: list     # (element, count)
    #: which elements are the intake decision, the closure review... (of the versions read)
    milestones: Milestones = field(default_factory=Milestones.defaults)

    def of(self, milestone: str) -> frozenset[str]:
        return self.milestones.of(milestone)


def gather(period: Period) -> Facts:
    """The period's totals (services.evaluation.rollup), what is open now and the
    milestones of the versions read (services.evaluation.milestones)."""
    totals = rollup.facts(period)
    return Facts(totals.counts, totals.histograms, *open_now(period.version_id),
                 milestones.for_report(period.version_id))


def open_now(version_id: int | None) -> tuple[list, list]:
    """(element, title, count) of open inbox rows and (element, count) of pending timers."""
    # Grouped in the order of an inbox index (lane, organisation, step, title), which the
    # database then reads alone, in order; the lanes and organisations are added up here.
    tasks = (select(Task.spec_name, func.min(Task.title), func.count())
             .group_by(Task.lane, Task.organisation_id, Task.spec_name))
    timers = select(Timer.element, func.count()).group_by(Timer.element)
    if version_id:
        in_version = select(Case.id).where(Case.process_version_id == version_id)
        tasks = tasks.where(Task.case_id.in_(in_version))
        timers = timers.where(Timer.case_id.in_(in_version))
    steps: dict = {}
    for element, title, n in db.session.execute(tasks):
        known = steps.get(element)
        steps[element] = (min(title, known[0]) if known else title, n + (known[1] if known else 0))
    return ([(element, title, n) for element, (title, n) in steps.items()],
            [tuple(r) for r in db.session.execute(timers)])


def _sum(facts: Facts, kind: str, elements: Collection[str] | None = None,
         value: str | None = None, late: bool | None = None,
         by: str | None = None) -> dict | int:
    """Counts of ``kind`` (of one of ``elements``) summed over what is not asked for;
    ``by`` keeps one field."""
    index = {"month": 0, "element": 2, "value": 3, "organisation": 4, "late": 5}
    out: dict = defaultdict(int)
    total = 0
    for key, n in facts.counts.items():
        if key[1] != kind or (elements is not None and key[2] not in elements):
            continue
        if (value is not None and key[3] != value) or (late is not None and key[5] is not late):
            continue
        total += n
        if by:
            out[key[index[by]]] += n
    return dict(out) if by else total


def _group_rows(labels: dict, values: dict) -> tuple[list[list], list]:
    """Rows (label, count) in the order of ``labels`` (and any other value after them),
    suppressed as a group, and the total row."""
    keys = list(labels) + sorted(k for k in values if k not in labels and k is not None)
    shown = suppression.group({k: values.get(k, 0) for k in keys})
    rows = [[labels.get(k, str(k).replace("_", " ")), shown[k]] for k in keys]
    return rows, [_("Total"), suppression.one(sum(values.get(k, 0) for k in keys))]


def signals_table(facts: Facts) -> Table:
    by_org = _sum(facts, "open", by="organisation")
    kinds = dict(db.session.execute(select(PartnerProfile.organisation_id,
                                           PartnerProfile.kind)).all())
    by_kind: dict = defaultdict(int)
    for org_id, n in by_org.items():
        by_kind[cv.COORDINATOR_SOURCE if org_id is None else kinds.get(org_id, "other")] += n
    labels = {cv.COORDINATOR_SOURCE: _("Registered by a coordinator"),
              **{k: str(v) for k, v in cv.ORGANISATION_KINDS.items()}}
    rows, total = _group_rows(labels, by_kind)
    rows = [r for r in rows if not (r[1].shown and r[1].value == 0)]
    return Table("signals", _("Signals received, by who reported them"),
                 [_("Reported by"), _("Signals")], rows, total=total,
                 note=_("A partner's report counts under the kind of organisation it "
                        "stated in the partner registry."))


def intake_table(facts: Facts) -> Table:
    values = _sum(facts, "done", facts.of("intake_decision"), by="value")
    rows, total = _group_rows({k: str(v) for k, v in cv.INTAKE_OUTCOMES.items()}, values)
    return Table("intake", _("Intake decisions"), [_("Decision"), _("Cases")], rows,
                 total=total)


def closures_table(facts: Facts) -> Table:
    values = _sum(facts, "outcome", by="value")
    closures = {k: v for k, v in values.items() if k != cv.REOPENED}
    rows, total = _group_rows({k: str(v) for k, v in cv.CLOSURE_OUTCOMES.items()}, closures)
    rows.append([_("Reopened (not in the total)"),
                 suppression.one(values.get(cv.REOPENED, 0))])
    return Table("closures", _("Closures and reopenings"), [_("Outcome"), _("Cases")], rows,
                 total=total)


def criteria_table(facts: Facts, criteria: dict[str, str]) -> Table:
    """How often each closure criterion was ticked in the closure reviews of the period."""
    steps = facts.of("closure_review")
    reviews = _sum(facts, "done", steps)
    ticks = _sum(facts, "tick", steps, by="value")
    decisions = _sum(facts, "done", steps, by="value")
    rows = []
    for name, label in criteria.items():
        ticked = ticks.get(name, 0)
        pair = suppression.group({"yes": ticked, "no": reviews - ticked})
        rows.append([label, pair["yes"], pair["no"]])
    pair = suppression.group({"close": decisions.get("close", 0),
                              "other": reviews - decisions.get("close", 0)})
    rows.append([_("Decision: close the case"), pair["close"], pair["other"]])
    return Table("criteria", _("Closure reviews: criteria ticked"),
                 [_("Criterion"), _("Ticked"), _("Not ticked")], rows,
                 total=[_("Closure reviews"), suppression.one(reviews), ""],
                 note=_("One closure review can tick several criteria; a case can be "
                        "reviewed more than once."))


def open_table(facts: Facts, titles: dict[str, str]) -> Table:
    values: dict = defaultdict(int)
    labels: dict = {}
    for element, title, n in facts.open_tasks:
        values[element] += n
        labels[element] = titles.get(element, title)
    for element, n in facts.open_timers:
        key = element or "timer"
        values[key] += n
        name = titles.get(element, element) if element else _("a timer")
        labels[key] = _("Waiting: %(name)s", name=name)
    rows, total = _group_rows(labels, dict(values))
    rows.sort(key=lambda r: str(r[0]))
    return Table("open", _("Cases waiting now, by step"), [_("Step"), _("Waiting")], rows,
                 total=total, note=_("Now, whatever the period: one case can wait at several "
                                     "steps at once (for example several partners' answers)."))


def durations_table(facts: Facts, titles: dict[str, str]) -> Table:
    """Per step completed by a person: how long it waited in the inbox."""
    rows = []
    order = {element: index for index, element in enumerate(titles)}
    for (kind, element), histogram in sorted(facts.histograms.items(),
                                             key=lambda i: (order.get(i[0][1], len(order)),
                                                            i[0][1])):
        if kind != "done":
            continue
        duration = Duration.from_histogram(histogram)
        left = suppression.one(_sum(facts, "left", (element,)))
        rows.append([titles.get(element, element), duration.count, hours_text(duration.median),
                     hours_text(duration.p90), left])
    return Table("durations", _("Time per step (from the task's arrival to its completion)"),
                 [_("Step"), _("Completed"), _("Median"), _("90th percentile"),
                  _("Ended without completion")], rows,
                 note=ngettext("Median: half of the steps took less. 90th percentile: nine "
                               "in ten took less. Hidden where fewer than %(num)d step "
                               "counts.",
                               "Median: half of the steps took less. 90th percentile: nine "
                               "in ten took less. Hidden where fewer than %(num)d steps "
                               "count.", suppression.min_count()))


def waiting_table(facts: Facts, titles: dict[str, str]) -> Table:
    """Information requests and the process's timers."""
    request = facts.of("information_request")
    sent = _sum(facts, "done", request) + _sum(facts, "left", request)
    in_time = _sum(facts, "done", request) - _sum(facts, "done", request, late=True)
    rows = [
        [_("Information requests closed"), suppression.one(sent), "–", "–"],
        [_("… answered within the deadline"), suppression.one(in_time), "–", "–"],
        [_("… answered after a reminder"),
         suppression.one(_sum(facts, "done", facts.of("information_request_reminder"))),
         "–", "–"],
    ]
    reminders, escalations = (facts.of("information_request_deadline"),
                              facts.of("information_request_escalation"))
    for elements, label in ((reminders, _("Reminders sent (deadline passed)")),
                            (escalations, _("Escalations (still no answer)"))):
        rows.append([label, suppression.one(_sum(facts, "pass", elements)), "–", "–"])
    named = reminders | escalations
    for (kind, element), histogram in sorted(facts.histograms.items()):
        if kind != "pass" or element in named:
            continue
        duration = Duration.from_histogram(histogram)
        rows.append([_("Waited: %(name)s", name=titles.get(element, element)), duration.count,
                     hours_text(duration.median), hours_text(duration.p90)])
    return Table("waiting", _("Waiting events"), [_("Event"), _("Times"), _("Median wait"),
                                                  _("90th percentile")], rows)


def spans_table(facts: Facts) -> Table:
    rows = []
    for span in cv.SPANS:
        duration = Duration.from_histogram(facts.histograms.get(("span", span.key), []))
        rows.append([str(span.label), duration.count, hours_text(duration.median),
                     hours_text(duration.p90)])
    return Table("spans", _("Time between milestones"),
                 [_("From – to"), _("Cases"), _("Median"), _("90th percentile")], rows,
                 note=_("Counted in the month the later milestone was reached."))


def trends_table(facts: Facts, period: Period) -> Table:
    """Signals, cases taken to the table and closures per month."""
    months = period.months()
    series = {
        "signals": _sum(facts, "open", by="month"),
        "table": _sum(facts, "done", facts.of("intake_decision"), "multi_agency", by="month"),
        "closed": _sum_outcomes_by_month(facts),
    }
    names = {"signals": _("Signals"), "table": _("Taken to the table"), "closed": _("Closed")}
    columns = {s: suppression.group({str(i): series[s].get(i, 0) for i in range(len(months))})
               for s in names}
    rows = [[format_month(m, "short"), *(columns[s][str(i)] for s in names)]
            for i, m in enumerate(months)]
    return Table("trends", _("Month by month"), [_("Month"), *names.values()], rows,
                 total=[_("Total"), *(suppression.one(sum(series[s].values())) for s in names)])


def _sum_outcomes_by_month(facts: Facts) -> dict:
    out: dict = defaultdict(int)
    for key, n in facts.counts.items():
        if key[1] == "outcome" and key[3] != cv.REOPENED:
            out[key[0]] += n
    return dict(out)
