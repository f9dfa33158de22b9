"""What was recorded reads as the form showed it: choice labels, not the stored codes, on
every page that shows recorded form data."""

import re

import pytest

from .helpers import example, only_task, requests_for
from .test_scenarios import Table, formdata

SIGNAL = example("register-signal", observed_concerns=["school_or_work_drop_out"])


@pytest.fixture
def table(network, login):
    """A case at the consultation: signal, intake decision, request and both answers."""
    table = Table(login)
    table.submit("coordinator", "register_signal", SIGNAL)
    table.submit("coordinator", "confirm_intake_decision",
                 example("intake-decision", intake_decision="multi_agency"))
    table.submit("coordinator", "request_information",
                 example("request-information", partners=requests_for("police", "social")))
    for partner in ("police", "social"):
        table.submit(partner, "answer_information_request", example("information-answer"))
    return table


def assert_labels(html: str) -> None:
    assert "School or work drop-out" in html and "school_or_work_drop_out" not in html
    assert "Take to the multi-agency table" in html and "multi_agency" not in html


def _after(html: str, title: str) -> list[str]:
    """The values shown after each `title` of a list of recorded data."""
    return re.findall(rf'{title}</dt>\s*<dd class="col-sm-8"><span class="preserve-lines">'
                      r"([^<]*)<", html)


def test_the_case_page_shows_labels_also_in_lists_and_rows(table):
    table.submit("coordinator", "case_consultation", example("case-consultation"))
    table.submit("coordinator", "agree_action_plan", example("action-plan"))
    page = table.page()
    assert_labels(page)
    assert "Education and work" in page and "education_work" not in page
    assert _after(page, "Owned by") == ["School", "Social services"]
    assert _after(page, "Organisation") == ["Police", "Social services"]
    assert '<li><span class="preserve-lines">Date of birth</span></li>' in page
    assert "date_of_birth" not in page


def test_the_task_page_summary_and_the_table_view_show_labels(table):
    task = only_task("coordinator", "case_consultation")
    coordinator = table.client("coordinator")
    assert_labels(coordinator.get(f"/tasks/{task.id}").text)
    assert_labels(coordinator.get(f"/shared/{table.case.code}").text)


def test_the_conflict_page_shows_what_was_entered_with_labels(network, login):
    table = Table(login)
    task = only_task("coordinator", "register_signal")
    late = table.client("coordinator2")
    assert late.get(f"/tasks/{task.id}").status_code == 200
    table.submit("coordinator", "register_signal", SIGNAL)
    response = late.post(f"/tasks/{task.id}", data={**formdata(SIGNAL), "action": "complete"})
    assert response.status_code == 409
    assert "School or work drop-out" in response.text
    assert "school_or_work_drop_out" not in response.text
    assert _after(response.text, "Organisation of the signaller") == [
        SIGNAL["signaller_organisation"]]

