"""The flow evaluation on a generated history: every figure equals what the test computes
itself from the history it made, small counts are hidden together with their complementary
cell, nothing identifies a case, anonymised cases still count, and reading is audited."""

import math
import re
from datetime import date

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, Case
from webapp.services import anonymise, evaluation
from webapp.services.errors import NotFound
from webapp.services.evaluation import Period
from webapp.services.evaluation.tables import Table
from webapp.services.suppression import group, one

from .evaluation_history import CRITERIA, generate
from .helpers import actor

PERIOD = Period(date(2026, 1, 1), date(2027, 1, 1))


@pytest.fixture
def history(network):
    return generate()


def in_period(history):
    return [r for r in history.records if r.opened.year == 2026]


def bucket(seconds: int) -> int:
    """Whole hours below two days, whole days (in hours) beyond: as the docs say."""
    hours = seconds // 3600
    return hours if hours < 48 else (seconds // 86400) * 24


def nearest_rank(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[math.ceil(share * len(ordered)) - 1]


def hours_text(hours: int) -> str:
    """Whole hours below two days, whole days beyond, written out (Babel, in English)."""
    if hours < 48:
        return "1 hour" if hours == 1 else f"{hours} hours"
    return f"{hours // 24} days"


def rows(table: Table) -> dict[str, list[str]]:
    return {str(r[0]): [c.text() if hasattr(c, "text") else str(c) for c in r[1:]]
            for r in table.rows}


def report():
    return evaluation.evaluate(actor("coordinator"), PERIOD)


def test_the_funnel_counts_what_the_history_did(app, history):
    records = in_period(history)
    tables = report().tables
    signals = rows(tables["signals"])
    police = sum(1 for r in records if r.signalled_by == "police")
    registered = len(records) - police
    assert police == 2 and registered == 18
    # 2 is small; the only other non-zero cell would give it away: hidden too.
    assert signals["Police"] == ["fewer than 5"]
    assert signals["Registered by a coordinator"] == ["hidden"]
    assert tables["signals"].total[1].text() == str(len(records))

    intake = rows(tables["intake"])
    counted = {k: sum(1 for r in records if r.intake == k)
               for k in ("out_of_scope", "regular_care", "multi_agency", "urgent")}
    assert counted == {"out_of_scope": 9, "regular_care": 0, "multi_agency": 7, "urgent": 4}
    assert intake["Out of scope"] == ["9"] and intake["Regular care"] == ["0"]
    assert intake["Urgent route"] == ["fewer than 5"]
    assert intake["Taken to the table"] == ["hidden"]  # the complementary cell
    assert tables["intake"].total[1].text() == "20"

    closures = rows(tables["closures"])
    outcomes = {k: sum(1 for r in records if r.outcome == k)
                for k in ("out_of_scope", "urgent", "closed")}
    assert closures["Closed: out of scope"] == [str(outcomes["out_of_scope"])]
    assert closures["Closed: urgent route"] == ["fewer than 5"]
    assert closures["Closed after the table"] == ["hidden"]
    assert tables["closures"].total[1].text() == str(sum(outcomes.values()))


def test_closure_criteria_count_the_ticked_boxes(app, history):
    records = [r for r in in_period(history) if r.outcome == "closed"]
    table = rows(report().tables["criteria"])
    titles = evaluation.closure_criteria(evaluation.versions()[0])
    for field in CRITERIA:
        ticked = sum(1 for r in records if field in r.ticks)
        expected = group({"yes": ticked, "no": len(records) - ticked})
        assert table[titles[field]] == [expected["yes"].text(), expected["no"].text()], field
    assert table[titles["no_remaining_concerns"]] == ["6", "0"]


def test_step_durations_are_median_and_p90_of_the_history(app, history):
    records = in_period(history)
    table = rows(report().tables["durations"])
    titles = evaluation.element_titles(evaluation.versions()[0])
    checked = 0
    for step in ("register_signal", "confirm_intake_decision", "request_information",
                 "answer_information_request", "case_consultation", "closure_review",
                 "approve_closure", "record_urgent_referral"):
        values = [bucket(s) for r in records for s in r.durations.get(step, [])]
        if len(values) < 5:
            assert table[titles[step]][:3] == ["fewer than 5", "–", "–"], step
            continue
        assert table[titles[step]][:3] == [
            str(len(values)), hours_text(nearest_rank(values, 0.5)),
            hours_text(nearest_rank(values, 0.9))], step
        checked += 1
    assert checked == 7


def test_spans_between_milestones(app, history):
    records = in_period(history)
    table = rows(report().tables["spans"])

    def check(label, values):
        values = [bucket(int(v)) for v in values]
        assert table[label] == [str(len(values)), hours_text(nearest_rank(values, 0.5)),
                                hours_text(nearest_rank(values, 0.9))], label

    check("From the signal to the intake decision",
          [(r.moments["confirm_intake_decision"] - r.opened).total_seconds() for r in records])
    table_cases = [r for r in records if "case_consultation" in r.moments]
    assert len(table_cases) == 6
    check("From the intake decision to the first consultation",
          [(r.moments["case_consultation"] - r.moments["confirm_intake_decision"])
           .total_seconds() for r in table_cases])
    check("From the first consultation to closure",
          [(r.moments["approve_closure"] - r.moments["case_consultation"]).total_seconds()
           for r in table_cases])
    assert table["Time in aftercare (closure to end or reopening)"] == ["0", "–", "–"]


def test_open_steps_and_trends(app, history):
    tables = report().tables
    open_rows = rows(tables["open"])
    # One case waits at the consultation (small), six at their aftercare timer: hidden.
    assert open_rows["Case consultation"] == ["fewer than 5"]
    assert open_rows["Waiting: Aftercare check-in due"] == ["hidden"]
    assert tables["open"].total[1].text() == "7"
    trends = {r[0]: [c.text() for c in r[1:]] for r in tables["trends"].rows}
    records = in_period(history)
    january = sum(1 for r in records if r.opened.month == 1)
    assert trends["Jan 2026"][0] == (str(january) if january >= 5 else "fewer than 5")
    assert trends["Mar 2026"] == ["0", "0", "0"]
    assert tables["trends"].total[1].text() == "20"


def test_the_period_and_version_filter(app, history):
    december = evaluation.evaluate(actor("coordinator"),
                                   Period(date(2025, 12, 1), date(2026, 1, 1)))
    assert december.tables["intake"].total[1].text() == "fewer than 5"
    version = evaluation.versions()[0]
    same = evaluation.evaluate(actor("coordinator"),
                               Period(PERIOD.start, PERIOD.end, version_id=version.id))
    assert same.tables["signals"].total[1].text() == "20"
    with pytest.raises(NotFound):
        evaluation.evaluate(actor("coordinator"),
                            Period(PERIOD.start, PERIOD.end, version_id=version.id + 1))


def test_anonymised_cases_still_count(app, history):
    before = {k: t.csv() for k, t in report().tables.items()}
    for case in db.session.scalars(select(Case).where(Case.status != "open")).all():
        anonymise.anonymise(case, case.updated_at)
    db.session.commit()
    after = {k: t.csv() for k, t in report().tables.items()}
    assert after == before


def test_reports_name_no_case_and_are_audited(app, history, login):
    client = login("coordinator")
    page = client.get("/reports/?start=2026-01&end=2026-12").text
    assert "fewer than 5" in page and "hidden" in page
    exported = client.get("/reports/intake.csv?start=2026-01&end=2026-12")
    assert exported.status_code == 200
    body = exported.get_data(as_text=True)
    assert "fewer than 5" in body and '"Out of scope","9"' in body
    heat = client.get("/reports/heatmap.json?start=2026-01&end=2026-12").get_json()
    by_id = {e["id"]: e for e in heat["elements"]}
    assert by_id["confirm_intake_decision"]["passed"] == 20
    assert by_id["record_urgent_referral"]["passed_text"] == "fewer than 5"
    assert by_id["record_urgent_referral"]["median_text"] == "–"
    for text in (page, body, str(heat)):
        assert "MAW-" not in text
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.in_(("report_viewed", "report_exported")))).all()
    assert actions.count("report_exported") == 1 and actions.count("report_viewed") >= 3


def test_the_threshold_is_a_setting(app, history):
    app.config["REPORT_MIN_COUNT"] = 3
    intake = rows(report().tables["intake"])
    assert intake["Urgent route"] == ["4"] and intake["Taken to the table"] == ["7"]


def test_suppression_rules():
    assert one(0, 5).text() == "0" and one(4, 5).text() == "fewer than 5"
    assert one(5, 5).text() == "5"
    cells = group({"a": 3, "b": 40, "c": 9, "d": 0}, 5)
    assert [cells[k].text() for k in "abcd"] == ["fewer than 5", "40", "hidden", "0"]
    both = group({"a": 3, "b": 2, "c": 9}, 5)
    assert [both[k].text() for k in "abc"] == ["fewer than 5", "fewer than 5", "9"]


def test_exports_are_safe_in_a_spreadsheet():
    table = Table("x", "X", ["=HYPERLINK()", "n"], [["@SUM(A1)", one(7, 5)], ["+1", one(2, 5)]])
    text = table.csv()
    assert "'=HYPERLINK()" in text and "'@SUM(A1)" in text and "'+1" in text
    assert '"fewer than 5"' in text


def test_monthly_totals_change_no_figure(app, history):
    """The worker's monthly totals plus the events written since equal counting every
    event, also when a month gets new events after its totals were made."""
    from datetime import UTC, datetime

    from webapp.models import CaseEventMonth
    from webapp.services.evaluation import rollup

    from .evaluation_history import run

    before = {k: t.csv() for k, t in report().tables.items()}
    built = rollup.roll_up()
    assert built[:3] == ["2025-12", "2026-01", "2026-02"]
    assert db.session.scalar(select(CaseEventMonth.id).limit(1)) is not None
    assert rollup.roll_up() == []  # nothing new
    assert {k: t.csv() for k, t in report().tables.items()} == before
    import random

    run(history, "urgent", datetime(2026, 1, 20, 9, tzinfo=UTC), random.Random(3))
    counted = rows(report().tables["intake"])
    assert counted["Urgent route"] == ["5"]  # 4 + the new one, counted live
    assert rollup.roll_up() == ["2026-01"]
    assert rows(report().tables["intake"]) == counted


def test_the_heatmap_draws_the_called_processes_too(app, history, login):
    """An information request and an action are processes of their own: the heatmap offers
    their diagrams beside the main one, each with the same figures by element."""
    client = login("coordinator")
    period = "start=2026-01&end=2026-12"
    page = client.get(f"/reports/heatmap?{period}").get_data(as_text=True)
    offered = re.findall(r'href="/reports/heatmap\?process=(\w+)[^"]*"', page)
    assert offered == ["maw_case", "maw_information_request", "maw_action"]  # then by name
    assert 'aria-current="page" href="/reports/heatmap?process=maw_case' in page
    main = client.get(f"/reports/heatmap/diagram.bpmn?{period}").get_data(as_text=True)
    assert 'id="maw_case"' in main
    request = client.get(f"/reports/heatmap?process=maw_information_request&{period}")
    assert "process=maw_information_request&amp;start=2026-01" in request.get_data(as_text=True)
    drawn = client.get(f"/reports/heatmap/diagram.bpmn?process=maw_information_request&{period}")
    assert 'id="maw_information_request"' in drawn.get_data(as_text=True)
    assert 'id="answer_information_request"' in drawn.get_data(as_text=True)
    # the period form keeps the chosen diagram; an unknown one is not found
    assert '<input type="hidden" name="process" value="maw_information_request">' in \
        request.get_data(as_text=True)
    assert client.get(f"/reports/heatmap/diagram.bpmn?process=nope&{period}").status_code == 404
    assert client.get(f"/reports/heatmap?process=nope&{period}").status_code == 200
