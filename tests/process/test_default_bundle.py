"""The default process bundle (processes/, rules/, forms/) driven through the engine, without the
web application: decision tables, intake outcomes, information requests. The table's part
(consultation, plan, review, closure, actions, long cases) is in test_default_bundle_table.py."""

from datetime import timedelta

import pytest
from markupsafe import escape

from .common import example, requests_for
from .driver import T0, to_consultation, to_intake, to_requests, to_review

# ---------------------------------------------------------------- decision tables


@pytest.mark.parametrize(
    ("danger", "concerns", "expected", "service"),
    [
        (True, ["family_situation"], "urgent", ""),
        (False, ["social_isolation", "contact_with_extremist_group"], "multi_agency", ""),
        (False, ["school_or_work_drop_out"], "regular_care", "pupil guidance or the school"),
        (False, ["mental_health", "family_situation"], "regular_care", "mental health care"),
        (False, [], "out_of_scope", ""),
        (False, ["family_situation", "social_isolation", "mental_health"], "multi_agency", ""),
    ],
)
def test_intake_recommendation_names_its_rule(bundle, danger, concerns, expected, service):
    case = to_intake(bundle, immediate_danger=danger, observed_concerns=concerns)
    task = case.ready("confirm_intake_decision")[0]
    assert task.data["triage_recommendation"] == expected
    assert task.data["triage_service"] == service
    assert str(escape(task.data["triage_rule"])) in task.instructions


CRITERIA = (
    "no_remaining_concerns", "peer_group_not_connected_to_radical_groups",
    "reflects_critically_on_ideology", "rethinks_role_in_radical_context",
    "protective_factors_in_place",
)  # fmt: skip


@pytest.mark.parametrize(
    ("met", "advice"),
    [
        (CRITERIA, "close"),
        (("no_remaining_concerns", "protective_factors_in_place"), "close"),
        (CRITERIA[1:], "continue"),
        (CRITERIA[:4], "continue"),
    ],
)
def test_closure_advice(bundle, met, advice):
    case = to_review(bundle).do("review_case", example("review", decision="closure_review"))
    criteria = {c: c in met for c in CRITERIA}
    case.do("closure_review", example("closure-review", **criteria))
    approval = case.ready("approve_closure")[0]
    assert approval.data["closure_advice"] == advice
    assert str(escape(approval.data["closure_advice_rule"])) in approval.instructions


# ---------------------------------------------------------------- intake outcomes


def test_out_of_scope_is_closed_with_the_reason(bundle):
    case = to_intake(bundle).do(
        "confirm_intake_decision",
        example("intake-decision", intake_decision="out_of_scope",
                intake_reasoning="Opinions only."),
    )
    assert case.step.finished
    assert case.step.data["outcome"] == "out_of_scope"
    assert case.step.data["closure_reason"].endswith("Opinions only.")


def test_urgent_records_the_referral_and_closes(bundle):
    case = to_intake(bundle).do(
        "confirm_intake_decision", example("intake-decision", intake_decision="urgent")
    )
    assert case.names() == [("record_urgent_referral", None)]
    case.do("record_urgent_referral", example("urgent-referral"))
    assert case.step.finished
    assert case.step.data["outcome"] == "urgent"
    assert "Police emergency line" in case.step.data["closure_reason"]


def regular_care(bundle, days=60):
    return to_intake(bundle).do(
        "confirm_intake_decision",
        example("intake-decision", intake_decision="regular_care", regular_care_partner="school",
                check_back_days=days, regular_care_purpose="so that the school can contact him"),
    )  # fmt: skip


def test_regular_care_refers_to_the_partner_and_checks_back(bundle):
    case = regular_care(bundle)
    referral = case.ready("accept_referral")[0]
    assert (referral.lane, referral.organisation) == ("partner", "school")
    assert referral.due_at == T0 + timedelta(days=14)
    case.do("accept_referral", example("referral-response"), "school")
    assert case.names() == []
    assert [t.due_at for t in case.step.timers] == [T0 + timedelta(days=60)]
    case.wait(days=59)
    assert case.names() == []
    case.wait(days=2)
    case.do("check_back_regular_care", example("check-back"))
    assert case.step.finished
    assert case.step.data["outcome"] == "regular_care"
    assert case.step.data["closure_reason"].startswith("Handled in regular care by school.")


def test_a_referral_not_taken_up_comes_back_at_once_and_can_go_to_the_table(bundle):
    case = regular_care(bundle)
    case.do("accept_referral", example("referral-response", taken_up="not_taken_up",
                                       note="No capacity."), "school")  # fmt: skip
    check_back = case.ready("check_back_regular_care")[0]
    assert "did not take up" in check_back.instructions
    case.do("check_back_regular_care", example("check-back", status="take_to_table"))
    assert case.names() == [("request_information", None)]


# ---------------------------------------------------------------- information requests


def test_each_partner_gets_its_own_request_with_a_deadline(bundle):
    case = to_requests(bundle, ("police", "social", "school"))
    tasks = case.ready("answer_information_request")
    assert sorted(t.organisation for t in tasks) == ["police", "school", "social"]
    assert {t.due_at for t in tasks} == {T0 + timedelta(days=14)}
    assert {t.organisation: t.asked["question"] for t in tasks} == {
        "police": "What does police know?", "social": "What does social know?",
        "school": "What does school know?"}
    assert {t.asked["context"] for t in tasks} == {
        "The school noticed long absences since the autumn holidays."}


def test_each_partner_is_told_only_the_identifiers_ticked_for_it(bundle):
    case = to_intake(bundle)
    case.do("confirm_intake_decision", example("intake-decision", intake_decision="multi_agency"))
    rows = [*requests_for("police"), *requests_for("social", identifiers=("name",)),
            *requests_for("school", identifiers=())]
    case.do("request_information", example("request-information", partners=rows))
    told = {t.organisation: t.disclose for t in case.ready("answer_information_request")}
    assert told == {
        "police": {"identifiers": ["name", "date_of_birth"], "for": "information request",
                   "purpose": "so that police can look it up"},
        "social": {"identifiers": ["name"], "for": "information request",
                   "purpose": "so that social can look it up"},
        "school": None,
    }
    case.wait(days=15)  # the reminder repeats the question; the identity was told already
    reminders = case.ready("answer_after_reminder")
    assert {t.organisation: (t.asked["question"], t.disclose) for t in reminders} == {
        "police": ("What does police know?", None), "social": ("What does social know?", None),
        "school": ("What does school know?", None)}


def test_a_referral_and_an_aftercare_check_in_carry_the_identifiers_chosen(bundle):
    referral = regular_care(bundle).ready("accept_referral")[0]
    assert referral.disclose == {"identifiers": ["name", "date_of_birth"],
                                 "purpose": "so that the school can contact him",
                                 "for": "referral to regular care"}
    untold = to_intake(bundle).do("confirm_intake_decision", example(
        "intake-decision", intake_decision="regular_care", regular_care_partner="school",
        regular_care_identifiers=[]))
    assert untold.ready("accept_referral")[0].disclose is None
    case = to_consultation(bundle).do(
        "case_consultation", example("case-consultation", next_step="closure_review"))
    case.do("closure_review", example("closure-review", aftercare_months=1))
    case.do("approve_closure", example("closure-approval"))
    case.wait(days=32)
    check_in = case.ready("aftercare_check_in")[0]
    assert check_in.disclose == {"identifiers": ["name"], "for": "aftercare check-in",
                                 "purpose": "so that the school can check in with the pupil"}


def test_late_answer_after_reminder_and_escalation(bundle):
    case = to_requests(bundle)
    case.do("answer_information_request", example("information-answer"), "police")
    case.wait(days=13)
    assert case.names() == [("answer_information_request", "social")]
    case.wait(days=2)  # deadline passed: the partner gets a reminder
    assert case.names() == [("answer_after_reminder", "social")]
    reminder = case.ready("answer_after_reminder")[0]
    assert reminder.title.startswith("Reminder")
    assert reminder.due_at == case.now + timedelta(days=7)
    case.wait(days=8)  # still nothing: the coordinator is asked to follow up
    assert case.names() == [("answer_after_reminder", "social"),
                            ("follow_up_overdue_requests", None)]  # fmt: skip
    follow_up = case.ready("follow_up_overdue_requests")[0]
    assert follow_up.lane == "coordinator" and "social" in follow_up.instructions
    case.do("answer_after_reminder", example("information-answer"), "social")
    assert case.names() == [("case_consultation", None)]  # the late answer counts
    answers = case.ready("case_consultation")[0].data["answers"]
    assert [(a["organisation"], a["after_reminder"]) for a in answers] == [
        ("police", False), ("social", True),
    ]
