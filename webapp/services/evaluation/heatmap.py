"""The heatmap on the process diagram: per BPMN element, how often cases passed in the
period, how many wait there now and the median time spent, all suppressed where small."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import CaseEvent
from webapp.services import suppression

from .durations import Duration, bucket, hours_text
from .flow import open_now
from .period import Period


def heatmap(period: Period, titles: dict[str, str]) -> list[dict]:
    """One query over the period's history, two over what is open now."""
    b = bucket(CaseEvent.seconds).label("b")
    passed: dict = defaultdict(int)
    histograms: dict = defaultdict(list)
    for element, hours, n in db.session.execute(
        select(CaseEvent.element, b, func.count())
        .where(period.events("done", "left", "pass")).group_by(CaseEvent.element, b)
    ):
        passed[element] += n
        if hours is not None:
            histograms[element].append((int(hours), int(n)))
    tasks, timers = open_now(period.version_id)
    waiting_values: dict = defaultdict(int)
    for element, _title, n in tasks:
        waiting_values[element] += n
    for element, n in timers:
        if element:
            waiting_values[element] += n
    waiting = suppression.group(dict(waiting_values))
    out = []
    for element in sorted(set(passed) | set(waiting_values)):
        duration = Duration.from_histogram(histograms.get(element, []))
        count = suppression.one(passed.get(element, 0))
        now = waiting.get(element) or suppression.one(0)
        out.append({
            "id": element,
            "title": titles.get(element, element),
            "passed": count.value, "passed_text": count.text(),
            "waiting": now.value, "waiting_text": now.text(),
            "median_hours": duration.median, "median_text": hours_text(duration.median),
            "p90_text": hours_text(duration.p90),
            "timed": duration.count.text() if histograms.get(element) else "0",
        })
    return out
