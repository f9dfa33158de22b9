"""The inbox as people use it all day: tabs with counts, filters, sorting and pages.

Everything is answered from the task rows (never a workflow) with a fixed number of queries,
whatever the number of open tasks.
"""

import functools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, func, literal, select, union_all

from webapp.extensions import db
from webapp.models import NETWORK_ROLES, Case, Organisation, Task, User
from webapp.models.cases import NORMAL, URGENT
from webapp.services import claims
from webapp.services.tasks import Lane, inbox_lanes, lane_condition

DUE_SOON = timedelta(days=3)
CODE_SEARCH_LISTED = 500  # a case code search lists up to this many matching cases by id
TABS = {
    "all": _l("Everything for me"),
    "mine": _l("Claimed by me"),
    "organisation": _l("My organisation"),
    "role": _l("My role"),
}
DUE_FILTERS = {"overdue": _l("Overdue"), "soon": _l("Due within 3 days"),
               "none": _l("No deadline")}
SORTS = {
    "due": _l("Due date (soonest first)"),
    "waiting": _l("Waiting longest first"),
    "case": _l("Case code"),
    "step": _l("Process step"),
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
    """One page: ``tasks`` are rows with id, case_code, title, lane, organisation_id,
    organisation_name, due_at, created_at, claimed_by_id, priority, reminded_at,
    four_eyes_user_id and organisation_names (plain rows, not Task objects: a page needs
    nothing else, and building objects cost more than the queries)."""

    tasks: list
    total: int
    page: int
    pages: int
    counts: dict[str, int]
    steps: list[tuple[str, str]]
    claimers: dict[int, str]
    # Per task id, who a coordinator could hand it to (not its claimer, not themselves).
    candidates: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    # Per task id the user may not complete (four eyes): who may.
    second_pair: dict[int, list[str]] = field(default_factory=dict)


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


# Each sort as the columns it orders by: the tasks of urgent cases first (priority), then the
# sort's own order; due_at puts tasks without a due date last.
SORT_KEYS = {
    "due": ("priority", "due_at", "created_at", "id"),
    "waiting": ("priority", "created_at", "id"),
    "case": ("priority", "code", "id"),
    "step": ("priority", "title", "due_at", "id"),
}
_COLUMNS = {"due_at": Task.due_at, "created_at": Task.created_at, "id": Task.id,
            "title": Task.title, "code": Task.case_code, "priority": Task.priority}


def load_inbox(user: User, flt: InboxFilter, *, page: int, per_page: int,
               now: datetime, with_candidates: bool = False) -> Inbox:
    """One page of the user's inbox with the counts of each tab and the filter choices.

    A fixed number of queries, each reading index ranges: the user's lanes (see
    tasks.inbox_lanes) each in the order of the sort, merged, a page at a time; the counts
    from the narrowest index (the one part that grows with the number of tasks); the step
    choices by skipping from one step to the next. A case code search reads the case codes.
    """
    lanes = inbox_lanes(user)
    counts, per_lane = _counts(user, lanes)
    # Only lanes with tasks are read further: most people have no task of their own
    # (lane_owners naming them), and one lane is read in index order without merging.
    lanes = [lane for lane in lanes if per_lane[lane]]
    steps = _steps(lanes)
    parts = _parts(user, lanes, flt, steps, now)
    filtered = flt.step or flt.code or flt.due
    total = _count(parts) if filtered else counts[flt.tab]  # else the tab's count says it
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = _page(parts, flt.sort, per_page, (page - 1) * per_page)
    titles: dict[str, str] = {}
    for lane_steps in steps.values():
        for name, (first, _last) in lane_steps.items():
            titles[name] = min(first, titles.get(name, first))
    claimed = {t.claimed_by_id for t in rows if t.claimed_by_id}
    claimers = dict(db.session.execute(
        select(User.id, User.display_name).where(User.id.in_(claimed))
    ).all()) if claimed else {}
    inbox = Inbox(tasks=rows, total=total, page=page, pages=pages, counts=counts,
                  steps=sorted(titles.items(), key=lambda s: (s[1], s[0])), claimers=claimers)
    inbox_user_id = user.id  # once: ``user`` is often a request proxy
    if with_candidates and rows:
        inbox.candidates = claims.hand_over_choices(rows, inbox_user_id)
    if any(t.four_eyes_user_id == inbox_user_id for t in rows):
        inbox.second_pair = claims.second_pairs(
            [t for t in rows if t.four_eyes_user_id == inbox_user_id], inbox_user_id)
    return inbox


def _in_tab(user: User, lane: Lane, tab: str) -> bool:
    organisation_id = lane[1]
    if tab == "organisation":
        return organisation_id in {m.organisation_id for m in user.memberships}
    if tab == "role":
        return organisation_id is None
    return True


def _counts(user: User, lanes: list[Lane]) -> tuple[dict[str, int], dict[Lane, int]]:
    """Tab counts, and the number of tasks per lane, from a count per lane and per lane of the
    user's claims (index ranges)."""
    if not lanes:
        return dict.fromkeys(TABS, 0), {}
    numbers = db.session.execute(_counts_query(_shape(lanes)),
                                 {**_lane_values(lanes), "user_id": user.id}).one()
    per_lane = dict(zip(lanes, numbers[:len(lanes)], strict=True))
    counts = {tab: sum(n for lane, n in per_lane.items() if _in_tab(user, lane, tab))
              for tab in TABS}
    return {**counts, "mine": sum(numbers[len(lanes):])}, per_lane


# The statements of every inbox page are built once per shape of the user's lanes (how many,
# which name no organisation, which are the user's own), with the lanes as parameters:
# building and keying statements this size cost more than running them.
Shape = tuple[tuple[bool, bool], ...]


def _shape(lanes: list[Lane]) -> Shape:
    return tuple((organisation_id is None, assignee_id is not None)
                 for _role, organisation_id, assignee_id in lanes)


def _lane_values(lanes: list[Lane]) -> dict:
    values = {}
    for number, (role, organisation_id, assignee_id) in enumerate(lanes):
        values[f"lane_{number}"] = role
        if organisation_id is not None:
            values[f"organisation_{number}"] = organisation_id
        if assignee_id is not None:
            values[f"assignee_{number}"] = assignee_id
    return values


def _lane_parameter(number: int, kind: tuple[bool, bool]):
    """lane_condition with the lane's role, organisation and assignee as parameters."""
    network_wide, personal = kind
    organisation = (Task.organisation_id.is_(None) if network_wide
                    else Task.organisation_id == bindparam(f"organisation_{number}"))
    assignee = (Task.assignee_id == bindparam(f"assignee_{number}") if personal
                else Task.assignee_id.is_(None))
    return and_(Task.lane == bindparam(f"lane_{number}"), organisation, assignee)


@functools.cache
def _counts_query(shape: Shape):
    lanes = [_lane_parameter(number, kind) for number, kind in enumerate(shape)]
    claimed = Task.claimed_by_id == bindparam("user_id")
    return select(*(_count_of(lane) for lane in lanes),
                  *(_count_of(and_(lane, claimed)) for lane in lanes))


def _claimed_by(user: User):
    return Task.claimed_by_id == user.id


def _count_of(condition):
    return select(func.count()).select_from(Task).where(condition).scalar_subquery()


def _steps(lanes: list[Lane]) -> dict[Lane, dict[str, tuple[str, str]]]:
    """The process steps among each lane's tasks with their first and last title (the same,
    unless a newer process version renamed the step).

    A loose index scan: a recursive query jumps from one step name to the next in
    ix_task_inbox_step, so the cost grows with the number of steps, not of tasks.
    """
    if not lanes:
        return {}
    steps: dict[Lane, dict[str, tuple[str, str]]] = {lane: {} for lane in lanes}
    for number, name, first, last in db.session.execute(_steps_query(_shape(lanes)),
                                                        _lane_values(lanes)):
        steps[lanes[number]][name] = (first, last)
    return steps


@functools.cache
def _steps_query(shape: Shape):
    parts = []
    for number, kind in enumerate(shape):
        here = _lane_parameter(number, kind)
        names = select(_first(Task.spec_name, here).label("name"))
        names = names.cte(f"inbox_steps_{number}", recursive=True)
        names = names.union_all(
            select(_first(Task.spec_name, here, Task.spec_name > names.c.name))
            .where(names.c.name.is_not(None))
        )
        step = (here, Task.spec_name == names.c.name)
        parts.append(select(literal(number), names.c.name, _first(Task.title, *step),
                            _first(Task.title, *step, last=True))
                     .where(names.c.name.is_not(None)))
    return union_all(*parts)


def _first(column, *conditions, last: bool = False):
    """The smallest (or largest) value of a column among a lane's tasks, read from an index."""
    order = [Task.organisation_id, Task.assignee_id, column]  # see _ids
    return (select(column).where(*conditions)
            .order_by(*(c.desc() for c in order) if last else order).limit(1).scalar_subquery())


def _due_filter(flt: InboxFilter, now: datetime) -> list:
    if flt.due == "overdue":
        return [Task.due_at < now]
    if flt.due == "soon":
        return [Task.due_at >= now, Task.due_at < now + DUE_SOON]
    if flt.due == "none":
        return [Task.due_at.is_(None)]
    return []


def by_priority() -> list:
    """On SQLite, ``priority IN (0, 1)``: it then reads the index range of each priority in
    turn, in order, and can put tasks without a due date last from the index (with priority
    open it sorts a whole lane), and counts a due date range by index ranges too. PostgreSQL
    reads the indexes in that order as they are (ascending keeps NULLs last) and would sort
    the matches of an IN list, so it gets no condition."""
    if db.session.get_bind().dialect.name == "sqlite":
        return [Task.priority.in_((URGENT, NORMAL))]
    return []


def _case_code_filter(code: str) -> tuple[object, list[int] | None]:
    """The condition of a case code search, and the matching cases when there are few.

    The codes are searched once, here. Few matches (someone looking for a case): the
    condition lists them, and the tasks are read through ix_task_case_id. Many: it stays a
    subquery and the lanes are read in order, where a page of matches comes quickly.
    """
    # Case codes are upper case (services.cases.next_code): the typed code is, too, and the
    # stored ones are compared as they are (upper() on every code made the scan three times
    # slower).
    matching = select(Case.id).where(Case.code.contains(code.upper(), autoescape=True))
    found = db.session.scalars(matching.limit(CODE_SEARCH_LISTED + 1)).all()
    if len(found) > CODE_SEARCH_LISTED:
        return Task.case_id.in_(matching), None
    return Task.case_id.in_(found), list(found)


def _parts(user: User, lanes: list[Lane], flt: InboxFilter,
           steps: dict[Lane, dict[str, tuple[str, str]]], now: datetime) -> list:
    """The conditions of the tasks to list, one per lane of the tab: disjoint, and each read
    in index order (or, in a search for a few cases, through those cases)."""
    filters = [*by_priority(), *_due_filter(flt, now)]
    listed = None
    if flt.code:
        code_filter, listed = _case_code_filter(flt.code)
        if listed == []:
            return []
        filters.append(code_filter)
    parts = []
    for lane in lanes:
        if not _in_tab(user, lane, flt.tab):
            continue
        condition = [lane_condition(lane) if listed is None else _unindexed_lane(lane)]
        if flt.tab == "mine":  # a handful of tasks: read through ix_task_claimed
            condition.append(_claimed_by(user))
        if flt.step:
            titles = steps[lane].get(flt.step)
            if titles is None:
                continue  # no task of this step in this lane
            condition.append(Task.spec_name == flt.step)
            if titles[0] == titles[1] and flt.tab != "mine":
                condition.append(Task.title == titles[0])  # lets ix_task_inbox_step sort
        parts.append(and_(*condition, *filters))
    return parts


def _unindexed_lane(lane: Lane):
    """The lane condition in a form no index serves (`lane || ''`, `organisation_id + 0`), for
    tasks of a few listed cases: shown the lane, SQLite (which keeps no statistics) would walk
    the whole lane in order instead of reading those cases' tasks by case."""
    role, organisation_id, assignee_id = lane
    organisation, assignee = Task.organisation_id + 0, Task.assignee_id + 0
    return and_(Task.lane.concat("") == role,
                organisation.is_(None) if organisation_id is None
                else organisation == organisation_id,
                assignee.is_(None) if assignee_id is None else assignee == assignee_id)


def _count(parts: list) -> int:
    if not parts:
        return 0
    return sum(db.session.execute(select(*map(_count_of, parts))).one())


def _order(sort: str, columns) -> list:
    return [columns[name].asc().nulls_last() if name == "due_at" else columns[name].asc()
            for name in SORT_KEYS[sort]]


def _ids(condition, sort: str, limit: int, offset: int = 0):
    """The sort keys (ending with the id) of one part's tasks, read from an index in order.

    Ordering by organisation_id and assignee_id first changes nothing (a part has one of
    each) but lets PostgreSQL read a lane of role-wide or shared tasks in index order too: it
    does not take `organisation_id IS NULL` as fixing that index column, as it does for `= 2`,
    and would sort the whole lane.
    """
    query = select(*(_COLUMNS[name].label(name) for name in SORT_KEYS[sort]))
    order = [Task.organisation_id, Task.assignee_id, *_order(sort, _COLUMNS)]
    return query.where(condition).order_by(*order).limit(limit).offset(offset)


def _page(parts: list, sort: str, limit: int, offset: int) -> list[Task]:
    """The tasks of one page: the ids from each part in index order, merged; then the rows."""
    if not parts:
        return []
    if len(parts) == 1:
        query = _ids(parts[0], sort, limit, offset)
    else:  # the page lies within the first offset + limit tasks of each part
        merged = union_all(*(select(_ids(p, sort, offset + limit).subquery()) for p in parts))
        merged = merged.subquery()
        query = select(merged.c.id).order_by(*_order(sort, merged.c)).limit(limit).offset(offset)
    ids = [row.id for row in db.session.execute(query)]
    if not ids:
        return []
    found = {row.id: row for row in db.session.execute(_ROWS, {"ids": ids})}
    return [found[i] for i in ids if i in found]


_ROWS = (
    select(Task.id, Task.case_code, Task.title, Task.lane, Task.organisation_id,
           Organisation.name.label("organisation_name"), Task.due_at, Task.created_at,
           Task.claimed_by_id, Task.assignee_id, Task.priority, Task.reminded_at,
           Task.four_eyes_user_id, Organisation.names.label("organisation_names"))
    .outerjoin(Organisation, Organisation.id == Task.organisation_id)
    .where(Task.id.in_(bindparam("ids", expanding=True)))
)


def due_state(task, now: datetime) -> str:
    """"overdue", "soon" or "" for the badge next to the due date."""
    if task.due_at is None:
        return ""
    if task.due_at < now:
        return "overdue"
    return "soon" if task.due_at - now < DUE_SOON else ""
