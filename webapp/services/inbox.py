"""The inbox as people use it all day: tabs with counts, filters, sorting and pages.

Everything is answered from the task rows (never a workflow) with a fixed number of queries,
whatever the number of open tasks.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Integer, case, func, select
from sqlalchemy.orm import contains_eager

from webapp.extensions import db
from webapp.models import NETWORK_ROLES, Case, Membership, Task, User
from webapp.services.tasks import inbox_condition

DUE_SOON = timedelta(days=3)
TABS = {
    "all": "Everything for me",
    "mine": "Claimed by me",
    "organisation": "My organisation",
    "role": "My role",
}
DUE_FILTERS = {"overdue": "Overdue", "soon": "Due within 3 days", "none": "No deadline"}
SORTS = {
    "due": "Due date (soonest first)",
    "waiting": "Waiting longest first",
    "case": "Case code",
    "step": "Process step",
}


@dataclass(frozen=True)
class InboxFilter:
    tab: str = "all"
    step: str = ""
    due: str = ""
    code: str = ""
    sort: str = "due"

    @classmethod
    def from_args(cls, args) -> "InboxFilter":
        def pick(name: str, allowed, default: str = "") -> str:
            value = (args.get(name) or "").strip()
            return value if value in allowed else default

        return cls(
            tab=pick("tab", TABS, "all"), step=(args.get("step") or "").strip()[:200],
            due=pick("due", DUE_FILTERS), code=(args.get("code") or "").strip()[:20],
            sort=pick("sort", SORTS, "due"),
        )  # fmt: skip

    def args(self, **changes) -> dict:
        """Query arguments for a link that keeps this filter (empty values left out)."""
        values = {"tab": self.tab, "step": self.step, "due": self.due, "code": self.code,
                  "sort": self.sort, **changes}
        defaults = {("tab", "all"), ("sort", "due")}
        return {k: v for k, v in values.items() if v and (k, v) not in defaults}


@dataclass
class Inbox:
    tasks: list[Task]
    total: int
    page: int
    pages: int
    counts: dict[str, int]
    steps: list[tuple[str, str]]
    claimers: dict[int, str]
    candidates: dict[int, list[tuple[int, str]]] = field(default_factory=dict)


def shown_tabs(user: User, counts: dict[str, int]) -> dict[str, str]:
    """The tabs worth showing: a partner never gets network-wide role tasks and a coordinator
    rarely gets organisation tasks, so a tab that is empty by construction is left out."""
    roles = {m.role for m in user.memberships}
    possible = {
        "organisation": bool(roles - NETWORK_ROLES),
        "role": bool(roles & NETWORK_ROLES),
    }
    return {key: label for key, label in TABS.items()
            if possible.get(key, True) or counts.get(key)}


def _tab_condition(user: User, tab: str):
    if tab == "mine":
        return Task.claimed_by_id == user.id
    if tab == "organisation":
        return Task.organisation_id.in_({m.organisation_id for m in user.memberships})
    if tab == "role":
        return Task.organisation_id.is_(None)
    return None


def _order(sort: str):
    due_last = (Task.due_at.is_(None), Task.due_at)
    orders = {
        "due": (*due_last, Task.created_at, Task.id),
        "waiting": (Task.created_at, Task.id),
        "case": (Case.code, Task.id),
        "step": (Task.title, *due_last, Task.id),
    }
    return orders[sort]


def load_inbox(user: User, flt: InboxFilter, *, page: int, per_page: int,
               now: datetime, with_candidates: bool = False) -> Inbox:
    """One page of the user's inbox with the counts of each tab and the filter choices."""
    visible = inbox_condition(user)
    counts = _counts(user, visible)
    query = select(Task).join(Task.case).where(visible)
    tab = _tab_condition(user, flt.tab)
    if tab is not None:
        query = query.where(tab)
    if flt.step:
        query = query.where(Task.spec_name == flt.step)
    if flt.code:
        query = query.where(func.upper(Case.code).contains(flt.code.upper(), autoescape=True))
    if flt.due == "overdue":
        query = query.where(Task.due_at < now)
    elif flt.due == "soon":
        query = query.where(Task.due_at >= now, Task.due_at < now + DUE_SOON)
    elif flt.due == "none":
        query = query.where(Task.due_at.is_(None))
    if flt.step or flt.code or flt.due:
        total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    else:  # the tab's count says it already
        total = counts[flt.tab]
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = db.session.scalars(
        query.options(contains_eager(Task.case).load_only(Case.id, Case.code, Case.status))
        .order_by(*_order(flt.sort)).limit(per_page).offset((page - 1) * per_page)
    ).unique().all()
    steps = db.session.execute(
        select(Task.spec_name, func.min(Task.title)).where(visible)
        .group_by(Task.spec_name).order_by(func.min(Task.title))
    ).all()
    claimed = {t.claimed_by_id for t in rows if t.claimed_by_id}
    claimers = dict(db.session.execute(
        select(User.id, User.display_name).where(User.id.in_(claimed))
    ).all()) if claimed else {}
    inbox = Inbox(tasks=list(rows), total=total, page=page, pages=pages, counts=counts,
                  steps=[(s, t) for s, t in steps], claimers=claimers)
    if with_candidates and rows:
        inbox.candidates = _candidates(rows)
    return inbox


def _counts(user: User, visible) -> dict[str, int]:
    def count_if(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0).cast(Integer)), 0)

    row = db.session.execute(
        select(func.count(), *(count_if(_tab_condition(user, t)) for t in list(TABS)[1:]))
        .select_from(Task).where(visible)
    ).one()
    return dict(zip(TABS, (int(v or 0) for v in row), strict=True))


def _candidates(rows: list[Task]) -> dict[int, list[tuple[int, str]]]:
    """Who each task on the page could be handed to (one query for the whole page)."""
    lanes = {t.lane for t in rows}
    members = db.session.execute(
        select(Membership.role, Membership.organisation_id, User.id, User.display_name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.role.in_(lanes), User.active.is_(True))
        .order_by(User.display_name)
    ).all()
    result: dict[int, list[tuple[int, str]]] = {}
    for task in rows:
        people = {
            uid: name for role, org, uid, name in members
            if role == task.lane and (org == task.organisation_id
                                      or (task.organisation_id is None and role in NETWORK_ROLES))
        }
        result[task.id] = sorted(people.items(), key=lambda p: p[1])
    return result


def due_state(task: Task, now: datetime) -> str:
    """"overdue", "soon" or "" for the badge next to the due date."""
    if task.due_at is None:
        return ""
    if task.due_at < now:
        return "overdue"
    return "soon" if task.due_at - now < DUE_SOON else ""
