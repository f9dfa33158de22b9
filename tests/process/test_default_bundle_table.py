"""The default process bundle at the table: consultation, action plan, review, closure with
aftercare, actions under way, and long cases that stay small (the engine alone, as in
test_default_bundle.py)."""

from datetime import UTC, datetime, timedelta

from .common import example
from .driver import to_consultation, to_review

# ---------------------------------------------------------------- consultation, plan, review


def test_actions_go_to_the_owning_partner_and_uncovered_domains_are_flagged(bundle):
    case = to_consultation(bundle).do("case_consultation", example("case-consultation"))
    plan = case.ready("agree_action_plan")[0]
    assert "housing" in plan.instructions and "finances" in plan.instructions
    assert "education and work" not in plan.instructions.split("from the screening")[1]
    case.do("agree_action_plan", example("action-plan"))
    actions = sorted((t.organisation, t.due_at) for t in case.ready("carry_out_action"))
    assert actions == [
        ("school", datetime(2026, 4, 15, 23, 59, 59, tzinfo=UTC)),
        ("social", datetime(2026, 4, 30, 23, 59, 59, tzinfo=UTC)),
    ]
    assert [t.due_at for t in case.step.timers] == [datetime(2026, 6, 2, 9, 0, tzinfo=UTC)]
    case.do("carry_out_action", example("action-report"), "school")
    case.wait(days=93)  # the review date comes even with an action still open
    review = case.ready("review_case")[0]
    assert "Life domains the plan does not cover" in review.instructions
    assert "housing" in review.instructions
    assert case.names() == [("carry_out_action", "social"), ("review_case", None)]


def test_review_continue_waits_for_the_next_review_and_adjust_makes_a_new_plan(bundle):
    case = to_review(bundle)
    case.do("review_case", example("review", decision="continue", next_review_months=2))
    assert case.names() == []
    assert [t.due_at.date() for t in case.step.timers] == [(case.now + timedelta(days=61)).date()]
    case.wait(days=62)
    case.do("review_case", example("review", decision="adjust_plan"))
    assert case.names() == [("agree_action_plan", None)]


def test_closure_sent_back_then_approved_then_aftercare_all_well(bundle):
    case = to_review(bundle).do("review_case", example("review", decision="closure_review"))
    case.do("closure_review", example("closure-review"))
    approval = case.ready("approve_closure")[0]
    assert approval.lane == "coordinator"
    case.do("approve_closure", {"approval": "send_back", "reason": "Ask the school first."})
    again = case.ready("closure_review")[0]
    assert "Ask the school first." in again.instructions
    assert "advised **close**" in again.instructions
    case.do("closure_review", example("closure-review"))
    case.do("approve_closure", example("closure-approval"))
    assert case.step.data["outcome"] == "closed"
    assert case.names() == []
    (timer,) = case.step.timers
    assert timedelta(days=180) <= timer.due_at - case.now <= timedelta(days=185)
    case.wait(days=186)
    check_in = case.ready("aftercare_check_in")[0]
    assert (check_in.lane, check_in.organisation) == ("partner", "school")
    case.do("aftercare_check_in", example("aftercare-check-in"), "school")
    assert case.step.finished
    assert case.step.data["outcome"] == "closed"


def test_table_decides_to_continue_at_closure_review(bundle):
    case = to_review(bundle).do("review_case", example("review", decision="closure_review"))
    case.do("closure_review", example("closure-review", decision="continue"))
    assert case.names() == []
    assert len(case.step.timers) == 1  # back to the review rhythm


def test_aftercare_concerns_reopen_the_case_into_a_review(bundle):
    case = to_consultation(bundle).do(
        "case_consultation", example("case-consultation", next_step="closure_review")
    )
    case.do("closure_review", example("closure-review", aftercare_months=1))
    case.do("approve_closure", example("closure-approval"))
    case.wait(days=32)
    case.do("aftercare_check_in",
            {"status": "concerns_again", "note": "New contacts with the same group."}, "school")
    assert case.step.data["outcome"] == "reopened"
    review = case.ready("review_case")[0]
    assert "New contacts with the same group." in review.instructions
    assert not case.step.finished


# ---------------------------------------------------------------- long cases stay small


def test_twenty_review_cycles_keep_the_state_as_small_as_a_fresh_case(bundle):
    case = to_review(bundle)
    fresh, fresh_bytes = case.tasks_in_state(), len(case.step.state)
    for _ in range(20):
        case.do("review_case", example("review", decision="adjust_plan"))
        case.do("agree_action_plan", example("action-plan"))
        case.do("carry_out_action", example("action-report"), "school")
        case.do("carry_out_action", example("action-report"), "social")
        case.wait(days=93)
    assert case.names() == [("review_case", None)]
    assert case.tasks_in_state() <= 1.5 * fresh
    # nor does anything else pile up (e.g. the events of the called processes' ends)
    assert len(case.step.state) <= 1.2 * fresh_bytes
    # and the case still ends properly
    case.do("review_case", example("review", decision="closure_review"))
    case.do("closure_review", example("closure-review"))
    case.do("approve_closure", example("closure-approval"))
    case.wait(days=200).do("aftercare_check_in", example("aftercare-check-in"), "school")
    assert case.step.finished and case.step.data["outcome"] == "closed"


def test_actions_still_open_at_closure_are_withdrawn_when_the_case_ends(bundle):
    case = to_consultation(bundle).do("case_consultation", example("case-consultation"))
    case.do("agree_action_plan", example("action-plan"))
    case.do("carry_out_action", example("action-report"), "school")
    case.wait(days=93)
    case.do("review_case", example("review", decision="closure_review"))
    case.do("closure_review", example("closure-review"))
    case.do("approve_closure", example("closure-approval"))
    assert case.names() == [("carry_out_action", "social")]  # still the partner's to report
    case.wait(days=190)
    case.do("aftercare_check_in", example("aftercare-check-in"), "school")
    assert case.step.finished and case.names() == []
    assert case.step.data["outcome"] == "closed"
    assert case.step.data["closure_reason"].endswith("Aftercare: all well.")


# ---------------------------------------------------------------- action progress


def test_an_action_under_way_stays_open_for_progress_reports_until_done(bundle):
    case = to_consultation(bundle).do("case_consultation", example("case-consultation"))
    case.do("agree_action_plan", example("action-plan"))
    school = case.ready("carry_out_action", "school")[0]
    assert school.disclose == {"identifiers": ["name", "date_of_birth"], "for": "agreed action",
                               "purpose": "so that the school can talk with the parents"}
    case.do("carry_out_action", example("action-report", status="under_way",
                                        note="First talk held."), "school")
    progress = case.ready("report_action_progress", "school")[0]
    assert "First talk held." in progress.instructions
    assert progress.due_at == school.due_at and progress.disclose is None
    case.do("report_action_progress", example("action-report", status="under_way",
                                              note="Second talk planned."), "school")
    case.do("report_action_progress", example("action-report", note="Parents on board."),
            "school")
    assert case.names() == [("carry_out_action", "social")]
    case.do("carry_out_action", example("action-report", status="not_possible"), "social")
    case.wait(days=93)
    assert case.names() == [("review_case", None)]


def _review(case, close=(), **fields):
    """Complete the review ticking the open actions whose owners are in ``close``."""
    review = case.ready("review_case")[0]
    choices = review.data["close_action_choices"]
    keys = [c["value"] for c in choices if c["organisation"] in close]
    return case.do("review_case", example("review", close_actions=keys, **fields))


def test_the_review_offers_the_open_actions_and_closes_only_those_ticked(bundle):
    case = to_consultation(bundle).do("case_consultation", example("case-consultation"))
    case.do("agree_action_plan", example("action-plan"))
    case.do("carry_out_action", example("action-report", status="under_way"), "school")
    case.wait(days=93)
    offered = case.ready("review_case")[0].data["close_action_choices"]
    assert [(c["value"], c["organisation"]) for c in offered] == [("1.1", "school"),
                                                                 ("1.2", "social")]
    assert offered[0]["label"].startswith("1. ")
    _review(case, decision="continue")  # nothing ticked: both stay open
    assert case.names() == [("carry_out_action", "social"), ("report_action_progress", "school")]
    case.wait(days=93)
    _review(case, close=["school"], decision="continue")
    assert case.names() == [("carry_out_action", "social")]  # the other owner still reports
    assert set(case.step.ended.values()) == {"Action closed by the table"}
    case.do("carry_out_action", example("action-report", status="under_way"), "social")
    case.wait(days=93)
    offered = case.ready("review_case")[0].data["close_action_choices"]
    assert [c["organisation"] for c in offered] == ["social"]  # the closed one is gone
    _review(case, close=["social"], decision="adjust_plan")
    assert case.names() == [("agree_action_plan", None)]


def test_actions_of_an_adjusted_plan_are_told_apart_from_those_still_open(bundle):
    case = to_consultation(bundle).do("case_consultation", example("case-consultation"))
    case.do("agree_action_plan", example("action-plan"))
    case.wait(days=93)
    _review(case, decision="adjust_plan")  # the first plan's actions go on
    case.do("agree_action_plan", example("action-plan"))
    assert len(case.ready("carry_out_action")) == 4
    case.wait(days=93)
    offered = case.ready("review_case")[0].data["close_action_choices"]
    assert [c["value"] for c in offered] == ["1.1", "1.2", "2.1", "2.2"]
    keys = ["1.1"]
    case.do("review_case", example("review", decision="continue", close_actions=keys))
    assert sorted(t.organisation for t in case.ready("carry_out_action")) == [
        "school", "social", "social"]
