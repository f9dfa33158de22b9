"""The editable draft of a process bundle: what a process owner works on before publishing."""

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
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
    # What the trial did so far, to save it as a scenario: its clock and its steps (see
    # services.designer.trial).
    trial_log = mapped_column(JSONType, nullable=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    updated_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    updated_by: Mapped[User | None] = relationship(lazy="joined")


class ProcessScenario(db.Model):
    """A trial a process owner saved under a name: the answers given at each step and the path
    the process took. Every later draft runs it again (on save and before publishing) and
    shows where the path now differs or a form no longer accepts the saved answers."""

    __table_args__ = (UniqueConstraint("process_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(200))
    steps = mapped_column(JSONType, nullable=False, default=list)
    # The steps as the trial took them: [{"element", "title", "kind"}], and where it ended.
    path = mapped_column(JSONType, nullable=False, default=list)
    ending = mapped_column(JSONType, nullable=False, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # The last run against a draft: {"ok", "message", "step"...}, and that draft's bundle hash.
    last_result = mapped_column(JSONType, nullable=True)
    last_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_run_at = mapped_column(UTCDateTime, nullable=True)

    created_by: Mapped[User | None] = relationship(lazy="joined")
