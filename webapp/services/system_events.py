"""The audit trail's events that are about no one case: logins and failed logins, lockouts,
rate limits, refused requests, users and roles, processes published and cases migrated. For
auditors, with filters and a CSV export (safe against spreadsheet formulas)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import or_, select

from webapp.extensions import db
from webapp.i18n.formatting import format_datetime, parse_input_date
from webapp.models import ROLE_LABELS, AuditEvent, User
from webapp.services import denials, policy
from webapp.services.audit import Actor, record
from webapp.services.csvsafe import to_csv
from webapp.services.errors import NotAllowed

#: Kinds of events, as an auditor looks for them: (label, actions, action prefix).
KINDS: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "logins": (_l("Logins and logouts"), ("login", "logout", "reauthenticated"), None),
    "failed": (_l("Failed logins"), ("login_failed", "login_refused_locked"), None),
    "lockouts": (_l("Lockouts"), ("login_locked", "user_unlocked"), None),
    "rate_limits": (_l("Rate limits"), ("login_rate_limited",), None),
    "denials": (_l("Refused requests"), ("access_denied",), None),
    "accounts": (_l("Users and roles"), ("user_created", "user_activated", "user_deactivated",
                                         "organisation_created", "role_grant_requested",
                                         "role_grant_confirmed", "role_grant_refused"), None),
    "processes": (_l("Processes and migrations"), (), "process_"),
}
#: What each action means, in words (after who did it).
LABELS = {
    "login": _l("logged in"), "logout": _l("logged out"),
    "reauthenticated": _l("confirmed the password"),
    "login_failed": _l("failed login"), "login_refused_locked": _l("login refused: locked"),
    "login_locked": _l("locked out after failed logins"),
    "user_unlocked": _l("unlocked an account"),
    "login_rate_limited": _l("login refused: too many failures from this address"),
    "access_denied": _l("request refused"), "user_created": _l("created a user"),
    "user_activated": _l("reactivated a user"), "user_deactivated": _l("deactivated a user"),
    "user_email_changed": _l("changed a user's e-mail address"),
    "organisation_created": _l("created an organisation"),
    "role_grant_requested": _l("asked for a role to be granted"),
    "role_grant_confirmed": _l("confirmed a role"), "role_grant_refused": _l("refused a role"),
    "process_published": _l("published a process version"),
    "process_cases_migrated": _l("moved running cases to another version"),
    "process_version_retired": _l("retired a process version"),
    "process_version_published": _l("put a process version back in use"),
    "process_chosen_for_cases": _l("chose the process for new cases"),
    "process_scenario_saved": _l("saved a test scenario"),
    "process_scenario_deleted": _l("deleted a test scenario"),
    "process_trial_started": _l("tried out a process draft"),
    "partner_profile_saved": _l("saved a partner registry entry"),
    "language_chosen": _l("chose a language"),
    "notification_settings_changed": _l("changed their notification settings"),
    "notifications_stopped": _l("stopped a user's notifications"),
    "notifications_resumed": _l("resumed a user's notifications"),
    "mail_outbox_viewed": _l("looked at the mail outbox"),
    "person_search": _l("searched for a person"),
    "cases_listed": _l("listed the cases"),
    "cases_exported": _l("exported the cases list"),
    "overview_viewed": _l("looked at the overview"),
    "report_viewed": _l("looked at a report"),
    "report_exported": _l("exported a report"),
    "audit_events_viewed": _l("looked at the events outside cases"),
    "audit_events_exported": _l("exported the events outside cases"),
    "attachments_swept": _l("deleted documents of forms never sent"),
}
#: The detail of an event, by its key, in words; other keys are shown as they are stored.
DETAIL_LABELS = {
    "username": _l("username"), "role": _l("role"), "roles": _l("roles"),
    "roles_asked": _l("roles asked"), "organisation": _l("organisation"),
    "requested_by": _l("requested by"), "grant": _l("request"), "until": _l("until"),
    "failures": _l("failures"), "process": _l("process"), "version": _l("version"),
    "from_version": _l("from version"), "to_version": _l("to version"),
    "moved": _l("moved"), "cases": _l("cases"), "refused": _l("refused"),
    "previous": _l("previous"), "language": _l("language"), "report": _l("report"),
    "page": _l("page"), "count": _l("count"), "rows": _l("rows"), "name": _l("name"),
    "steps": _l("steps"), "kind": _l("kind"), "who": _l("who"), "address": _l("address"),
    "since": _l("from day"), "start": _l("start"), "end": _l("end"),
    "found": _l("found"), "by_name": _l("by name"),
    "by_date_of_birth": _l("by date of birth"), "has_email": _l("has an e-mail address"),
}
#: Details whose values are role codes.
ROLE_DETAILS = frozenset({"role", "roles", "roles_asked"})
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
    """A day typed the reader's way (or ISO, as the links carry it); None if it is none."""
    try:
        return parse_input_date((text or "")[:40])
    except ValueError:
        return None


def date_problems(args) -> dict[str, str]:
    """What is wrong with the days typed in the filter, by field (for the page to say)."""
    problems = {}
    for name in ("since", "until"):
        typed = (args.get(name) or "").strip()
        if typed:
            try:
                parse_input_date(typed[:40])
            except ValueError as error:
                problems[name] = str(error)
    return problems


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
            parts.append(ngettext("%(num)d refusal of this kind within the hour",
                                  "%(num)d refusals of this kind within the hour", count))
    else:
        parts += [_("%(label)s: %(value)s", label=DETAIL_LABELS.get(k, k),
                    value=_detail_value(k, v))
                  for k, v in sorted(detail.items()) if v not in ("", [], None)]
    if event.user is not None:
        who = event.user.display_name
    else:
        who = _("Unknown name") if typed else _("The system")
    return Row(at=event.at, who=who, username=event.user.username if event.user else typed,
               what=str(LABELS.get(event.action, event.action.replace("_", " "))),
               detail="; ".join(p for p in parts if p), remote_addr=event.remote_addr or "")


def _detail_value(key: str, value) -> str:
    """A detail's value in words: roles by their names, yes or no, a moment the reader's way;
    codes, names and numbers as they are."""
    if key in ROLE_DETAILS:
        roles = value if isinstance(value, list) else [value]
        return ", ".join(str(ROLE_LABELS.get(r, r)) for r in roles)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key == "until":
        return format_datetime(value) or str(value)
    return _text(value)


def _text(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    text = str(value)
    return text[:12] + "…" if len(text) == 64 and text.isalnum() else text  # a hash


def view_events(actor: Actor, flt: EventFilter, page: int):
    """One page of events (newest first); audited. Raises NotAllowed."""
    if not policy.may_read_audit(actor.user):
        raise NotAllowed(_("Only auditors see the audit trail."))
    found = db.paginate(events_query(flt), page=page, per_page=PAGE_SIZE, error_out=False)
    if found.pages and found.page > found.pages:
        found = db.paginate(events_query(flt), page=found.pages, per_page=PAGE_SIZE)
    rows = [describe(e) for e in found.items]
    record(actor, "audit_events_viewed", page=found.page, **flt.args())
    return found, rows


def export_events(actor: Actor, flt: EventFilter) -> str:
    """The filtered events as CSV (at most MAX_EXPORT, newest first); audited. The header and
    the words are in the reader's language; the time stays ISO in UTC, which every
    spreadsheet sorts and no reader misreads (day/month order)."""
    if not policy.may_read_audit(actor.user):
        raise NotAllowed(_("Only auditors export the audit trail."))
    events = db.session.scalars(events_query(flt).limit(MAX_EXPORT)).all()
    rows = [describe(e) for e in events]
    record(actor, "audit_events_exported", rows=len(rows), **flt.args())
    return to_csv([_("when (UTC)"), _("who"), _("username"), _("what"), _("detail"), _("from")],
                  ([r.at.strftime("%Y-%m-%d %H:%M:%S"), r.who, r.username, r.what, r.detail,
                    r.remote_addr] for r in rows))
