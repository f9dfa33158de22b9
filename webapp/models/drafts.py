"""Drafts: what someone typed into a task form and saved to finish later."""

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.types import JSONType, UTCDateTime, utcnow


class TaskDraft(db.Model):
    """One draft per task row and user; it goes when the task row goes (completed)."""

    __table_args__ = (UniqueConstraint("task_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    data = mapped_column(JSONType, nullable=False, default=dict)
    saved_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
