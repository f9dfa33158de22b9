"""People, organisations and what role each person has in which organisation."""

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.types import JSONType, UTCDateTime, utcnow

# partner_rep: a partner's representative at the multi-agency table (sees the table's view of
# the cases their organisation has a seat for); auditor: reads the audit trail, not case content.
ROLES = ("coordinator", "partner", "partner_rep", "process_owner", "admin", "auditor",
         "evaluator")
ROLE_LABELS = {  # shown in the reader's language (lazy: translated when rendered)
    "coordinator": _l("Coordinator"),
    "partner": _l("Partner"),
    "partner_rep": _l("Partner representative at the table"),
    "process_owner": _l("Process owner"),
    "admin": _l("Administrator"),
    "auditor": _l("Auditor"),
    # Reads the network's evaluation (counts and durations), nothing of any case.
    "evaluator": _l("Evaluator"),
}
# Roles whose tasks belong to the whole network; a partner task always names its organisation.
NETWORK_ROLES = frozenset({"coordinator", "process_owner", "admin"})


class Organisation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # The name in other languages, {"nl": "...", "fr": "..."}; `name` is shown otherwise.
    names = mapped_column(JSONType, nullable=True)

    def name_in(self, language: str | None) -> str:
        """The organisation's name in ``language`` when it has one, else ``name``."""
        return (self.names or {}).get(language) or self.name


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
    # The language the user chose (a code of LANGUAGES); None: the browser's.
    language: Mapped[str | None] = mapped_column(String(10), nullable=True)

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
