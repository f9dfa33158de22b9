"""The inbox people work in all day: tabs with counts, claim, release, reassign, filters,
pages, and a bounded number of queries whatever the number of tasks."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import g
from sqlalchemy import event, select

from webapp.extensions import db
from webapp.models import AuditEvent, Task
from webapp.services import accounts
from webapp.services.audit import Actor

from ..conftest import PASSWORD, task_ids
from .helpers import complete, example, only_task, register, to_consultation


@pytest.fixture(autouse=True)
def one_user_per_request(app):
    """The test app context lives for the whole test, so flask.g (where Flask-Login keeps the
    current user) would leak from one client's request into the next client's. Forget it."""

    def forget():
        g.pop("_login_user", None)

    app.before_request_funcs.setdefault(None, []).insert(0, forget)


def tab_count(html: str, label: str) -> int:
    found = re.search(re.escape(label) + r'\s*<span class="badge[^"]*">(\d+)<', html)
    assert found, f"no tab {label!r}"
    return int(found.group(1))


def test_tabs_show_counts_and_claim_moves_a_task_to_mine(network, login):
    register()
    register()
    client = login("coordinator")
    page = client.get("/").text
    assert tab_count(page, "Everything for me") == 2
    assert tab_count(page, "Claimed by me") == 0
    assert tab_count(page, "My role") == 2
    assert "My organisation" not in page  # coordinator tasks are for the role
    first = task_ids(page)[0]

    response = client.post(f"/tasks/{first}/claim", data={"next": "/?tab=mine"},
                           follow_redirects=True)
    assert "You claimed" in response.text
    assert task_ids(response.text) == [first]
    assert tab_count(response.text, "Claimed by me") == 1

    other = login("coordinator2")
    assert "Coordinator</span>" in other.get("/").text  # who claimed it shows
    refused = other.post(f"/tasks/{first}/claim", follow_redirects=True)
    assert "claimed this task first" in refused.text
    assert db.session.get(Task, first).claimed_by_id == network["coordinator"].id

    released = client.post(f"/tasks/{first}/release", follow_redirects=True)
    assert "back in the shared inbox" in released.text
    assert db.session.get(Task, first).claimed_by_id is None
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert {"task_claimed", "task_released"} <= set(actions)


def test_coordinator_reassigns_but_a_partner_cannot_receive_a_coordinator_task(network, login):
    register()
    task = only_task("coordinator", "register_signal")
    client = login("coordinator")
    page = client.get("/").text
    assert f'id="reassign-{task.id}"' in page
    done = client.post(f"/tasks/{task.id}/reassign",
                       data={"user_id": network["coordinator2"].id}, follow_redirects=True)
    assert "is now with Coordinator2" in done.text
    assert task_ids(login("coordinator2").get("/?tab=mine").text) == [task.id]

    refused = client.post(f"/tasks/{task.id}/reassign", data={"user_id": network["police"].id},
                          follow_redirects=True)
    assert "cannot work on this task" in refused.text
    assert db.session.get(Task, task.id).claimed_by_id == network["coordinator2"].id


def test_partners_cannot_reassign_and_see_only_their_organisation(network, login):
    to_consultation(("police", "social"))
    own = only_task("police", "answer_information_request")
    police = login("police")
    page = police.get("/").text
    assert "reassign-" not in page
    assert tab_count(page, "My organisation") == 1
    assert "My role" not in page  # partner tasks always name the organisation
    response = police.post(f"/tasks/{own.id}/reassign", data={"user_id": network["police"].id})
    assert response.status_code == 403
    other = only_task("social", "answer_information_request")
    assert police.post(f"/tasks/{other.id}/claim").status_code == 404


def test_filters_by_case_code_step_and_due_date(network, login):
    late = to_consultation(("police",), now=datetime(2026, 1, 5, 9, tzinfo=UTC))
    police = login("police")
    assert "Overdue" in police.get("/").text
    assert late.code in police.get("/?due=overdue").text
    assert late.code not in police.get("/?due=none").text

    older = register()
    complete("coordinator", "register_signal", example("register-signal"))
    fresh = register()
    client = login("coordinator")
    everything = client.get("/").text
    assert older.code in everything and fresh.code in everything
    by_code = client.get(f"/?code={fresh.code[-4:]}").text
    assert fresh.code in by_code and older.code not in by_code
    typed_lower = client.get(f"/?code={fresh.code.lower()}").text  # as typed in a hurry
    assert fresh.code in typed_lower and older.code not in typed_lower
    by_step = client.get("/?step=register_signal").text
    assert fresh.code in by_step and older.code not in by_step
    assert "No tasks match these filters" in client.get("/?due=overdue").text


def test_pages_keep_the_filter(network, login, app):
    app.config["INBOX_PAGE_SIZE"] = 2
    for _ in range(5):
        register()
    client = login("coordinator")
    first = client.get("/?sort=case").text
    assert "Showing 1–2 of 5 tasks" in first
    assert 'href="/?page=2&amp;sort=case"' in first
    third = client.get("/?sort=case&page=3").text
    assert "Showing 5–5 of 5 tasks" in third
    assert len(task_ids(third)) == 1


def _queries(app, client, url: str) -> int:
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


@pytest.mark.parametrize("url", ["/", "/?tab=role&sort=step", "/?code=0001&due=soon"])
def test_the_inbox_issues_a_bounded_number_of_queries(network, login, app, url):
    def add_cases(n: int) -> None:
        for _ in range(n):
            register()
        for number, task in enumerate(db.session.scalars(select(Task))):
            task.claimed_by_id = network[("coordinator", "coordinator2")[number % 2]].id
            task.due_at = datetime.now(UTC) + timedelta(days=1)
        db.session.commit()

    client = login("coordinator")
    add_cases(2)
    few = _queries(app, client, url)
    add_cases(20)
    many = _queries(app, client, url)
    assert many == few
    assert many <= 12


def test_a_task_claimed_by_a_colleague_cannot_be_completed_and_the_answer_is_kept(
        network, login):
    from .test_scenarios import formdata

    accounts.create_user(Actor.system(), "police2", "Second Officer", PASSWORD,
                         [("police", "partner")])
    db.session.commit()
    to_consultation(("police",))
    task = only_task("police", "answer_information_request")
    first, second = login("police"), login("police2")
    assert first.post(f"/tasks/{task.id}/claim").status_code == 302

    page = second.get(f"/tasks/{task.id}")
    assert "Police claimed this task and is working on it" in page.text
    answer = example("information-answer", risk_factors="Typed by the second officer")
    response = second.post(f"/tasks/{task.id}", data={**formdata(answer), "action": "complete"})
    assert response.status_code == 403
    assert "not sent" in response.text and "Typed by the second officer" in response.text
    assert db.session.get(Task, task.id) is not None  # still open, for the first officer

    response = first.post(f"/tasks/{task.id}", data={**formdata(answer), "action": "complete"})
    assert response.status_code == 302
