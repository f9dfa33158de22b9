"""Cases, the person they concern, inbox task rows, timers and contributions."""

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from webapp.extensions import db
from webapp.models.accounts import Organisation, User
from webapp.models.processes import ProcessVersion
from webapp.models.types import JSONType, UTCDateTime, utcnow

CASE_STATUSES = ("open", "closed")
#: Task.priority: the tasks of an urgent case come first in every inbox sort.
URGENT, NORMAL = 0, 1


class Case(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)
    # The workflow state is large; it is loaded only by the code that runs the engine.
    state: Mapped[str] = deferred(mapped_column(Text, nullable=False))
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    version: Mapped[int] = mapped_column(default=1)
    current_step: Mapped[str] = mapped_column(String(500), default="")
    outcome: Mapped[str | None] = mapped_column(String(60), nullable=True)
    closure_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_error_at = mapped_column(UTCDateTime, nullable=True)
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    updated_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    closed_at = mapped_column(UTCDateTime, nullable=True)
    # Set when the retention period ran out (or on erasure): person details and free text gone.
    anonymised_at = mapped_column(UTCDateTime, nullable=True)
    # Urgent (e.g. immediate danger reported): every task of the case comes first in inboxes.
    urgent: Mapped[bool] = mapped_column(default=False, server_default=false())
    urgent_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    urgent_since = mapped_column(UTCDateTime, nullable=True)

    process_version: Mapped[ProcessVersion] = relationship(lazy="select")
    # The UPDATE checks the counter, so two writers never both win (all databases).
    __mapper_args__ = {"version_id_col": version}
    coordinator: Mapped[User | None] = relationship(foreign_keys=[coordinator_id])


class CaseSubject(db.Model):
    """The person a case is about, kept apart from case content; coordinators only."""

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    # Indexed: a search by date of birth, and the check for an earlier case of the same person.
    date_of_birth: Mapped[str | None] = mapped_column(String(10), nullable=True, index=True)
    address: Mapped[str | None] = mapped_column(String(500), nullable=True)


class CaseCounter(db.Model):
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Task(db.Model):
    """A ready user task, written after every engine step so listing never loads a workflow."""

    __table_args__ = (
        # The inbox reads one lane (lane, organisation_id, assignee_id) at a time, in the order
        # of the sort chosen (urgent tasks first: priority), a page at a time, and counts index
        # ranges (see services/inbox). A task for several owners (lane_owners) has a row per
        # owner: one spiff task id may appear more than once in a case. The coordinator's
        # overview reads the partner lanes across organisations (ix_task_overview).
        Index("ix_task_inbox", "lane", "organisation_id", "assignee_id", "priority", "due_at",
              "created_at", "id"),
        Index("ix_task_inbox_waiting", "lane", "organisation_id", "assignee_id", "priority",
              "created_at", "id"),
        Index("ix_task_inbox_title", "lane", "organisation_id", "assignee_id", "priority",
              "title", "due_at", "id"),
        Index("ix_task_inbox_step", "lane", "organisation_id", "assignee_id", "spec_name",
              "title", "priority", "due_at", "created_at", "id"),
        Index("ix_task_inbox_case", "lane", "organisation_id", "assignee_id", "priority",
              "case_code", "id"),
        Index("ix_task_claimed", "claimed_by_id", "lane", "organisation_id", "assignee_id",
              "priority", "due_at", "created_at", "id"),
        Index("ix_task_overview", "lane", "priority", "due_at", "created_at", "id"),
        # ids are never reused, so an old link can never open someone else's new task
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    # A copy of the case's code, so sorting an inbox by case reads an index (codes never change).
    case_code: Mapped[str] = mapped_column(String(20), default="", server_default="")
    spec_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    lane: Mapped[str] = mapped_column(String(40))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), nullable=True
    )
    form: Mapped[str | None] = mapped_column(String(200), nullable=True)
    due_at = mapped_column(UTCDateTime, nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    # A task for one named person (lane_owners naming a username): only they may work on it.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    # Read first by every inbox sort, lowest first: URGENT (0) for the tasks of an urgent case,
    # NORMAL (1) otherwise. A number rather than a flag so that the indexes, all ascending,
    # give urgent tasks first (a DESC index column does not survive SQLite's batch migrations).
    priority: Mapped[int] = mapped_column(default=1, server_default="1")
    # What is asked, in a line (the process's "summary" property): the coordinator's overview
    # lists it without loading workflows.
    summary: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # When a coordinator last sent a reminder about this task (shown in the partner's inbox).
    reminded_at = mapped_column(UTCDateTime, nullable=True)
    # Four eyes: the person who did the earlier step and so may not complete this one.
    four_eyes_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)

    case: Mapped[Case] = relationship(lazy="selectin")
    organisation: Mapped[Organisation | None] = relationship(lazy="selectin")


class Timer(db.Model):
    """A pending timer of a case, indexed by due time for the worker."""

    __table_args__ = (UniqueConstraint("case_id", "spiff_task_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    due_at = mapped_column(UTCDateTime, nullable=False, index=True)
    # The timer's BPMN element and when the case reached it (for the evaluation's durations).
    element: Mapped[str] = mapped_column(String(200), default="", server_default="")
    started_at = mapped_column(UTCDateTime, nullable=True)


class Contribution(db.Model):
    """What someone submitted for a task: the case history and need-to-know views read this."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    # The inbox row it completed; None for a signal a partner reported (it had no inbox row).
    task_id: Mapped[int | None] = mapped_column(index=True, nullable=True)
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    spec_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    lane: Mapped[str] = mapped_column(String(40))
    form: Mapped[str | None] = mapped_column(String(200), nullable=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), nullable=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    data = mapped_column(JSONType, nullable=False)
    # Answers chosen from the task's own data (engine.formoptions): per source, the chosen
    # items by value, so the history shows what a choice meant (e.g. which action was closed).
    chosen = mapped_column(JSONType, nullable=True)
    submitted_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # Marked by the partner: only coordinators and the table of this case may read it.
    professional_secrecy: Mapped[bool] = mapped_column(default=False, server_default=false())

    user: Mapped[User] = relationship(lazy="joined")
    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
