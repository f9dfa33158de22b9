"""The append-only audit trail: who did or saw what, when, for which case and task."""

from sqlalchemy import DDL, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.accounts import User
from webapp.models.types import JSONType, UTCDateTime, utcnow


class AuditEvent(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    at = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True, index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), nullable=True
    )
    action: Mapped[str] = mapped_column(String(60), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), nullable=True, index=True)
    task_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    detail = mapped_column(JSONType, nullable=False, default=dict)
    remote_addr: Mapped[str | None] = mapped_column(String(64), nullable=True)

    user: Mapped[User | None] = relationship(lazy="joined")


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _append_only(mapper, connection, target):
    raise ValueError("The audit trail is append-only.")


# The database refuses it too, whatever the client (a script, a console, another tool): no
# UPDATE or DELETE (nor TRUNCATE on PostgreSQL) of audit rows. Retention is built around it:
# an event holds who, what and which case (ids, codes, step titles, never the person's details
# or free text), so anonymising a case never needs to touch its audit trail. The same
# triggers are created by the migration that introduced them; a later migration that
# rebuilds this table on SQLite (batch "move and copy") must create them again.
APPEND_ONLY = "The audit trail is append-only."
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
    for verb in ("UPDATE", "DELETE")
]
POSTGRES_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql "
    f"AS $$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
]
for _statement in SQLITE_TRIGGERS:
    event.listen(AuditEvent.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRES_TRIGGERS:
    event.listen(AuditEvent.__table__, "after_create",
                 DDL(_statement).execute_if(dialect="postgresql"))
