"""What the evaluation reads: a compact history of each case's steps, and the partner registry.

``CaseEvent`` rows hold codes, times and durations only: never free text, names or data that
identify a person. Anonymisation leaves them as they are, so anonymised cases still count.
"""

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.types import JSONType, UTCDateTime, utcnow

#: What a CaseEvent says happened (see services/case_events.py).
EVENT_KINDS = ("open", "done", "left", "pass", "outcome", "tick", "action", "span")


class CaseEvent(db.Model):
    """One thing that happened to a case, written by the step that made it happen.

    open: the case was registered (organisation_id: the partner that signalled it);
    done: a person completed a step (seconds: how long it waited; value: the decision taken);
    left: a step went away without being completed (cancelled by a deadline, withdrawn);
    pass: the engine ran an element (script, decision table, timer, end event);
    outcome: the case's outcome code changed (value); tick: a box ticked in a step's form
    (value: the field); action: an action plan gave an action in a life domain (element) to
    an organisation (value: its code); span: a milestone span ended (element: which one,
    seconds: its length). ``age`` is the case's age in seconds at that moment.

    Rows are only ever added, with ids in the order they were written: that is what lets
    the monthly totals (CaseEventMonth) stay exact."""

    __table_args__ = (
        # Every period aggregate reads this index only (the rows are not touched).
        Index("ix_case_event_report", "kind", "at", "element", "value", "seconds",
              "organisation_id", "late", "process_version_id"),
        # Spans between two events of one case (intake -> first consultation, ...).
        Index("ix_case_event_case", "case_id", "kind", "element", "age"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    process_version_id: Mapped[int] = mapped_column(Integer)
    at = mapped_column(UTCDateTime, nullable=False)
    kind: Mapped[str] = mapped_column(String(10))
    element: Mapped[str] = mapped_column(String(200), default="")
    value: Mapped[str | None] = mapped_column(String(60), nullable=True)
    seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    age: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[bool | None] = mapped_column(nullable=True)
    organisation_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class CaseEventMonth(db.Model):
    """Monthly totals of case_event (written by the worker, see services/evaluation/rollup),
    counting the events with ids up to the month's ``CaseEventMonthState.up_to_id`` (reports
    add the events written since). Two sorts of rows: counts by kind, element, value,
    (signalling) organisation and lateness; and, with ``histogram``, durations: how many of
    a kind and element fell in each duration bucket."""

    __table_args__ = (Index("ix_case_event_month_month", "histogram", "month",
                            "process_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    process_version_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    element: Mapped[str] = mapped_column(String(200))
    value: Mapped[str | None] = mapped_column(String(60), nullable=True)
    organisation_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    late: Mapped[bool | None] = mapped_column(nullable=True)
    histogram: Mapped[bool] = mapped_column(default=False)
    bucket: Mapped[int | None] = mapped_column(Integer, nullable=True)
    count: Mapped[int] = mapped_column(Integer)


class CaseEventMonthState(db.Model):
    """Up to which case_event id a month's totals count."""

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    up_to_id: Mapped[int] = mapped_column(Integer)
    built_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


#: The life domains of the screening instrument (forms/case-consultation.schema.json).
LIFE_DOMAINS = ("family", "education_work", "health", "housing", "finances", "peers_leisure",
                "identity", "justice")
MANDATES = ("decides", "reports_back")


class PartnerProfile(db.Model):
    """What a partner organisation says it does at the table; kept by administrators."""

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"),
                                                 primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(40), default="other")
    life_domains = mapped_column(JSONType, nullable=False, default=list)
    mandate: Mapped[str] = mapped_column(String(20), default="reports_back")
    contact: Mapped[str] = mapped_column(String(300), default="")
    updated_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)


class PartnerProfileRevision(db.Model):
    """Every saved state of a partner's registry entry, oldest first (never changed)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    life_domains = mapped_column(JSONType, nullable=False)
    mandate: Mapped[str] = mapped_column(String(20))
    contact: Mapped[str] = mapped_column(String(300))
    saved_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
