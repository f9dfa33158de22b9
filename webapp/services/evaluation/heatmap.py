"""The heatmap on the process diagram: per BPMN element, how often cases passed in the
period, how many wait there now and the median time spent, all suppressed where small."""

from __future__ import annotations

from collections import defaultdict

from webapp.services import suppression

from .durations import Duration, hours_text
from .flow import gather
from .period import Period


def heatmap(period: Period, titles: dict[str, str]) -> list[dict]:
    """From the period's totals and what is open now."""
    facts = gather(period)
    passed: dict = defaultdict(int)
    for key, n in facts.counts.items():
        if key[1] in ("done", "left", "pass"):
            passed[key[2]] += n
    histograms: dict = defaultdict(list)
    for (kind, element), histogram in facts.histograms.items():
        if kind in ("done", "left", "pass"):
            histograms[element].extend(histogram)
    waiting_values: dict = defaultdict(int)
    for element, _title, n in facts.open_tasks:
        waiting_values[element] += n
    for element, n in facts.open_timers:
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
            "passed": count.value, "passed_text": count.text(), "passed_short": count.short(),
            "waiting": now.value, "waiting_text": now.text(), "waiting_short": now.short(),
            "median_hours": duration.median, "median_text": hours_text(duration.median),
            "median_short": hours_text(duration.median, "narrow"),
            "p90_text": hours_text(duration.p90),
        })
    return out
