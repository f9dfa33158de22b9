"""Deployed process versions: a whole bundle (BPMN, DMN, forms) pinned together, immutable."""

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, deferred, mapped_column

from webapp.extensions import db
from webapp.models.types import JSONType, UTCDateTime, utcnow


class ProcessVersion(db.Model):
    __table_args__ = (UniqueConstraint("process_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int]
    # Publishing an older version's content again makes a new version with the same files.
    bundle_hash: Mapped[str] = mapped_column(String(64), index=True)
    # The bundle itself (large): read when a version's bundle is first built in a process,
    # or shown in the workbench, not with every case that refers to the version.
    files = deferred(mapped_column(JSONType, nullable=False))
    spec_json: Mapped[str] = deferred(mapped_column(Text, nullable=False))
    status: Mapped[str] = mapped_column(String(20), default="published")
    published_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"


IMMUTABLE_COLUMNS = ("process_id", "version", "bundle_hash", "files", "spec_json")


@event.listens_for(ProcessVersion, "before_update")
def _refuse_changes(mapper, connection, target):
    state = db.inspect(target)
    for column in IMMUTABLE_COLUMNS:
        if state.attrs[column].history.has_changes():
            raise ValueError(f"A published process version cannot change ({column}).")


class WorkbenchSetting(db.Model):
    """A choice process owners make in the workbench, e.g. ``case_process``: which published
    process "Register a case" and "Report a signal" start."""

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    updated_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
