"""Documents a partner attaches to an answer or an action report."""

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models.types import UTCDateTime, utcnow


class Attachment(db.Model):
    """One uploaded file. Pending (``contribution_id`` None) while it belongs to a form not
    sent yet (``task_id``, the inbox row, and its uploader); then it belongs to the
    contribution and has exactly its visibility. The content is kept in AttachmentContent
    (database) or in the configured folder under ``storage_key``."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    contribution_id: Mapped[int | None] = mapped_column(ForeignKey("contribution.id"),
                                                        nullable=True, index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage: Mapped[str] = mapped_column(String(10))  # "database" or "folder"
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class AttachmentContent(db.Model):
    """The bytes of an attachment stored in the database (apart, so listing never reads them)."""

    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("attachment.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
