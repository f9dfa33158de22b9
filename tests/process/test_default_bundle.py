"""The default process bundle (processes/, rules/, forms/) driven through the engine, without the
web application: every step is saved and loaded again, the way the application keeps a case
between two requests, and time is moved explicitly."""

from datetime import UTC, datetime, timedelta

import pytest
from markupsafe import escape

from webapp import engine
from webapp.engine.compact import task_count
from webapp.engine.runner import _load

from .common import example, requests_for

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Case:
    """One case on the default bundle, driven like the inbox drives it."""

    def __init__(self, bundle, now=T0):
        self.bundle, self.now = bundle, now
        self.step = engine.start(bundle, {"case_code": "MAW-2026-0001"}, now=now)

    def ready(self, spec_name=None, organisation=None):
        return [
            t for t in self.step.ready
            if spec_name in (None, t.spec_name) and organisation in (None, t.organisation)
        ]

    def names(self):
        return sorted((t.spec_name, t.organisation) for t in self.step.ready)

    def do(self, spec_name, data, organisation=None):
        tasks = self.ready(spec_name, organisation)
        assert len(tasks) == 1, (spec_name, organisation, self.names())
        self.step = engine.complete(self.bundle, self.step.state, tasks[0].id, data, now=self.now)
        return self

    def wait(self, **delta):
        self.now += timedelta(**delta)
        self.step = engine.fire_timers(self.bundle, self.step.state, now=self.now)
        return self

    def tasks_in_state(self):
        return task_count(_load(self.bundle, self.step.state))


SIGNAL = example("register-signal")


def to_intake(bundle, **signal):
    return Case(bundle).do("register_signal", dict(SIGNAL, **signal))


def to_requests(bundle, partners=("police", "social")):
    case = to_intake(bundle)
    case.do("confirm_intake_decision", example("intake-decision", intake_decision="multi_agency"))
    return case.do("request_information",
                   example("request-information", partners=requests_for(*partners)))


def to_consultation(bundle):
    case = to_requests(bundle)
    case.do("answer_information_request", example("information-answer"), "police")
    nothing = example("information-answer", nothing_to_share=True)
    case.do("answer_information_request", nothing, "social")
    return case


def to_review(bundle):
    case = to_consultation(bundle).do("case_consultation", example("case-consultation"))
    case.do("agree_action_plan", example("action-plan"))
    case.do("carry_out_action", example("action-report"), "school")
    case.do("carry_out_action", example("action-report"), "social")
    return case.wait(days=93)


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


def test_the_table_closes_the_actions_still_under_way_at_a_review(bundle):
    case = to_consultation(bundle).do("case_consultation", example("case-consultation"))
    case.do("agree_action_plan", example("action-plan"))
    case.do("carry_out_action", example("action-report"), "school")
    case.do("carry_out_action", example("action-report", status="under_way"), "social")
    case.wait(days=93)
    assert case.names() == [("report_action_progress", "social"), ("review_case", None)]
    case.do("review_case", example("review", decision="continue"))  # not ticked: stays open
    assert case.names() == [("report_action_progress", "social")]
    case.wait(days=93)
    case.do("review_case", example("review", decision="adjust_plan", close_open_actions=True))
    assert case.names() == [("agree_action_plan", None)]  # social's report is no longer asked
    assert "stamp_closed_by_table" in [c.spec_name for c in case.step.completed]
