"""The case history the evaluation reads (models.CaseEvent), written as cases move.

``services.cases.apply_step`` hands over what a step changed (task rows gone and new, timers
gone, engine-run elements, the outcome) and writes the rows this module builds in the same
multi-row INSERT: nothing here reads the database. Only codes, times and durations are kept:
a decision is the value of a field with a fixed list of choices, a tick is a field name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from webapp.models import CaseEvent

#: Fields whose value is the decision a step took, in the order they are looked for. The
#: default process's forms: intake (intake_decision), consultation (next_step), review and
#: closure review (decision), closure approval (approval), aftercare check-in (status),
#: referral (response).
DECISION_FIELDS = ("intake_decision", "decision", "approval", "status", "next_step", "response",
                   "taken_up")
VALUE_MAX = 60


@dataclass(frozen=True)
class Completion:
    """The step a person completed in this engine call, with what they submitted."""

    spiff_task_id: str
    spec_name: str
    data: dict
    organisation_id: int | None = None


def decision_of(data: dict) -> str | None:
    """The decision a step's submitted data took: the first DECISION_FIELDS value that is a
    short code (text longer than a code is free text and never kept)."""
    for key in DECISION_FIELDS:
        value = data.get(key)
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, str) and value and len(value) <= VALUE_MAX and " " not in value:
            return value
    return None


def ticks_of(data: dict) -> list[str]:
    """The boxes ticked in a form: top-level fields whose value is true."""
    return [key[:VALUE_MAX] for key, value in data.items() if value is True]


def actions_of(data: dict) -> list[tuple[str, str]]:
    """(life domain, organisation code) of each action an action plan agreed: a list
    ``actions`` of items with ``life_domain`` and ``organisation`` (forms/action-plan)."""
    actions = data.get("actions")
    if not isinstance(actions, list):
        return []
    return [(a["life_domain"][:200], a["organisation"][:VALUE_MAX]) for a in actions
            if isinstance(a, dict) and isinstance(a.get("life_domain"), str)
            and isinstance(a.get("organisation"), str)]


class EventRows:
    """The event rows of one step of one case, collected and then written at once."""

    def __init__(self, case, now: datetime) -> None:
        self.case = case
        self.case_id = case.id
        self.version_id = case.process_version_id
        self.now = now
        self.age = max(0, int((now - case.created_at).total_seconds()))
        self.rows: list[dict] = []

    def add(self, kind: str, element: str = "", *, value: str | None = None,
            seconds: int | None = None, late: bool | None = None,
            organisation_id: int | None = None) -> None:
        self.rows.append({
            "case_id": self.case_id, "process_version_id": self.version_id, "at": self.now,
            "kind": kind, "element": element[:200], "value": value, "seconds": seconds,
            "age": self.age, "late": late, "organisation_id": organisation_id,
        })

    def since(self, started: datetime | None) -> int | None:
        return None if started is None else max(0, int((self.now - started).total_seconds()))

    def opened(self, organisation_id: int | None) -> None:
        self.add("open", organisation_id=organisation_id)

    def tasks_gone(self, gone: list, done: Completion | None) -> None:
        """``gone``: (spiff id, spec name, created_at, due_at, organisation id) of inbox rows
        the step removed. The one the person completed is "done", the others "left"."""
        for spiff_id, spec_name, created_at, due_at, org_id in gone:
            if done is not None and spiff_id == done.spiff_task_id:
                continue
            self.add("left", spec_name, seconds=self.since(created_at),
                     late=None if due_at is None else self.now > due_at,
                     organisation_id=org_id)
        if done is None:
            return
        row = next((g for g in gone if g[0] == done.spiff_task_id), None)
        created_at, due_at = (row[2], row[3]) if row else (None, None)
        self.add("done", done.spec_name, value=decision_of(done.data),
                 seconds=self.since(created_at) if row else None,
                 late=None if due_at is None else self.now > due_at,
                 organisation_id=done.organisation_id)
        for field in ticks_of(done.data):
            self.add("tick", done.spec_name, value=field)
        for domain, organisation in actions_of(done.data):
            self.add("action", domain, value=organisation)

    def engine_ran(self, completed: list, fired: dict[str, datetime | None]) -> None:
        """Elements the engine ran; a timer's wait is measured from ``fired``."""
        for info in completed:
            seconds = self.since(fired.get(info.spec_name)) if info.type == "TimerEvent" else None
            self.add("pass", info.spec_name, value=info.type[:VALUE_MAX], seconds=seconds)

    def outcome(self, before: str | None, after: str | None) -> None:
        if after and after != before:
            self.add("outcome", value=after[:VALUE_MAX])

    def spans(self, connection) -> None:
        """A "span" row (element: the span, seconds: its length) for each event of this step
        that ends a milestone span for the first time since its start: the spans of the
        case's process version (its milestones, services.evaluation.milestones). Reads the
        case's history only when such an event is written (a few steps of a case's life),
        one index lookup per start and end."""
        from webapp.services.evaluation.milestones import spans_of

        for span in spans_of(self.case.process_version):
            ending = next((r for r in self.rows if any(_matches(m, r) for m in span.ends)),
                          None)
            if ending is None:
                continue
            if span.starts is None:
                started = 0
                if self._latest(connection, span.ends, before=ending) is not None:
                    continue  # counted when the case first got there
            else:
                started = self._latest(connection, span.starts, before=ending)
                if started is None:
                    continue
                ended = self._latest(connection, span.ends, before=ending)
                if ended is not None and ended >= started:
                    continue  # not the first end since that start
            self.add("span", span.key, seconds=max(0, self.age - started))

    def _latest(self, connection, matches, *, before: dict) -> int | None:
        """The age of the latest earlier event of the case matching one of ``matches`` (this
        step's own rows before ``before`` included)."""
        ages = [r["age"] for r in self.rows[:self.rows.index(before)]
                if any(_matches(m, r) for m in matches)]
        for match in matches:
            query = select(func.max(CaseEvent.age)).where(
                CaseEvent.case_id == self.case_id, CaseEvent.kind == match.kind)
            if match.element is not None:
                query = query.where(CaseEvent.element == match.element)
            if match.value is not None:
                query = query.where(CaseEvent.value == match.value)
            found = connection.execute(query).scalar()
            if found is not None:
                ages.append(found)
        return max(ages) if ages else None

    def write(self, connection) -> None:
        if self.rows:
            self.spans(connection)
            connection.execute(CaseEvent.__table__.insert(), self.rows)


def _matches(match, row: dict) -> bool:
    return (row["kind"] == match.kind
            and (match.element is None or row["element"] == match.element)
            and (match.value is None or row["value"] == match.value))
