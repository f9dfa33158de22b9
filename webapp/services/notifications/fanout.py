"""The mail worker's first half: outbox events -> one message (or digest item) per person
who wants it; the sweeps that notice due and overdue tasks; the daily digests.

Everything here runs in the worker, never on a user's request. Each function flushes; the
caller commits. Several workers may run side by side on PostgreSQL: events are taken with
FOR UPDATE SKIP LOCKED, due notices are made once per key, digests once per user and day.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from webapp.extensions import db
from webapp.models import (
    Case,
    Membership,
    Notification,
    NotificationEvent,
    NotificationSettings,
    Task,
    User,
)
from webapp.services import bundles, policy
from webapp.services.notifications import event
from webapp.services.notifications.kinds import DIGEST, DIGEST_KIND, KINDS, NOTIFY_AS, NOW
from webapp.services.notifications.settings import mode_for, zone


def expiry(now: datetime) -> datetime:
    """When a message made now is given up if it could not be sent (MAIL_GIVE_UP_HOURS)."""
    return now + timedelta(hours=float(current_app.config["MAIL_GIVE_UP_HOURS"]))

DUE_SOON = timedelta(days=1)
# An overdue notice is made for tasks that fell due this recently (a worker that was down
# for days does not mail about every old deadline at once).
OVERDUE_WINDOW = timedelta(days=2)
KEEP_EVENTS = timedelta(days=30)
KEEP_MESSAGES = timedelta(days=90)
# The kinds whose message is about a task that must still be open to be worth sending.
TASK_KINDS = frozenset(name for name, kind in KINDS.items() if kind.link == "task")


class _Recipients:
    """Who may act on what, read once per fan-out pass."""

    def __init__(self) -> None:
        self._users: dict[str, list[User]] = {}
        self._settings: dict[int, NotificationSettings | None] = {}

    def with_role(self, role: str) -> list[User]:
        if role not in self._users:
            self._users[role] = list(db.session.scalars(
                select(User).join(Membership, Membership.user_id == User.id)
                .where(Membership.role == role, User.active.is_(True))
                .options(selectinload(User.memberships)).distinct()))
        return self._users[role]

    def for_task(self, task: Task) -> list[User]:
        return [user for user in self.with_role(task.lane) if policy.may_work_on(user, task)]

    def settings(self, user_id: int) -> NotificationSettings | None:
        if user_id not in self._settings:
            self._settings[user_id] = db.session.get(NotificationSettings, user_id)
        return self._settings[user_id]


def fan_out(now: datetime, limit: int = 200) -> int:
    """Turn up to ``limit`` pending events into messages. Returns how many events."""
    events = db.session.scalars(
        select(NotificationEvent).where(NotificationEvent.done_at.is_(None))
        .order_by(NotificationEvent.id).limit(limit).with_for_update(skip_locked=True)
    ).all()
    if not events:
        return 0
    people, rows = _Recipients(), []
    for item in events:
        rows.extend(_messages(item, people, now))
        item.done_at = now
    if rows:
        db.session.execute(insert(Notification), rows)
    db.session.flush()
    return len(events)


def _tasks_of(item: NotificationEvent) -> list[Task]:
    """The inbox rows an event is about: its row, or every row of its engine task (a task
    that lane_owners gave to several organisations or people has a row for each)."""
    if item.task_id is not None:
        task = db.session.get(Task, item.task_id)
        return [task] if task is not None else []
    if item.spiff_task_id is not None:
        return list(db.session.scalars(
            select(Task).where(Task.case_id == item.case_id,
                               Task.spiff_task_id == item.spiff_task_id).order_by(Task.id)))
    return []


def _kind_of(item: NotificationEvent, task: Task | None) -> str:
    """task_ready becomes a new task, a reminder or an escalation after the task's notifyAs
    property in the case's process version; the other events are their kind."""
    if item.kind != "task_ready" or task is None:
        return item.kind
    version = db.session.get(Case, task.case_id).process_version
    notify_as = bundles.bundle_for(version).task_properties(task.spec_name).get("notifyAs")
    return NOTIFY_AS.get(str(notify_as or "").strip().lower(), "task_new")


def _who(kind: str, item: NotificationEvent, task: Task | None,
         people: _Recipients) -> list[User]:
    if kind not in TASK_KINDS and item.user_id is not None:  # made for one person
        user = db.session.get(User, item.user_id)
        return [user] if user is not None and user.active else []
    if kind == "task_reassigned":
        return [u for u in people.for_task(task) if u.id == item.user_id == task.claimed_by_id]
    if kind in TASK_KINDS:
        users = people.for_task(task)
        if task.claimed_by_id and kind != "task_released":  # whoever is on it
            users = [u for u in users if u.id == task.claimed_by_id] or users
        return users
    coordinators = people.with_role("coordinator")
    if kind == "answer_arrived":
        responsible = db.session.scalar(select(Case.coordinator_id)
                                        .where(Case.id == item.case_id))
        return [u for u in coordinators if u.id == responsible] or coordinators
    return coordinators


def _messages(item: NotificationEvent, people: _Recipients, now: datetime) -> list[dict]:
    tasks = _tasks_of(item)
    kind = _kind_of(item, tasks[0] if tasks else None)
    if kind not in KINDS or (kind in TASK_KINDS and not tasks):
        return []  # the task was done before anyone needed telling
    rows, expires, told = [], expiry(now), set()
    for task in tasks or [None]:
        for user in _who(kind, item, task, people):
            if user.id == item.actor_id or user.id in told:
                continue
            told.add(user.id)
            mode = mode_for(user, kind, people.settings(user.id))
            if mode not in (NOW, DIGEST):
                continue
            rows.append({
                "user_id": user.id, "kind": kind, "event_id": item.id,
                "case_code": item.case_code, "task_id": task.id if task else None,
                "step": task.title if task else item.step, "due_at": task.due_at if task else None,
                "created_at": now, "status": "pending" if mode == NOW else "digest",
                "next_attempt_at": now if mode == NOW else None, "attempts": 0,
                "expires_at": expires,
            })
    return rows


def sweep_due(now: datetime) -> int:
    """Events for tasks due within a day and for tasks that fell due, once per task and due
    date (the key), whichever worker sees them first. Returns how many were new."""
    found = db.session.execute(
        select(Task.id, Task.case_id, Task.case_code, Task.due_at, Task.due_at <= now)
        .where(Task.due_at > now - OVERDUE_WINDOW, Task.due_at <= now + DUE_SOON)
    ).all()
    wanted = {}
    for task_id, case_id, code, due_at, overdue in found:
        kind = "task_overdue" if overdue else "task_due_soon"
        key = f"{kind}:{task_id}:{due_at:%Y%m%d%H%M}"
        wanted[key] = event(kind, now=now, case_id=case_id, case_code=code, task_id=task_id,
                            dedup_key=key)
    if not wanted:
        return 0
    known = set(db.session.scalars(select(NotificationEvent.dedup_key)
                                   .where(NotificationEvent.dedup_key.in_(list(wanted)))))
    new = [row for key, row in wanted.items() if key not in known]
    if new:
        make = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
        db.session.execute(make(NotificationEvent).on_conflict_do_nothing(
            index_elements=["dedup_key"]), new)
    return len(new)


def build_digests(now: datetime) -> int:
    """For each user with digest items whose digest hour has come today (in the network's
    time zone): one digest message for today listing the items whose task still waits.
    Items made after today's digest wait for tomorrow's. Returns how many digests."""
    local = now.astimezone(zone())
    waiting = db.session.execute(
        select(Notification.user_id, NotificationSettings.digest_hour).distinct()
        .outerjoin(NotificationSettings, NotificationSettings.user_id == Notification.user_id)
        .where(Notification.status == "digest", Notification.created_at <= now)
    ).all()
    made = 0
    for user_id, hour in waiting:
        if local.hour < (8 if hour is None else hour):
            continue
        made += _digest(user_id, local.date(), now)
    db.session.flush()
    return made


def _digest(user_id: int, day, now: datetime) -> int:
    if db.session.scalar(select(Notification.id).where(Notification.user_id == user_id,
                                                       Notification.digest_day == day)):
        return 0  # today's went out already: these items wait for tomorrow's
    items = and_(Notification.user_id == user_id, Notification.status == "digest",
                 Notification.created_at <= now)
    open_tasks = select(Task.id)
    gone = and_(items, Notification.task_id.is_not(None), Notification.task_id.not_in(open_tasks))
    db.session.execute(update(Notification).where(gone).values(status="dropped")
                       .execution_options(synchronize_session=False))
    if db.session.scalar(select(Notification.id).where(items).limit(1)) is None:
        return 0
    try:
        with db.session.begin_nested():
            digest = Notification(user_id=user_id, kind=DIGEST_KIND, created_at=now,
                                  status="pending", next_attempt_at=now, digest_day=day,
                                  expires_at=expiry(now))
            db.session.add(digest)
            db.session.flush()
    except IntegrityError:  # today's digest went out already (or another worker made it)
        return 0
    db.session.execute(update(Notification).where(items)
                       .values(status="in_digest", digest_id=digest.id)
                       .execution_options(synchronize_session=False))
    return 1


def prune(now: datetime) -> None:
    """Forget events handled long ago (their keys are no longer needed) and messages sent or
    dropped long ago (what the administrator's page no longer needs)."""
    db.session.execute(delete(NotificationEvent).where(
        NotificationEvent.done_at.is_not(None), NotificationEvent.done_at < now - KEEP_EVENTS))
    old = and_(Notification.status.in_(("sent", "dropped", "in_digest")),
               Notification.created_at < now - KEEP_MESSAGES)
    db.session.execute(delete(Notification).where(old)
                       .execution_options(synchronize_session=False))
