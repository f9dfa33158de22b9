"""The inbox order, tabs and pages when a user's tasks come from several lanes (a coordinator
sees the municipality's tasks and the role's), and that the inbox reads indexes, not tables."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import g
from sqlalchemy import event, select

from webapp.extensions import db
from webapp.models import Task

from ..conftest import task_ids
from .helpers import register, to_consultation


@pytest.fixture(autouse=True)
def one_user_per_request(app):
    def forget():
        g.pop("_login_user", None)

    app.before_request_funcs.setdefault(None, []).insert(0, forget)


@pytest.fixture
def five(network):
    """Five coordinator tasks a-e: two for the municipality, three for the role; due dates and
    arrival times chosen so that every sort gives a different order."""
    for _ in range(5):
        register()
    municipality = network["coordinator"].memberships[0].organisation_id
    now = datetime.now(UTC)
    shapes = [  # for the municipality?, due in days, arrived hours ago
        (True, 2, 1), (False, 1, 1), (False, None, 1), (True, None, 5), (False, 2, 3),
    ]
    tasks = db.session.scalars(select(Task).order_by(Task.id)).all()
    for task, (own, due_days, age) in zip(tasks, shapes, strict=True):
        task.organisation_id = municipality if own else None
        task.due_at = None if due_days is None else now + timedelta(days=due_days)
        task.created_at = now - timedelta(hours=age)
    db.session.commit()
    return dict(zip("abcde", (t.id for t in tasks), strict=True))


def ids(five, letters: str) -> list[int]:
    return [five[letter] for letter in letters]


@pytest.mark.parametrize(("url", "order"), [
    ("/", "beadc"),  # soonest due first, then oldest; without a due date last
    ("/?sort=waiting", "deabc"),  # oldest first, then by task
    ("/?sort=step", "baecd"),  # same step: due date, then task (not arrival)
    ("/?sort=case", "abcde"),
    ("/?tab=organisation", "ad"),
    ("/?tab=role", "bec"),
    ("/?due=none", "dc"),
    ("/?step=register_signal", "beadc"),
])
def test_tasks_from_two_lanes_come_in_one_order(five, login, url, order):
    assert task_ids(login("coordinator").get(url).text) == ids(five, order)


def test_pages_run_through_both_lanes(five, login, app):
    app.config["INBOX_PAGE_SIZE"] = 2
    client = login("coordinator")
    pages = [task_ids(client.get(f"/?page={n}").text) for n in (1, 2, 3)]
    assert pages == [ids(five, "be"), ids(five, "ad"), ids(five, "c")]
    assert "Showing 5–5 of 5 tasks" in client.get("/?page=3").text
    waiting = [task_ids(client.get(f"/?sort=waiting&page={n}").text) for n in (1, 2, 3)]
    assert waiting == [ids(five, "de"), ids(five, "ab"), ids(five, "c")]


def test_a_renamed_step_is_still_one_choice_with_all_its_tasks(five, login):
    renamed = db.session.get(Task, five["e"])
    renamed.title = "Old name of the step"  # as a case on an older process version shows it
    db.session.commit()
    page = login("coordinator").get("/?step=register_signal").text
    assert task_ids(page) == ids(five, "beadc")
    choices = re.findall(r'<option value="(\w+)"[^>]*>([^<]+)</option>', page)
    assert [c for c in choices if c[0] == "register_signal"] == [
        ("register_signal", "Old name of the step")
    ]


@pytest.mark.parametrize(("username", "url"), [
    ("police", "/"), ("police", "/?sort=waiting"), ("police", "/?sort=step"),
    ("police", "/?tab=mine"), ("police", "/?due=none&page=2"),
    ("police", "/?step=answer_information_request&due=soon"),
    ("coordinator", "/?tab=role"), ("coordinator", "/?tab=role&step=register_signal"),
])
def test_the_inbox_reads_indexes_in_order(network, login, username, url):
    """Whatever the number of tasks, a page reads index ranges: no table scan and, for one
    lane, no sort (SQLite's plan; PostgreSQL's planner decides by its statistics). Sorting by
    step is the exception on SQLite: it reads the tasks by title from an index, but sorts
    the tasks of one title by due date itself (it cannot put NULLs last from an index there)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    to_consultation(("police",))
    register()
    statements = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "FROM task" in statement:
            statements.append((statement, parameters))

    client = login(username)
    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    assert statements
    for statement, parameters in statements:
        plan = [row[3] for row in db.session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, parameters)]
        reads = [line for line in plan if " task " in f"{line} "]
        assert reads and all(line.startswith("SEARCH task USING") for line in reads), plan
        allowed = "USE TEMP B-TREE FOR RIGHT PART OF ORDER BY" if "sort=step" in url else None
        assert not [line for line in plan if "TEMP B-TREE" in line and line != allowed], plan
