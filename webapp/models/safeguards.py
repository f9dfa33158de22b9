"""Rows that keep the application honest under pressure: tasks that went without an answer,
login locks per account and address, counted refusals, and role grants awaiting a second
person."""

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.accounts import Organisation, User
from webapp.models.types import UTCDateTime, utcnow


class ClosedTask(db.Model):
    """An inbox row that went without being completed (its deadline passed and a reminder
    took its place, or the process went on without it), kept under the task's own id so a
    late form or an old link can say what happened instead of "not found"."""

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # the task's id
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    spec_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    lane: Mapped[str] = mapped_column(String(40))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), nullable=True)
    form: Mapped[str | None] = mapped_column(String(200), nullable=True)
    closed_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class LoginLock(db.Model):
    """Failed logins of one account from one address. Locking per address means nobody can
    lock someone else out from elsewhere by typing wrong passwords for their name."""

    __table_args__ = (UniqueConstraint("user_id", "remote_addr"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0)
    locked_until = mapped_column(UTCDateTime, nullable=True)


class DenialTally(db.Model):
    """Refused requests of one kind (who, from where, which page, what answer) counted per
    window, so repeats are aggregated: the audit trail gets the 1st, 10th, 100th... of them."""

    __table_args__ = (UniqueConstraint("key", "window_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(400))
    window_start = mapped_column(UTCDateTime, nullable=False, index=True)
    count: Mapped[int] = mapped_column(default=0)


class RoleGrant(db.Model):
    """A role that lets someone read cases, given by an administrator: it takes effect only
    when a coordinator (another person) confirms it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    role: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    requested_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    decided_at = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id],
                                                     lazy="joined")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id], lazy="joined")
