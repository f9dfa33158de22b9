"""The steps the case table takes together (lane "Table") are the coordinators' to record."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from webapp.services import tasks, timers
from webapp.services.errors import NotFound

from .helpers import actor, complete, example, inbox, only_task, to_consultation

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CASE_BPMN = Path(__file__).resolve().parents[2] / "processes" / "case.bpmn"
PARTNERS = ("police", "social", "school")
COORDINATORS = ("coordinator", "coordinator2")


def table_steps() -> set[str]:
    """The user tasks the default diagram puts in the Table lane."""
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    tree = etree.parse(str(CASE_BPMN))
    refs = set(tree.xpath("//bpmn:lane[@name='Table']/bpmn:flowNodeRef/text()", namespaces=ns))
    return refs & set(tree.xpath("//bpmn:userTask/@id", namespaces=ns))


def assert_for_coordinators_only(spec_name: str) -> None:
    for username in COORDINATORS:
        task = only_task(username, spec_name)
        assert task.lane == "coordinator" and task.organisation_id is None
    for username in PARTNERS:
        assert spec_name not in {t.spec_name for t in inbox(username)}, username
        with pytest.raises(NotFound):  # opening it by id looks like an unknown task
            tasks.open_task(actor(username), task.id)


def test_table_steps_go_to_every_coordinator_and_to_no_partner(network):
    assert table_steps() == {"case_consultation", "agree_action_plan", "review_case",
                             "closure_review"}  # fmt: skip
    to_consultation(("police", "social"), now=T0)
    complete("police", "answer_information_request", example("information-answer"), T0)
    complete("social", "answer_information_request", example("information-answer"), T0)

    assert_for_coordinators_only("case_consultation")
    complete("coordinator", "case_consultation", example("case-consultation"), T0)
    assert_for_coordinators_only("agree_action_plan")
    complete("coordinator2", "agree_action_plan", example("action-plan"), T0)
    # the actions the table agreed are each partner's own again
    assert only_task("school", "carry_out_action").organisation_id is not None
    assert not [t for t in inbox("coordinator") if t.spec_name == "carry_out_action"]

    assert timers.run_due_timers(now=T0 + timedelta(days=93)) == 1
    assert_for_coordinators_only("review_case")
    complete("coordinator", "review_case", example("review", decision="closure_review"))
    assert_for_coordinators_only("closure_review")
    complete("coordinator", "closure_review", example("closure-review", decision="close"))
    # the four-eyes approval stays in the Coordinator lane, for the other coordinator
    assert only_task("coordinator2", "approve_closure").lane == "coordinator"


def test_the_case_page_says_a_step_is_the_tables(network, login):
    case = to_consultation(("police",))
    complete("police", "answer_information_request", example("information-answer"))
    page = login("coordinator").get(f"/cases/{case.code}")
    assert re.search(r"Case consultation\s*<span[^>]*>· Table</span>", page.text)
