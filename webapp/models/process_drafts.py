"""The editable draft of a process bundle: what a process owner works on before publishing."""

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.accounts import User
from webapp.models.types import JSONType, UTCDateTime, utcnow


class ProcessDraft(db.Model):
    """One draft per process. Published versions never change; the draft is where edits go.

    ``problems`` keeps the result of the last validation (a list of {file, element_id,
    message}); ``trial_state`` is the state of the process owner's "Try it" run: it lives here,
    not in a case, so a trial can never appear in an inbox, a case list or a report."""

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200), unique=True)
    files = mapped_column(JSONType, nullable=False, default=dict)
    based_on_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_version.id"), nullable=True
    )
    problems = mapped_column(JSONType, nullable=False, default=list)
    trial_state: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    updated_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    updated_by: Mapped[User | None] = relationship(lazy="joined")
