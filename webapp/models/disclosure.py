"""What a partner organisation was told: who a case is about (identity, disclosed on purpose)
and the question it was asked."""

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.accounts import Organisation, User
from webapp.models.types import JSONType, UTCDateTime, utcnow

#: The person's identifiers a coordinator can disclose, as stored (codes, never the values).
IDENTIFIERS = ("name", "date_of_birth", "address")


class Disclosure(db.Model):
    """A coordinator told one organisation which of the person's identifiers go with a task,
    and why. The values themselves stay in CaseSubject; members of the organisation see them
    while the disclosure stands (services.disclosure). Withdrawing keeps the row (the person
    may ask who was told what, when and why)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # The task it went with (the inbox row goes when the task is done; the spiff id stays).
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    what_for: Mapped[str] = mapped_column(String(300))
    identifiers = mapped_column(JSONType, nullable=False)
    purpose: Mapped[str] = mapped_column(String(300), default="")
    disclosed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    disclosed_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    withdrawn_at = mapped_column(UTCDateTime, nullable=True)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    withdrawn_because: Mapped[str | None] = mapped_column(String(200), nullable=True)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    disclosed_by: Mapped[User | None] = relationship(foreign_keys=[disclosed_by_id],
                                                     lazy="joined")


class PartnerQuestion(db.Model):
    """What an organisation's task asked it (an information request's own question and the
    context shared with every partner asked), kept after the task is done so the partner's
    view of the case still shows the question next to its answer."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    spiff_task_id: Mapped[str] = mapped_column(String(36), index=True)
    question: Mapped[str] = mapped_column(Text, default="")
    context: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
