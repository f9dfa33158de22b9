"""Driving a case of the default bundle through the engine the way the inbox does, without
the web application: every step is saved and loaded again, and time is moved explicitly."""

from datetime import UTC, datetime, timedelta

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
