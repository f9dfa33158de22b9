"""Which organisation is involved in which case and why, and what the coordinator shared."""

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.accounts import Organisation, User
from webapp.models.cases import Contribution
from webapp.models.types import UTCDateTime, utcnow

#: Why an organisation is involved: "task" (an information request or an action was created
#: for it), "signal" (one of its members reported the signal the case started from) or
#: "table" (the coordinator gave it a seat at the table for this case; the coordinator can
#: withdraw it again, which deletes the row: the audit trail keeps the history).
INVOLVEMENT_REASONS = ("task", "signal", "table")


class Involvement(db.Model):
    """An organisation may see a case (by code) once a row exists here: need-to-know."""

    __table_args__ = (UniqueConstraint("case_id", "organisation_id", "reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    # What caused it, in words (e.g. the first task's title), and who granted a seat.
    detail: Mapped[str] = mapped_column(String(300), default="")
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class SharedItem(db.Model):
    """Something the coordinator explicitly shared with one organisation for one case:
    a contribution of someone else, or a note written for that organisation. Withdrawing it
    deletes the row (the audit trail keeps who shared what, and who withdrew it)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    contribution_id: Mapped[int | None] = mapped_column(
        ForeignKey("contribution.id"), nullable=True
    )
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    shared_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    shared_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    shared_by: Mapped[User] = relationship(lazy="joined")
    contribution: Mapped[Contribution | None] = relationship(lazy="joined")
