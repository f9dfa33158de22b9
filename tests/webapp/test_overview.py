"""The coordinator's overview of the partners' open tasks, reminders that reach the partner's
inbox, and organisations nobody active works for."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from webapp.extensions import db
from webapp.models import AuditEvent, Organisation, Task, User, utcnow
from webapp.services import accounts
from webapp.services.audit import Actor

from .helpers import complete, example, register, shown_day, to_consultation
from .security_helpers import one_user_per_request  # noqa: F401 - autouse fixture


def audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def task_of(case, organisation: str) -> Task:
    return db.session.scalar(
        select(Task).join(Organisation, Organisation.id == Task.organisation_id)
        .where(Task.case_id == case.id, Organisation.code == organisation))


def listed(html: str) -> list[tuple[str, str]]:
    """(case code, organisation) per overview row, top to bottom."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    rows = re.findall(r"<tr.*?</tr>", body, re.S)
    found = []
    for row in rows:
        code = re.search(r"MAW-\d{4}-\d{4}", row).group(0)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        found.append((code, cells[1].split("<")[0].strip()))
    return found


def test_the_overview_lists_what_each_partner_still_owes_overdue_first(network, login):
    now = utcnow()
    late = to_consultation(("police", "social"), now=now - timedelta(days=20))
    fresh = to_consultation(("school",), now=now)
    register()  # a coordinator's own task is not a partner task
    page = login("coordinator").get("/overview")
    assert page.status_code == 200
    rows = listed(page.text)
    assert rows[:2] == sorted([(late.code, "Police"), (late.code, "Social services")],
                              key=lambda r: task_of(late, r[1].split()[0].lower()).id)
    assert rows[2] == (fresh.code, "School") and len(rows) == 3
    assert "3 open tasks" in page.text and "2 overdue" in page.text
    assert page.text.count("Overdue by 6 days") == 2
    for code in ("police", "social", "school"):  # what each was asked, from the task rows
        assert page.text.count(f"What does {code} know?") == 1
    assert page.text.count('fw-semibold">Answer information request<') == 3
    assert page.text.count("Send a reminder now") == 3
    (viewed,) = audit("overview_viewed")
    assert viewed.detail == {"page": 1, "organisation": None}


def test_filter_by_organisation_and_pages(network, login, app):
    now = utcnow()
    cases = [to_consultation(("police", "social"), now=now - timedelta(days=n)) for n in (3, 2)]
    coordinator = login("coordinator")
    social = listed(coordinator.get("/overview?organisation=social").text)
    assert social == [(cases[0].code, "Social services"), (cases[1].code, "Social services")]
    assert "2 open tasks</strong> for Social services" in coordinator.get(
        "/overview?organisation=social").text
    assert listed(coordinator.get("/overview?organisation=nosuch").text) == []
    assert coordinator.get("/overview?organisation=social&page=99999999999999999999"
                           ).status_code == 200
    assert coordinator.get("/overview?organisation=po%00lice").status_code == 400  # the edge
    app.config["INBOX_PAGE_SIZE"] = 3
    pages = [listed(coordinator.get(f"/overview?page={n}").text) for n in (1, 2)]
    assert [len(p) for p in pages] == [3, 1]
    assert {code for page in pages for code, _org in page} == {c.code for c in cases}
    assert "page=2" in coordinator.get("/overview").text


def test_the_overview_never_loads_a_workflow(network, login):
    to_consultation(("police",))
    client = login("coordinator")
    statements = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        assert client.get("/overview").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    assert statements and not [s for s in statements if '"case".state' in s or
                               "case.state" in s]


def test_a_reminder_reaches_the_partners_inbox_once(network, login):
    case = to_consultation(("police", "social"), now=utcnow() - timedelta(days=20))
    police_task = task_of(case, "police")
    coordinator = login("coordinator")
    response = coordinator.post(f"/overview/tasks/{police_task.id}/remind",
                                data={"next": "/overview"}, follow_redirects=True)
    assert "Reminder sent to Police about" in response.text
    today = shown_day(utcnow())
    police = login("police")
    inbox = police.get("/").text
    assert f"Reminder sent {today}" in inbox
    assert f"The coordinator sent a reminder about this task on {today}" in police.get(
        f"/tasks/{police_task.id}").text
    assert "Reminder sent" not in login("social").get("/").text  # only where it was sent
    assert f"Sent {today}" in coordinator.get("/overview").text
    (sent,) = audit("reminder_sent")
    assert sent.case_id == case.id and sent.user_id == network["coordinator"].id
    assert sent.detail == {"step": "Answer information request", "organisation": "Police"}
    assert "Reminder sent" in coordinator.get(f"/cases/{case.code}").text  # the timeline

    again = login("coordinator2").post(f"/overview/tasks/{police_task.id}/remind",
                                       follow_redirects=True)
    assert "was sent at" in again.text and "Nothing was sent again" in again.text
    assert len(audit("reminder_sent")) == 1


def test_only_open_partner_tasks_can_be_reminded(network, login):
    asked = to_consultation(("police",))
    task = task_of(asked, "police")
    case = register()
    own = db.session.scalar(select(Task).where(Task.case_id == case.id))
    coordinator = login("coordinator")
    assert coordinator.post(f"/overview/tasks/{own.id}/remind").status_code == 404
    complete("police", "answer_information_request", example("information-answer"))
    assert coordinator.post(f"/overview/tasks/{task.id}/remind").status_code == 404
    assert login("police").post(f"/overview/tasks/{task.id}/remind").status_code == 404
    assert coordinator.post("/overview/tasks/99999999999999999999/remind").status_code == 404
    assert audit("reminder_sent") == []


def test_organisations_nobody_active_works_for_are_marked(network, login):
    system = Actor.system()
    accounts.create_organisation(system, "probation", "Probation service")
    db.session.commit()
    case = to_consultation(("police", "probation"))
    coordinator = login("coordinator")
    overview = coordinator.get("/overview").text
    rows = re.findall(r"<tr.*?</tr>", overview.split("<tbody>")[1], re.S)
    flagged = [r for r in rows if "No active users: nobody sees this task" in r]
    assert len(flagged) == 1 and "Probation service" in flagged[0]
    assert "no active user" in coordinator.get("/overview?organisation=probation").text
    assert "Nobody there to remind" in flagged[0] and "Send a reminder now" not in flagged[0]
    silent = task_of(case, "probation")
    refused = coordinator.post(f"/overview/tasks/{silent.id}/remind", follow_redirects=True)
    assert "has no active user" in refused.text and audit("reminder_sent") == []

    # wherever an organisation is chosen: an information request, a seat at the table
    later = register()
    complete("coordinator", "register_signal", example("register-signal"))
    complete("coordinator", "confirm_intake_decision",
             example("intake-decision", intake_decision="multi_agency"))
    request = db.session.scalar(select(Task).where(Task.case_id == later.id))
    form = coordinator.get(f"/tasks/{request.id}").text
    assert "Probation service (no active users: nobody there will see it)" in form
    assert "Police (no active users" not in form
    seats = coordinator.get(f"/cases/{case.code}/sharing").text
    assert "Probation service (no active users" in seats

    admin = login("admin")
    assert re.search(r"Probation service</strong>.*?No active users", admin.get("/admin/").text,
                     re.S)
    # the school's only user leaves: the school is marked too
    school = db.session.scalar(select(User).where(User.username == "school"))
    admin.post(f"/admin/users/{school.id}/active")
    assert re.search(r"School</strong>.*?No active users", admin.get("/admin/").text, re.S)


def test_the_overview_reads_indexes_in_order(network, login):
    """Whatever the number of open partner tasks, a page reads index ranges in order: no table
    scan, no sort of the tasks (SQLite's plan; PostgreSQL's planner decides by its statistics)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    to_consultation(("police", "social"))
    client = login("coordinator")
    for url in ("/overview", "/overview?organisation=police", "/overview?page=2"):
        statements = []

        def keep(conn, cursor, statement, parameters, context, executemany):
            if "FROM task" in statement:
                statements.append((statement, parameters))  # noqa: B023 - used right away

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
            # the merge of the two partner lanes' pages is sorted (a page each), nothing else
            temp = [line for line in plan if "TEMP B-TREE" in line]
            assert temp in ([], ["USE TEMP B-TREE FOR ORDER BY"]), (url, plan)
            if temp:
                assert "UNION ALL" in statement or "union" in statement.lower(), plan
