"""A working day in the browser: a coordinator registers a case and asks the police; the
police officer claims, releases, hits a validation error, saves a draft, logs out, resumes and
answers; the case page shows where the case is; the cases list exports a CSV. Every main page
passes axe-core without serious or critical violations. Screenshots go to tests/artifacts/."""

import csv
import io
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from webapp.demo import DEMO_PASSWORD

from ..webapp.helpers import requests_for
from .conftest import ROOT, screenshot

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
EXAMPLES = ROOT / "forms" / "examples"


def example(name: str, **changes) -> dict:
    return {**json.loads((EXAMPLES / f"{name}.json").read_text()), **changes}


def fill_task_form(page, data: dict) -> None:
    """Fill a task form from example data, field by field, the way a person would: rows
    through the form's "Add row" button, lists of boxes ticked exactly as given."""
    for name, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for index, row in enumerate(value):
                prefix = f"{name}-{index}-"
                if page.locator(f'form.task-form [name^="{prefix}"]').count() == 0:
                    page.locator(f'form.task-form button[name="_add_row:{name}"]').click()
                for key, item in row.items():
                    _fill_field(page.locator("form.task-form"), prefix + key, item)
            continue
        _fill_field(page.locator("form.task-form"), name, value)


def _fill_field(form, name: str, value) -> None:
    if isinstance(value, bool):
        form.locator(f'input[type=checkbox][name="{name}"]').set_checked(value)
        return
    if isinstance(value, list):
        boxes = form.locator(f'input[type=checkbox][name="{name}"]')
        for index in range(boxes.count()):
            box = boxes.nth(index)
            box.set_checked(box.get_attribute("value") in value)
        return
    field = form.locator(f'[name="{name}"]')
    if field.count() > 1 or field.first.get_attribute("type") == "radio":
        form.locator(f'input[name="{name}"][value="{value}"]').check()
    elif field.evaluate("e => e.tagName") == "SELECT":
        field.select_option(str(value))
    else:
        field.fill(str(value))


def submit_task(page) -> None:
    page.get_by_role("button", name="Submit and complete task").click()


def serious_accessibility_problems(browser, base: str, username: str | None, path: str):
    """axe-core on a page, in a context that lets Playwright inject the script (the app's CSP
    forbids inline scripts, rightly). Returns the serious and critical violations."""
    context = browser.new_context(base_url=base, bypass_csp=True,
                                  viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        if username:
            page.goto("/login")
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(base + "/")
        page.goto(path)
        if page.locator("#case-diagram").count():
            expect(page.locator("#case-diagram")).to_have_attribute("data-state", "ready")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document)")
        return [
            (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"] if v["impact"] in ("serious", "critical")
        ]
    finally:
        context.close()


def log_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your inbox")).to_be_visible()


def tab_count(page, label: str) -> str:
    badge = page.get_by_role("link", name=re.compile(label)).locator(".badge")
    return badge.inner_text().split()[0]


def register_and_ask_the_police(coordinator) -> str:
    coordinator.get_by_role("link", name="Register a case").first.click()
    coordinator.get_by_role("button", name="Register and describe the signal").click()
    expect(coordinator.get_by_role("heading", name="Register signal")).to_be_visible()
    code = re.search(r"MAW-\d{4}-\d{4}", coordinator.content()).group(0)

    submit_task(coordinator)  # nothing filled in: told what is missing, next to each field
    expect(coordinator.get_by_text("Nothing was saved yet")).to_be_visible()
    organisation = coordinator.get_by_label("Organisation of the signaller")
    expect(organisation).to_have_attribute("aria-invalid", "true")
    expect(coordinator.locator("#signaller_organisation-error")).to_have_text(
        "This field is required.")
    screenshot(coordinator, "task-form-errors")
    fill_task_form(coordinator, example("register-signal"))
    submit_task(coordinator)
    expect(coordinator.get_by_text("is done")).to_be_visible()

    # the next step of the same case opens at once
    expect(coordinator.get_by_role("heading", name="Confirm intake decision", level=1)
           ).to_be_visible()
    fill_task_form(coordinator, example("intake-decision", intake_decision="multi_agency"))
    submit_task(coordinator)
    expect(coordinator.get_by_role("heading", name="Request information", level=1)).to_be_visible()
    fill_task_form(coordinator, example("request-information", partners=requests_for("police")))
    submit_task(coordinator)
    expect(coordinator.get_by_text("is done")).to_be_visible()
    return code


def test_a_working_day_from_registration_to_the_partner_answer(as_user, browser, live_server):
    base, _ = live_server
    coordinator = as_user("coordinator")
    code = register_and_ask_the_police(coordinator)

    police = as_user("police")
    row = police.get_by_role("row").filter(has_text=code)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Answer information request")
    assert tab_count(police, "Claimed by me") == "0"
    row.get_by_role("button", name="Claim").click()
    expect(police.get_by_text("You claimed")).to_be_visible()
    assert tab_count(police, "Claimed by me") == "1"
    screenshot(police, "inbox")
    police.get_by_role("link", name=re.compile("Claimed by me")).click()
    mine = police.get_by_role("row").filter(has_text=code)
    expect(mine.get_by_text("You", exact=True)).to_be_visible()
    mine.get_by_role("button", name="Release").click()
    expect(police.get_by_text("is back in the shared inbox")).to_be_visible()
    assert tab_count(police, "Claimed by me") == "0"

    police.goto("/")
    police.get_by_role("row").filter(has_text=code).get_by_role(
        "link", name="Answer information request").click()
    expect(police.get_by_text("The question to Local police (demo)")).to_be_visible()
    expect(police.locator("section.asked .question")).to_have_text("What does police know?")
    risks = police.get_by_label("Known risk factors")
    pasted = "Seen with older youths near the station. " * 130  # over the 5,000 limit
    risks.fill(pasted)
    expect(police.get_by_text("Characters over the limit")).to_be_visible()
    submit_task(police)
    expect(police.get_by_text("Enter at most 5000 characters.")).to_be_visible()
    screenshot(police, "task-form-partner")
    assert police.get_by_label("Known risk factors").input_value() == pasted.strip()

    police.get_by_label("Known risk factors").fill("Seen with older youths near the station.")
    police.get_by_role("button", name="Save draft").click()
    expect(police.get_by_text("saved. Only you can see it")).to_be_visible()
    police.get_by_role("button", name="Log out").click()
    expect(police.get_by_text("You are logged out.")).to_be_visible()

    log_in(police, "police")
    police.get_by_role("row").filter(has_text=code).get_by_role("link").first.click()
    expect(police.get_by_text("You are continuing your draft")).to_be_visible()
    expect(police.get_by_label("Known risk factors")).to_have_value(
        "Seen with older youths near the station.")
    police.get_by_label("Known protective factors").fill("Plays in a football team.")
    submit_task(police)
    expect(police.get_by_text("is done")).to_be_visible()
    expect(police.get_by_role("row").filter(has_text=code)).to_have_count(0)

    coordinator.goto(f"/cases/{code}")
    diagram = coordinator.locator("#case-diagram")
    expect(diagram).to_have_attribute("data-state", "ready")
    waiting = diagram.locator(".djs-element.step-current")
    expect(waiting.first).to_be_visible()
    done = diagram.locator('.djs-element.step-done[data-element-id="register_signal"]')
    expect(done).to_have_count(1)
    expect(coordinator.get_by_text("Seen with older youths near the station.")).to_be_visible()
    timeline = coordinator.locator(".timeline")
    expect(timeline).to_contain_text("Register signal")
    expect(timeline).to_contain_text("Pat Police (demo)")
    coordinator.get_by_label("Add a comment").fill("Police answered; plan the consultation.")
    coordinator.get_by_role("button", name="Add comment").click()
    expect(coordinator.get_by_text("Your comment is added.")).to_be_visible()
    screenshot(coordinator, "case-page-diagram")

    coordinator.goto("/")
    coordinator.get_by_role("row").filter(has_text=code).get_by_role(
        "link", name="Case consultation").click()
    expect(coordinator.get_by_role("columnheader", name="Life domain")).to_be_visible()
    coordinator.get_by_label("Who, row 1").fill("Older brother")
    expect(coordinator.locator("#live-pictures svg")).to_have_count(1)
    expect(coordinator.locator("#live-pictures")).to_contain_text("Older brother")
    screenshot(coordinator, "task-form-consultation")


def test_a_long_answer_is_saved_as_a_draft_a_minute_after_typing(as_user):
    coordinator = as_user("coordinator")
    coordinator.clock.install()
    coordinator.get_by_role("link", name="Register a case").first.click()
    coordinator.get_by_role("button", name="Register and describe the signal").click()
    coordinator.get_by_label("Role of the signaller").fill("school nurse")
    coordinator.clock.run_for(61_000)  # move the page's clock past the autosave delay
    expect(coordinator.get_by_text("Draft saved automatically at")).to_be_visible()
    coordinator.reload()
    expect(coordinator.get_by_text("You are continuing your draft")).to_be_visible()
    expect(coordinator.get_by_label("Role of the signaller")).to_have_value("school nurse")


def test_the_case_page_draws_the_current_step(as_user, live_server):
    coordinator = as_user("coordinator")
    coordinator.get_by_role("link", name="Register a case").first.click()
    coordinator.get_by_role("button", name="Register and describe the signal").click()
    code = re.search(r"MAW-\d{4}-\d{4}", coordinator.content()).group(0)
    problems = []
    coordinator.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    coordinator.goto(f"/cases/{code}")
    diagram = coordinator.locator("#case-diagram")
    expect(diagram).to_have_attribute("data-state", "ready")
    current = diagram.locator('.djs-element.step-current[data-element-id="register_signal"]')
    expect(current).to_have_count(1)
    expect(current).to_be_in_viewport()
    assert not [p for p in problems if "Content Security Policy" in p], problems
    coordinator.get_by_role("button", name="Show the whole process").click()
    expect(current).to_be_in_viewport()


def test_cases_list_search_and_csv_export(as_user, live_server, tmp_path: Path):
    coordinator = as_user("coordinator")
    coordinator.get_by_role("link", name="Cases", exact=True).click()
    expect(coordinator.get_by_role("heading", name="Cases")).to_be_visible()
    codes = re.findall(r"MAW-\d{4}-\d{4}", coordinator.locator("table").inner_text())
    assert codes, "the earlier tests registered cases"
    screenshot(coordinator, "cases-list")
    coordinator.get_by_label("Case code").fill(codes[-1][-4:])
    coordinator.get_by_role("button", name="Search").click()
    expect(coordinator.locator("tbody tr")).to_have_count(1)

    with coordinator.expect_download() as download:
        coordinator.get_by_role("link", name="Export these cases (CSV)").click()
    saved = tmp_path / "cases.csv"
    download.value.save_as(saved)
    assert download.value.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["Case", "Status", "Current step"]
    assert [r[0] for r in rows[1:]] == [codes[-1]]
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


@pytest.mark.parametrize(("username", "path"), [
    (None, "/login"),
    ("coordinator", "/"),
    ("police", "/"),
    ("coordinator", "/cases/"),
    ("coordinator", "task"),
    ("coordinator", "case"),
])
def test_no_serious_accessibility_problems(browser, live_server, as_user, username, path):
    base, _ = live_server
    if path in ("task", "case"):
        coordinator = as_user("coordinator")
        coordinator.get_by_role("link", name="Register a case").first.click()
        coordinator.get_by_role("button", name="Register and describe the signal").click()
        code = re.search(r"MAW-\d{4}-\d{4}", coordinator.content()).group(0)
        path = coordinator.url.removeprefix(base) if path == "task" else f"/cases/{code}"
    assert serious_accessibility_problems(browser, base, username, path) == []


def test_no_serious_accessibility_problems_on_a_partner_task_and_a_form_with_errors(
        browser, live_server, as_user):
    from sqlalchemy import select

    from tests.webapp.helpers import actor, register
    from webapp.extensions import db
    from webapp.models import Task
    from webapp.services import tasks

    base, app = live_server
    with app.app_context():
        case = register()
        steps = [("register_signal", example("register-signal")),
                 ("confirm_intake_decision", example("intake-decision")),
                 ("request_information",
                  example("request-information", partners=requests_for("police"))),
                 ("answer_information_request", None)]
        for spec_name, data in steps:
            task = db.session.scalar(select(Task).where(Task.case_id == case.id,
                                                        Task.spec_name == spec_name))
            if data is not None:
                tasks.complete_task(actor("coordinator"), task.id, data)
                db.session.commit()
        task_id = task.id
    assert serious_accessibility_problems(browser, base, "police", f"/tasks/{task_id}") == []

    context = browser.new_context(base_url=base, bypass_csp=True)
    try:
        page = context.new_page()
        log_in(page, "coordinator")
        page.get_by_role("link", name="Register a case").first.click()
        page.get_by_role("button", name="Register and describe the signal").click()
        submit_task(page)
        expect(page.get_by_text("Nothing was saved yet")).to_be_visible()
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document)")
        assert [v["id"] for v in result["violations"]
                if v["impact"] in ("serious", "critical")] == []
    finally:
        context.close()


def test_a_school_reports_a_signal_and_the_coordinator_takes_it_up(browser, live_server, as_user):
    """A front-line worker reports what was seen; the coordinator gets the intake decision."""
    base, _ = live_server
    school = as_user("school")
    school.get_by_role("link", name="Report a signal").click()
    expect(school.get_by_label("Organisation of the signaller")).to_have_value(
        re.compile(r"Pupil guidance centre"))
    assert serious_accessibility_problems(browser, base, "school", "/signals/new") == []
    school.get_by_label("Name of the person").fill("Robin Example")
    data = example("register-signal")
    del data["signaller_organisation"]
    fill_task_form(school, data)
    screenshot(school, "signal-report")
    school.get_by_role("button", name="Send the signal to the coordinator").click()
    expect(school.get_by_text("Your signal is registered as")).to_be_visible()
    code = re.search(r"MAW-\d{4}-\d{4}", school.content()).group(0)
    assert "Robin Example" not in school.content()  # the person's name is for coordinators
    screenshot(school, "signal-sent")

    coordinator = as_user("coordinator")
    row = coordinator.locator("tr", has_text=code).filter(has_text="Confirm intake decision")
    row.get_by_role("link").first.click()
    expect(coordinator.get_by_text("Frequently absent since January").first).to_be_visible()
