"""People, organisations and what role each person has in which organisation."""

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.types import UTCDateTime, utcnow

# partner_rep: a partner's representative at the multi-agency table (sees the table's view of
# the cases their organisation has a seat for); auditor: reads the audit trail, not case content.
ROLES = ("coordinator", "partner", "partner_rep", "process_owner", "admin", "auditor",
         "evaluator")
ROLE_LABELS = {
    "coordinator": "Coordinator",
    "partner": "Partner",
    "partner_rep": "Partner representative at the table",
    "process_owner": "Process owner",
    "admin": "Administrator",
    "auditor": "Auditor",
    # Reads the network's evaluation (counts and durations), nothing of any case.
    "evaluator": "Evaluator",
}
# Roles whose tasks belong to the whole network; a partner task always names its organisation.
NETWORK_ROLES = frozenset({"coordinator", "process_owner", "admin"})


class Organisation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    # Where notifications go (set by an administrator); without it the user gets no mail.
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # Raised at logout and deactivation: every session cookie issued before stops working.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login keeps this in the session; see security.py
        return f"{self.id}:{self.session_epoch or 0}"

    def has_role(self, role: str) -> bool:
        return any(m.role == role for m in self.memberships)

    @property
    def roles(self) -> set[str]:
        return {m.role for m in self.memberships}

    def organisation_ids(self, role: str) -> set[int]:
        return {m.organisation_id for m in self.memberships if m.role == role}


class Membership(db.Model):
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[str] = mapped_column(String(40))

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(lazy="joined")
