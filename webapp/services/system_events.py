"""The audit trail's events that are about no one case: logins and failed logins, lockouts,
rate limits, refused requests, users and roles, processes published and cases migrated. For
auditors, with filters and a CSV export (safe against spreadsheet formulas)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import or_, select

from webapp.extensions import db
from webapp.models import AuditEvent, User
from webapp.services import denials, policy
from webapp.services.audit import Actor, record
from webapp.services.csvsafe import to_csv
from webapp.services.errors import NotAllowed

#: Kinds of events, as an auditor looks for them: (label, actions, action prefix).
KINDS: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "logins": ("Logins and logouts", ("login", "logout", "reauthenticated"), None),
    "failed": ("Failed logins", ("login_failed", "login_refused_locked"), None),
    "lockouts": ("Lockouts", ("login_locked", "user_unlocked"), None),
    "rate_limits": ("Rate limits", ("login_rate_limited",), None),
    "denials": ("Refused requests", ("access_denied",), None),
    "accounts": ("Users and roles", ("user_created", "user_activated", "user_deactivated",
                                     "organisation_created", "role_grant_requested",
                                     "role_grant_confirmed", "role_grant_refused"), None),
    "processes": ("Processes and migrations", (), "process_"),
}
LABELS = {
    "login": "logged in", "logout": "logged out", "reauthenticated": "confirmed the password",
    "login_failed": "failed login", "login_refused_locked": "login refused: locked",
    "login_locked": "locked out after failed logins", "user_unlocked": "unlocked an account",
    "login_rate_limited": "login refused: too many failures from this address",
    "access_denied": "request refused", "user_created": "created a user",
    "user_activated": "reactivated a user", "user_deactivated": "deactivated a user",
    "organisation_created": "created an organisation",
    "role_grant_requested": "asked for a role to be granted",
    "role_grant_confirmed": "confirmed a role", "role_grant_refused": "refused a role",
    "process_published": "published a process version",
    "process_cases_migrated": "moved running cases to another version",
}
PAGE_SIZE = 100
MAX_EXPORT = 50_000


@dataclass(frozen=True)
class EventFilter:
    kind: str = ""
    who: str = ""
    address: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, args) -> "EventFilter":
        return cls(kind=args.get("kind", "") if args.get("kind") in KINDS else "",
                   who=(args.get("who") or "").strip().lower()[:80],
                   address=(args.get("address") or "").strip()[:64],
                   since=_day(args.get("since")), until=_day(args.get("until")))

    def args(self) -> dict:
        values = {"kind": self.kind, "who": self.who, "address": self.address,
                  "since": self.since.isoformat() if self.since else "",
                  "until": self.until.isoformat() if self.until else ""}
        return {k: v for k, v in values.items() if v}


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None


def events_query(flt: EventFilter):
    query = select(AuditEvent).where(AuditEvent.case_id.is_(None))
    if flt.kind:
        _, actions, prefix = KINDS[flt.kind]
        conditions = [AuditEvent.action.in_(actions)] if actions else []
        if prefix:
            conditions.append(AuditEvent.action.startswith(prefix))
        query = query.where(or_(*conditions))
    if flt.who:
        query = query.join(User, User.id == AuditEvent.user_id).where(User.username == flt.who)
    if flt.address:
        query = query.where(AuditEvent.remote_addr == flt.address)
    if flt.since:
        query = query.where(AuditEvent.at >= datetime.combine(flt.since, time(), UTC))
    if flt.until:
        end = datetime.combine(flt.until, time(), UTC) + timedelta(days=1)
        query = query.where(AuditEvent.at < end)
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


@dataclass(frozen=True)
class Row:
    at: datetime
    who: str
    username: str
    what: str
    detail: str
    remote_addr: str


#: Login attempts for a name nobody has: the name typed is shown, not "the system".
ANONYMOUS_ATTEMPTS = ("login_failed", "login_rate_limited")


def describe(event: AuditEvent) -> Row:
    """One event in words (a refusal also says how many of its kind the window saw)."""
    detail = dict(event.detail or {})
    parts = []
    typed = ""
    if event.user is None and event.action in ANONYMOUS_ATTEMPTS:
        typed = str(detail.pop("username", "") or "")
    if event.action == "access_denied":
        so_far = denials.tally(detail.get("key", ""), detail.get("window_start", ""))
        count = max(so_far or 0, int(detail.get("count") or 1))
        parts.append(f"{detail.get('method', '')} {detail.get('path', '')} → "
                     f"{detail.get('status', '')}")
        if count > 1:
            parts.append(f"{count} refusals of this kind within the hour")
    else:
        parts += [f"{k}: {_text(v)}" for k, v in sorted(detail.items()) if v not in ("", [], None)]
    if event.user is not None:
        who = event.user.display_name
    else:
        who = "Unknown name" if typed else "The system"
    return Row(at=event.at, who=who, username=event.user.username if event.user else typed,
               what=LABELS.get(event.action, event.action.replace("_", " ")),
               detail="; ".join(p for p in parts if p), remote_addr=event.remote_addr or "")


def _text(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    text = str(value)
    return text[:12] + "…" if len(text) == 64 and text.isalnum() else text  # a hash


def view_events(actor: Actor, flt: EventFilter, page: int):
    """One page of events (newest first); audited. Raises NotAllowed."""
    if not policy.may_read_audit(actor.user):
        raise NotAllowed("Only auditors see the audit trail.")
    found = db.paginate(events_query(flt), page=page, per_page=PAGE_SIZE, error_out=False)
    if found.pages and found.page > found.pages:
        found = db.paginate(events_query(flt), page=found.pages, per_page=PAGE_SIZE)
    rows = [describe(e) for e in found.items]
    record(actor, "audit_events_viewed", page=found.page, **flt.args())
    return found, rows


def export_events(actor: Actor, flt: EventFilter) -> str:
    """The filtered events as CSV (at most MAX_EXPORT, newest first); audited."""
    if not policy.may_read_audit(actor.user):
        raise NotAllowed("Only auditors export the audit trail.")
    events = db.session.scalars(events_query(flt).limit(MAX_EXPORT)).all()
    rows = [describe(e) for e in events]
    record(actor, "audit_events_exported", rows=len(rows), **flt.args())
    return to_csv(["when (UTC)", "who", "username", "what", "detail", "from"],
                  ([r.at.strftime("%Y-%m-%d %H:%M:%S"), r.who, r.username, r.what, r.detail,
                    r.remote_addr] for r in rows))
