"""The evaluation follows the process owner's model: a step renamed in the diagram still
counts as the intake decision or the consultation when it is marked so (evaluationMilestone),
cases of older versions keep counting under their old ids, the workbench warns (in the
owner's language) when the intake decision is marked nowhere, and the workbench's
breadcrumb names the process."""

import html
import random
from datetime import UTC, datetime, timedelta

import pytest

from webapp.extensions import db
from webapp.services import bundles, evaluation
from webapp.services.audit import Actor
from webapp.services.designer import drafts
from webapp.services.evaluation import milestones

from .evaluation_history import History, generate, run
from .helpers import actor
from .test_evaluation import PERIOD, bucket, hours_text, nearest_rank, rows

RENAMED = {"confirm_intake_decision": "decide_on_intake",
           "case_consultation": "consult_at_the_table"}
INTAKE_MARK = '<spiffworkflow:property name="evaluationMilestone" value="intake_decision" />'


def remodelled(files: dict[str, str], *, marked: bool = True) -> dict[str, str]:
    """The default bundle with the intake decision and the consultation renamed; without
    ``marked``, the intake decision also lost its mark."""
    case = files["processes/case.bpmn"]
    for old, new in RENAMED.items():
        case = case.replace(old, new)
    if not marked:
        case = case.replace(INTAKE_MARK, "")
    return {**files, "processes/case.bpmn": case}


def publish_remodelled(marked: bool = True):
    files = bundles.latest_version("maw_case").files
    version = bundles.publish_files(Actor.system(), remodelled(files, marked=marked))
    db.session.commit()
    assert version.version == 2
    return version


def report():
    return evaluation.evaluate(actor("coordinator"), PERIOD).tables


def test_a_renamed_but_marked_step_keeps_the_funnel_and_the_durations(app, network):
    publish_remodelled()
    history = generate(renamed=RENAMED)
    records = [r for r in history.records if r.opened.year == 2026]
    tables = report()

    intake = rows(tables["intake"])
    assert intake["Out of scope"] == ["9"] and intake["Urgent route"] == ["fewer than 5"]
    assert tables["intake"].total[1].text() == "20"
    trends = tables["trends"].total
    assert trends[2].text() == "7"  # taken to the table

    spans = rows(tables["spans"])
    waits = [bucket(int((r.moments["confirm_intake_decision"] - r.opened).total_seconds()))
             for r in records]
    assert spans["From the signal to the intake decision"] == [
        "20", hours_text(nearest_rank(waits, 0.5)), hours_text(nearest_rank(waits, 0.9))]
    consulted = [r for r in records if "case_consultation" in r.moments]
    waits = [bucket(int((r.moments["approve_closure"] - r.moments["case_consultation"])
                        .total_seconds())) for r in consulted]
    assert spans["From the first consultation to closure"] == [
        "6", hours_text(nearest_rank(waits, 0.5)), hours_text(nearest_rank(waits, 0.9))]
    assert spans["From the intake decision to the first consultation"][0] == "6"
    # the step's own row keeps its (new) name in the time per step
    assert rows(tables["durations"])["Confirm intake decision"][0] == "20"


def test_cases_of_older_versions_count_under_their_old_ids(app, network):
    history, start = History(), datetime(2026, 3, 2, 9, tzinfo=UTC)
    for day in range(5):  # on version 1: confirm_intake_decision
        run(history, "out_of_scope", start + timedelta(days=day), random.Random(day))
    version = publish_remodelled()
    for day in range(5, 10):  # on version 2: decide_on_intake
        run(history, "out_of_scope", start + timedelta(days=day),
            random.Random(day), RENAMED)
    assert rows(report()["intake"])["Out of scope"] == ["10"]
    assert milestones.for_report(None).of("intake_decision") == {
        "confirm_intake_decision", "decide_on_intake"}
    assert milestones.for_report(version.id).of("intake_decision") == {"decide_on_intake"}


def test_an_unmarked_renamed_intake_loses_its_figures_and_the_workbench_says_so(
        app, network, login):
    owner = actor("owner")
    draft = drafts.open_draft(owner, "maw_case")
    files = remodelled(draft.files, marked=False)
    draft = drafts.save_file(owner, "maw_case", "processes/case.bpmn",
                             files["processes/case.bpmn"])
    db.session.commit()
    [warning] = [p for p in draft.problems if "intake_decision" in p["message"]]
    assert warning["warning"] and warning["file"] == "processes/case.bpmn"
    assert "the evaluation misses the intake decisions" in warning["message"]
    assert not drafts.errors_of(draft.problems)  # a warning: the process still runs

    client = login("owner")
    client.post("/language", data={"language": "nl"})
    page = html.unescape(client.get("/designer/maw_case/").get_data(as_text=True))
    assert "evaluatiemijlpaal 'intake_decision'" in page
    assert "mist de evaluatie de beslissingen over de aanmelding" in page

    # Published as it is, the cases run through it are missing from the intake figures.
    drafts.publish_draft(owner, "maw_case")
    db.session.commit()
    history = History()
    run(history, "out_of_scope", datetime(2026, 3, 2, 9, tzinfo=UTC),
        random.Random(1), RENAMED)
    assert report()["intake"].total[1].text() == "0"


@pytest.mark.parametrize(("language", "name"), [
    ("en", "Multi-agency case"), ("nl", "Casus in het casusoverleg"),
    ("fr", "Dossier en concertation de cas")])
def test_the_workbench_breadcrumb_names_the_process(app, network, login, language, name):
    client = login("owner")
    client.post("/language", data={"language": language})
    draft = html.unescape(client.get("/designer/maw_case/").get_data(as_text=True))
    crumb = draft.split('<ol class="breadcrumb">')[1].split("</ol>")[0]
    assert name in crumb and "maw_case" not in crumb
    assert 'font-monospace">maw_case</span>' in draft  # the id as secondary text
    editor = html.unescape(client.get("/designer/maw_case/edit/processes/case.bpmn")
                           .get_data(as_text=True))
    crumb = editor.split('<ol class="breadcrumb">')[1].split("</ol>")[0]
    assert name in crumb and ">Draft of maw_case<" not in crumb
