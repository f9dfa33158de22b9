"""Helpers for driving cases in tests."""

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Task, User
from webapp.services import cases, tasks, timers
from webapp.services.audit import Actor

EXAMPLES = Path(__file__).resolve().parents[2] / "forms" / "examples"


def example(form: str, **overrides) -> dict:
    """The committed example data of a form, with some fields changed."""
    data = json.loads((EXAMPLES / f"{form}.json").read_text())
    data.update(overrides)
    return data


def requests_for(*codes, identifiers=("name", "date_of_birth")) -> list[dict]:
    """Rows of the request-information form: one per organisation, each its own question,
    told the ``identifiers`` (none: not told who the case is about)."""
    return [{"organisation": code, "question": f"What does {code} know?",
             "identifiers": list(identifiers),
             **({"purpose": f"so that {code} can look it up"} if identifiers else {})}
            for code in codes]


def actor(username: str) -> Actor:
    return Actor(
        user=db.session.scalar(select(User).where(User.username == username)),
        remote_addr="127.0.0.1",
    )


def inbox(username: str) -> list[Task]:
    return list(db.session.scalars(tasks.inbox_query(actor(username).user)))


def only_task(username: str, spec_name: str) -> Task:
    found = [t for t in inbox(username) if t.spec_name == spec_name]
    assert len(found) == 1, f"{username} has {len(found)} '{spec_name}' tasks: {found}"
    return found[0]


def complete(username: str, spec_name: str, data: dict, now: datetime | None = None) -> None:
    task = only_task(username, spec_name)
    tasks.complete_task(actor(username), task.id, data, now=now)
    db.session.commit()


def register(username: str = "coordinator", now: datetime | None = None, **subject):
    case = cases.register_case(actor(username), now=now, **subject)
    db.session.commit()
    return case


def to_consultation(partners=("police", "social"), now=None):
    """Register a case and take it through intake and information requests."""
    case = register(now=now, full_name="Test Person")
    complete("coordinator", "register_signal", example("register-signal"), now)
    complete(
        "coordinator",
        "confirm_intake_decision",
        example("intake-decision", intake_decision="multi_agency"),
        now,
    )
    complete(
        "coordinator",
        "request_information",
        example("request-information", partners=requests_for(*partners), deadline_days=14),
        now,
    )
    return case


def to_review(now: datetime, *, reported=()):
    """A case at its first review (three months after the plan was agreed), the actions of
    its plan (the school's, social services') open, except those the organisations in
    ``reported`` reported done: (case, the review task)."""
    case = to_consultation(("police", "social"), now=now)
    complete("police", "answer_information_request", example("information-answer"), now)
    complete("social", "answer_information_request", example("information-answer"), now)
    complete("coordinator", "case_consultation", example("case-consultation"), now)
    complete("coordinator", "agree_action_plan", example("action-plan"), now)
    for username in reported:
        complete(username, "carry_out_action", example("action-report"), now)
    assert timers.run_due_timers(now=now + timedelta(days=93)) == 1
    return case, only_task("coordinator", "review_case")


def shown_day(moment: datetime) -> str:
    """The day of ``moment`` as the English pages write it ("03 Jun 2027"): in the
    deployment's time zone, where a time late in the UTC evening is already the next day."""
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%d %b %Y")
