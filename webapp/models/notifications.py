"""E-mail notifications: the outbox of events, the messages made from them, and each user's
choices. No case content is ever stored here: kinds, case codes, step titles, due dates."""

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.types import JSONType, UTCDateTime, utcnow


class NotificationEvent(db.Model):
    """Something happened that people may have to be told about: written in the same
    transaction as the step that caused it (the transactional outbox). The mail worker turns
    each event into one Notification per person who wants it (services.notifications.fanout)
    and sets ``done_at``.

    ``case_id`` and ``task_id`` are plain numbers, not foreign keys: a task row goes when the
    task is done, and the event (kept for a while, see fanout.prune) must not hold it."""

    __table_args__ = (Index("ix_notification_event_pending", "done_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(nullable=True)
    case_code: Mapped[str] = mapped_column(String(20), default="")
    # A new task is known by its case and engine id (its row id is not read back on the hot
    # path); the other task events name the row.
    spiff_task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    task_id: Mapped[int | None] = mapped_column(nullable=True)
    # The one person it is for (a task reassigned to them), or None: the fan-out decides.
    user_id: Mapped[int | None] = mapped_column(nullable=True)
    # The step's title as the bundle words it, for an event whose task row is gone with it
    # (a withdrawn task); the others read it from the task row.
    step: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # The person whose action caused it: not told about their own doing.
    actor_id: Mapped[int | None] = mapped_column(nullable=True)
    # Events the worker makes by itself (due tomorrow, overdue) are made once per key.
    dedup_key: Mapped[str | None] = mapped_column(String(80), nullable=True, unique=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    done_at = mapped_column(UTCDateTime, nullable=True)


#: Notification.status values. "pending": to send as soon as next_attempt_at has come;
#: "sending": claimed by a sender until next_attempt_at (the lease); "sent"; "failed": given
#: up (too old or refused for good), with last_error; "digest": waiting for the user's daily
#: digest; "in_digest": listed in the digest digest_id; "dropped": not sent because the task
#: was done before (a digest item, or a message whose task is gone).
NOTIFICATION_STATUSES = ("pending", "sending", "sent", "failed", "digest", "in_digest", "dropped")


class Notification(db.Model):
    """One message to one user (or one item of a user's daily digest)."""

    __table_args__ = (
        UniqueConstraint("user_id", "digest_day"),  # one digest per user per day
        Index("ix_notification_queue", "status", "next_attempt_at"),
        Index("ix_notification_user_status", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[int | None] = mapped_column(nullable=True)
    case_code: Mapped[str] = mapped_column(String(20), default="")
    task_id: Mapped[int | None] = mapped_column(nullable=True)
    # The step's title (the kind of task), as the process names it: never case content.
    step: Mapped[str] = mapped_column(String(300), default="")
    due_at = mapped_column(UTCDateTime, nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # Not sent by then: marked failed (a notice that old is no use; MAIL_GIVE_UP_HOURS).
    expires_at = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    next_attempt_at = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    sent_at = mapped_column(UTCDateTime, nullable=True)
    digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification.id", ondelete="SET NULL"), nullable=True, index=True)
    digest_day = mapped_column(Date, nullable=True)


class NotificationSettings(db.Model):
    """A user's choices; a user without a row has the defaults of their roles."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    # kind -> "now" | "digest" | "never", only for the kinds the user changed.
    modes = mapped_column(JSONType, nullable=False, default=dict)
    # Local hour (services.notifications.settings.zone) at which the daily digest goes out.
    digest_hour: Mapped[int] = mapped_column(default=8)
    # Set by the one-click link in every message (or on the settings page): no mail at all.
    stopped_at = mapped_column(UTCDateTime, nullable=True)
    updated_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
