"""A generated case history for the evaluation tests, with time moved explicitly.

Every case runs through the real services (registration, a partner's signal, task
completion, timers) at chosen moments; the history also keeps, independently of what the
application records, when each step arrived and was completed and how each case ended, so the
tests can compute the expected figures themselves."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Organisation, PartnerProfile, Task
from webapp.services import cases, signals, tasks

from .helpers import actor, example, requests_for

BASE = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
CRITERIA = ("no_remaining_concerns", "peer_group_not_connected_to_radical_groups",
            "reflects_critically_on_ideology", "rethinks_role_in_radical_context",
            "protective_factors_in_place")


@dataclass
class Record:
    """What the test itself knows about one case."""

    opened: datetime
    durations: dict[str, list[int]] = field(default_factory=dict)  # step -> seconds waited
    moments: dict[str, datetime] = field(default_factory=dict)     # step -> first completion
    outcome: str | None = None
    intake: str | None = None
    signalled_by: str | None = None
    ticks: list[str] = field(default_factory=list)


@dataclass
class History:
    records: list[Record] = field(default_factory=list)

    def durations(self, step: str) -> list[int]:
        return [s for r in self.records for s in r.durations.get(step, [])]


class Driver:
    """Runs one case step by step; ``now`` only moves forward."""

    def __init__(self, history: History, now: datetime, record: Record, case,
                 renamed: dict[str, str] | None = None):
        self.history, self.now, self.record, self.case = history, now, record, case
        self.arrived: dict[str, datetime] = {}
        self.renamed = renamed or {}  # default element id -> its id in the process run

    def arrive_all(self) -> None:
        for task in db.session.scalars(select(Task).where(Task.case_id == self.case.id)):
            self.arrived.setdefault(task.spec_name, task.created_at)

    def step(self, username: str, spec_name: str, data: dict, hours: float) -> None:
        """Complete ``spec_name`` (the default process's id; the record keeps it so)."""
        self.arrive_all()
        element = self.renamed.get(spec_name, spec_name)
        task = db.session.scalars(select(Task).where(
            Task.case_id == self.case.id, Task.spec_name == element)).first()
        assert task is not None, f"{self.case.code} is not waiting at {element}"
        arrived = self.arrived.pop(element)
        self.now = self.now + timedelta(hours=hours)
        tasks.complete_task(actor(username), task.id, data, now=self.now)
        db.session.commit()
        self.record.durations.setdefault(spec_name, []).append(
            int((self.now - arrived).total_seconds()))
        self.record.moments.setdefault(spec_name, self.now)


def generate(rng: random.Random | None = None,
             renamed: dict[str, str] | None = None) -> History:
    """20 cases in January and February 2026 and one in December 2025 (outside the period):
    9 out of scope (2 of them signalled by the police), 4 urgent, 7 to the table: 6 closed
    after a closure review, 1 waiting at the case consultation. ``renamed``: the elements
    the process run calls otherwise (default id -> id)."""
    rng = rng or random.Random(16)
    police = db.session.scalar(select(Organisation).where(Organisation.code == "police"))
    if db.session.get(PartnerProfile, police.id) is None:
        db.session.add(PartnerProfile(organisation_id=police.id, kind="police",
                                      life_domains=["justice"], mandate="decides",
                                      contact="desk"))
    db.session.commit()
    history = History()
    plan = (["out_of_scope"] * 7 + ["urgent"] * 4 + ["table"] * 6 + ["table_open"]
            + ["signal"] * 2)
    for index, path in enumerate(plan):
        opened = BASE + timedelta(days=2 * index, hours=rng.randint(0, 5))
        run(history, path, opened, rng, renamed)
    run(history, "out_of_scope", datetime(2025, 12, 10, 9, tzinfo=UTC), rng, renamed)
    return history


def run(history: History, path: str, opened: datetime, rng: random.Random,
        renamed: dict[str, str] | None = None) -> Record:
    record = Record(opened=opened)
    history.records.append(record)
    if path == "signal":
        data = example("register-signal")
        case = signals.submit_signal(actor("police"), data, now=opened)
        db.session.commit()
        record.signalled_by = "police"
    else:
        case = cases.register_case(actor("coordinator"), now=opened)
        db.session.commit()
    driver = Driver(history, opened, record, case, renamed)
    if path != "signal":
        driver.step("coordinator", "register_signal", example("register-signal"),
                    rng.randint(1, 30))
    intake = {"signal": "out_of_scope", "out_of_scope": "out_of_scope", "urgent": "urgent"}.get(
        path, "multi_agency")
    driver.step("coordinator", "confirm_intake_decision",
                example("intake-decision", intake_decision=intake), rng.randint(1, 90))
    record.intake = intake
    if intake == "out_of_scope":
        record.outcome = "out_of_scope"
    elif intake == "urgent":
        driver.step("coordinator", "record_urgent_referral", example("urgent-referral"),
                    rng.randint(1, 10))
        record.outcome = "urgent"
    else:
        driver.step("coordinator", "request_information",
                    example("request-information", partners=requests_for("police")),
                    rng.randint(1, 20))
        driver.step("police", "answer_information_request", example("information-answer"),
                    rng.randint(5, 150))
        if path == "table_open":
            return record
        driver.step("coordinator", "case_consultation",
                    example("case-consultation", next_step="closure_review"),
                    rng.randint(2, 200))
        ticks = {name: rng.random() < 0.6 for name in CRITERIA}
        ticks["no_remaining_concerns"] = True
        record.ticks = [name for name, ticked in ticks.items() if ticked]
        driver.step("coordinator", "closure_review",
                    example("closure-review", decision="close", **ticks), rng.randint(1, 60))
        driver.step("coordinator2", "approve_closure", example("closure-approval"),
                    rng.randint(1, 72))
        record.outcome = "closed"
    return record
