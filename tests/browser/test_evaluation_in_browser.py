"""The evaluation as a steering group sees it: the funnel, the time per step, the heatmap on
the process diagram and the coverage matrix, on a generated history. Screenshots go to
tests/artifacts/; every page passes axe-core without serious or critical violations."""

import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.webapp.evaluation_history import generate
from tests.webapp.helpers import example
from webapp.extensions import db
from webapp.models import Task
from webapp.services import tasks
from webapp.services.audit import Actor

from .conftest import screenshot
from .test_workday import serious_accessibility_problems

pytestmark = pytest.mark.browser
PERIOD = "start=2026-01&end=2026-12"


@pytest.fixture(scope="module")
def history(live_server):
    """The generated history, plus six cases with an action plan (for the coverage)."""
    _, app = live_server
    with app.app_context():
        generate(random.Random(7))
        from tests.webapp.evaluation_history import History, run

        more = History()
        for index in range(6):
            record = run(more, "table_open", datetime(2026, 3, 2 + index, 9, tzinfo=UTC),
                         random.Random(index))
            assert record.intake == "multi_agency"
        for task in db.session.scalars(db.select(Task).where(
                Task.spec_name == "case_consultation")).all():
            user = _user("coordinator")
            tasks.complete_task(Actor(user), task.id, example("case-consultation"),
                                now=datetime(2026, 3, 20, tzinfo=UTC))
            db.session.commit()
        for task in db.session.scalars(db.select(Task).where(
                Task.spec_name == "agree_action_plan")).all():
            tasks.complete_task(Actor(_user("coordinator")), task.id, example("action-plan"),
                                now=datetime(2026, 3, 21, tzinfo=UTC) + timedelta(hours=3))
            db.session.commit()
    return app


def _user(name):
    from webapp.models import User

    return db.session.scalar(db.select(User).where(User.username == name))


def test_the_evaluation_reads_at_a_glance(as_user, browser, live_server, history):
    base, _ = live_server
    page = as_user("evaluator")
    page.get_by_role("link", name="Evaluation").click()
    page.goto(f"/reports/?{PERIOD}")
    expect(page.get_by_role("heading", name="From signal to closure")).to_be_visible()
    funnel = page.locator("section[aria-labelledby=funnel-heading]")
    expect(funnel.locator("svg")).to_be_visible()
    expect(funnel.get_by_role("table").first).to_contain_text("fewer than 5")
    funnel.screenshot(path=str(_artifact("evaluation-funnel")))
    durations = page.locator("section[aria-labelledby=durations-heading]")
    expect(durations).to_contain_text("Confirm intake decision")
    durations.screenshot(path=str(_artifact("evaluation-durations")))
    screenshot(page, "evaluation-page")
    assert "MAW-" not in page.content()

    page.get_by_role("link", name="Heatmap on the process").click()
    diagram = page.locator("#heatmap-diagram")
    expect(diagram).to_have_attribute("data-state", "ready")
    expect(diagram.locator(".heat-badge").first).to_be_visible()
    page.locator('[data-element-id="confirm_intake_decision"]').first.click()
    expect(page.locator("#heatmap-detail")).to_contain_text("Passed in the period")
    screenshot(page, "evaluation-heatmap")
    # a called process has its own diagram, with the figures of its steps
    page.get_by_role("link", name="Information request to one partner").click()
    expect(diagram).to_have_attribute("data-state", "ready")
    answer = diagram.locator('.djs-element[data-element-id="answer_information_request"]')
    expect(answer).to_have_class(re.compile(r"\bheat-\d"))
    answer.first.click()
    expect(page.locator("#heatmap-detail")).to_contain_text("Passed in the period")
    screenshot(page, "evaluation-heatmap-information-request")

    page.get_by_role("link", name="Coverage of life domains").click()
    expect(page.get_by_text("In the registry, never in practice:")).to_be_visible()
    page.locator(".report-chart").screenshot(path=str(_artifact("evaluation-coverage")))
    screenshot(page, "evaluation-coverage-page")

    for path in (f"/reports/?{PERIOD}", f"/reports/heatmap?{PERIOD}",
                 f"/reports/coverage?{PERIOD}", "/admin/partners/"):
        who = "admin" if path.startswith("/admin") else "evaluator"
        problems = serious_accessibility_problems(browser, base, who, path)
        assert not problems, (path, problems)


def test_the_evaluator_sees_no_case(as_user, live_server, history):
    page = as_user("evaluator")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Evaluation")).to_be_visible()
    expect(nav.get_by_role("link", name="Cases")).to_have_count(0)
    response = page.goto("/cases/MAW-2026-0001")
    assert response.status == 404


def _artifact(name):
    from .conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def test_the_case_page_names_the_life_domains_without_an_action(as_user, live_server, history):
    _, app = live_server
    with app.app_context():
        from webapp.models import Contribution

        code = db.session.scalar(db.select(Task.case_code).where(
            Task.spec_name == "carry_out_action").limit(1))
        assert code and db.session.scalar(db.select(Contribution.id).limit(1))
    page = as_user("coordinator")
    page.goto(f"/cases/{code}")
    gaps = page.locator("section.case-gaps")
    expect(gaps).to_contain_text("1 life domain flagged vulnerable has no action")
    expect(gaps).to_contain_text("Peers and leisure")
    gaps.screenshot(path=str(_artifact("case-gaps")))


def test_the_evaluation_in_french(as_user, browser, live_server, history):
    """The same pages in French: months, counts, durations, the charts' words and the
    heatmap's labels on the diagram. Runs last: it switches the evaluator to French."""
    base, app = live_server
    page = as_user("evaluator")
    try:
        page.goto(f"/reports/?{PERIOD}")
        page.get_by_role("button", name="Français").click()
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        expect(page.get_by_role("heading", name="Comment le réseau fonctionne")).to_contain_text(
            "janvier\u2009–\u2009décembre 2026")
        funnel = page.locator("section[aria-labelledby=funnel-heading]")
        expect(funnel.locator("svg")).to_contain_text("Signalements reçus")
        expect(funnel.get_by_role("table").first).to_contain_text("moins de 5")
        durations = page.locator("section[aria-labelledby=durations-heading]")
        expect(durations).to_contain_text("heures")
        trends = page.locator("section[aria-labelledby=trends-heading]")
        expect(trends.locator("svg")).to_contain_text("janv. 2026")
        # the period's months as French names them, whatever the browser's language
        expect(page.locator("#start option:checked")).to_have_text("janvier 2026")
        expect(page.locator("#end option:checked")).to_have_text("décembre 2026")
        screenshot(page, "evaluation-page-fr")

        page.get_by_role("link", name="Carte de chaleur sur le processus").click()
        diagram = page.locator("#heatmap-diagram")
        expect(diagram).to_have_attribute("data-state", "ready")
        expect(diagram.locator(".heat-count").first).not_to_contain_text("fewer")
        page.locator('[data-element-id="confirm_intake_decision"]').first.click()
        expect(page.locator("#heatmap-detail")).to_contain_text("Passages sur la période")
        screenshot(page, "evaluation-heatmap-fr")

        page.get_by_role("link", name="Couverture des domaines de vie").click()
        expect(page.get_by_text("Dans le registre, jamais en pratique :")).to_be_visible()
        expect(page.locator(".report-chart svg")).to_contain_text("dans le registre")
        page.locator(".report-chart").screenshot(path=str(_artifact("evaluation-coverage-fr")))
        for path in (f"/reports/?{PERIOD}", f"/reports/heatmap?{PERIOD}",
                     f"/reports/coverage?{PERIOD}"):
            problems = serious_accessibility_problems(browser, base, "evaluator", path)
            assert not problems, (path, problems)
    finally:
        with app.app_context():
            _user("evaluator").language = None
            db.session.commit()
