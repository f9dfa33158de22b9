"""The evaluation with a year of history: one case history per bench case, then the server
time of the evaluation page and of the heatmap data.

The history is made directly as rows (the aggregates only read ``case_event``), in the
default process's shapes and proportions: 30 % out of scope, 30 % regular care, 5 % urgent,
35 % to the table (information requests, a consultation, an action plan with two actions,
a review, a closure review, aftercare). About 16 events a case, spread over the last year.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta

from sqlalchemy import insert

from webapp.extensions import db
from webapp.models import CaseEvent, utcnow

HOUR = 3600
INTAKE = "confirm_intake_decision"
TARGETS = {"evaluation_ms": 1000.0, "heatmap_ms": 300.0}
#: (span, start milestone, end milestone) as services.case_events writes them.
SPANS = (("signal_to_intake", None, INTAKE),
         ("intake_to_consultation", INTAKE, "case_consultation"),
         ("consultation_to_closure", "case_consultation", "closed"))


def _path(kind: int, rng: random.Random) -> list[tuple]:
    """(kind, element, value, seconds waited, hours after the previous event, late)."""
    h = rng.randint
    start = [("open", "", None, None, 0, None),
             ("done", "register_signal", None, h(1, 30) * HOUR, h(1, 30), None),
             ("pass", "triage_recommendation", "BusinessRuleTask", None, 0, None)]
    if kind < 6:
        return start + [
            ("done", INTAKE, "out_of_scope", h(1, 200) * HOUR, h(1, 200), None),
            ("pass", "close_out_of_scope", "ScriptTask", None, 0, None),
            ("pass", "EndEvent_out_of_scope", "EndEvent", None, 0, None),
            ("outcome", "", "out_of_scope", None, 0, None)]
    if kind < 12:
        return start + [
            ("done", INTAKE, "regular_care", h(1, 200) * HOUR, h(1, 200), None),
            ("done", "accept_referral", "taken_up", h(1, 300) * HOUR, h(1, 300), False),
            ("pass", "Timer_check_back", "TimerEvent", 90 * 24 * HOUR, 90 * 24, None),
            ("done", "check_back_regular_care", "enough", h(1, 100) * HOUR, h(1, 100), None),
            ("pass", "close_regular_care", "ScriptTask", None, 0, None),
            ("pass", "EndEvent_regular_care", "EndEvent", None, 0, None),
            ("outcome", "", "regular_care", None, 0, None)]
    if kind == 12:
        return start + [
            ("done", "confirm_intake_decision", "urgent", h(1, 20) * HOUR, h(1, 20), None),
            ("done", "record_urgent_referral", None, h(1, 10) * HOUR, h(1, 10), None),
            ("pass", "close_urgent", "ScriptTask", None, 0, None),
            ("pass", "EndEvent_urgent", "EndEvent", None, 0, None),
            ("outcome", "", "urgent", None, 0, None)]
    late = rng.random() < 0.1
    events = start + [
        ("done", INTAKE, "multi_agency", h(1, 200) * HOUR, h(1, 200), None),
        ("done", "request_information", None, h(1, 50) * HOUR, h(1, 50), None),
        ("pass", "build_requests", "ScriptTask", None, 0, None),
        ("done", "answer_information_request", None, h(5, 300) * HOUR, h(5, 300), False),
        ("pass", "stamp_answer", "ScriptTask", None, 0, None),
        ("pass", "EndEvent_answered", "EndEvent", None, 0, None)]
    if late:
        events += [("pass", "Timer_answer_deadline", "TimerEvent", 14 * 24 * HOUR, 14 * 24,
                    None),
                   ("done", "answer_after_reminder", None, h(1, 100) * HOUR, h(1, 100), True)]
    return events + [
        ("done", "case_consultation", "action_plan", h(24, 600) * HOUR, h(24, 600), None),
        ("done", "agree_action_plan", None, h(1, 200) * HOUR, h(1, 200), None),
        ("action", rng.choice(("family", "education_work", "health")), "social", None, 0, None),
        ("action", rng.choice(("identity", "peers_leisure", "justice")), "police", None, 0, None),
        ("pass", "build_actions", "ScriptTask", None, 0, None),
        ("done", "carry_out_action", None, h(24, 900) * HOUR, h(24, 900), rng.random() < .2),
        ("pass", "Timer_review", "TimerEvent", 90 * 24 * HOUR, 60 * 24, None),
        ("done", "review_case", "closure_review", h(1, 300) * HOUR, h(1, 300), None),
        ("done", "closure_review", "close", h(1, 300) * HOUR, h(1, 300), None),
        ("tick", "closure_review", "no_remaining_concerns", None, 0, None),
        ("tick", "closure_review", "protective_factors_in_place", None, 0, None),
        ("done", "approve_closure", "approve", h(1, 100) * HOUR, h(1, 100), None),
        ("pass", "record_closure", "ScriptTask", None, 0, None),
        ("outcome", "", "closed", None, 0, None),
        ("pass", "Timer_aftercare", "TimerEvent", 180 * 24 * HOUR, 180 * 24, None)]


def fill_history(case_ids: list[int], version_id: int) -> int:
    """A year of history for the cases; returns the number of events written."""
    rng = random.Random(16)  # noqa: S311 - made-up history
    now = utcnow()
    rows, written = [], 0
    for index, case_id in enumerate(case_ids):
        opened = now - timedelta(days=365) + timedelta(seconds=rng.randint(0, 365 * 86400))
        age, milestones = 0, {}
        for kind, element, value, seconds, hours, late in _path(index % 20, rng):
            age += hours * HOUR
            at = opened + timedelta(seconds=age)
            if at >= now:
                break
            row = {"case_id": case_id, "process_version_id": version_id, "at": at,
                   "kind": kind, "element": element, "value": value, "seconds": seconds,
                   "age": age, "late": late, "organisation_id": None}
            rows.append(row)
            milestone = element if kind == "done" else value if kind == "outcome" else None
            milestones.setdefault(milestone, age)
            for span, start, end in SPANS:
                if milestone == end and (start is None or start in milestones):
                    rows.append({**row, "kind": "span", "element": span, "value": None,
                                 "late": None,
                                 "seconds": age - (milestones[start] if start else 0)})
        if len(rows) >= 20000:
            db.session.execute(insert(CaseEvent), rows)
            written += len(rows)
            rows = []
    if rows:
        db.session.execute(insert(CaseEvent), rows)
        written += len(rows)
    db.session.commit()
    return written


URLS = (("evaluation_ms", "/reports/"), ("heatmap_ms", "/reports/heatmap.json"))


def _median(client, clock, url: str, runs: int) -> tuple[float, float]:
    assert client.get(url).status_code == 200
    samples = []
    for _ in range(runs):
        assert client.get(url).status_code == 200
        samples.append(clock.last())
    return statistics.median(samples), max(samples)


def time_evaluation(app, client, clock, runs: int = 10) -> dict:
    """Median server milliseconds of the evaluation page and the heatmap data over the last
    year: first with no monthly totals (every event read), then with the totals the worker
    keeps (and the events since read live). The targets are for the second."""
    from webapp.services.evaluation import rollup

    figures = {}
    for key, url in URLS:
        median, slowest = _median(client, clock, url, 2)
        figures[key.replace("_ms", "_without_totals_ms")] = round(median, 1)
        print(f"{url} over a year of history, no monthly totals yet: {median:.1f} ms median")
    with app.app_context():
        started = time.perf_counter()
        months = rollup.roll_up()
        print(f"monthly totals of {len(months)} months built in "
              f"{time.perf_counter() - started:.1f} s (the worker does this hourly)")
    for key, url in URLS:
        median, slowest = _median(client, clock, url, runs)
        figures[key] = round(median, 1)
        print(f"{url} over a year of history: {median:.1f} ms median, {slowest:.1f} ms "
              f"slowest (target {TARGETS[key]:.0f} ms)")
    return figures
