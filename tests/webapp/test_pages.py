"""The pages people use: inbox, task form, case page, and who may see which."""

import re

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, Task

from .helpers import example, only_task, register, to_consultation


def test_register_case_page_leads_to_the_first_task(network, login):
    client = login("coordinator")
    response = client.post("/cases/new", data={"full_name": "Jordan Example"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert "Register signal" in page.text
    assert re.search(r"MAW-\d{4}-0001", page.text)
    assert "Jordan Example" not in page.text


def test_partner_cannot_register_or_open_cases(network, login):
    register()
    client = login("police")
    assert client.get("/cases/new").status_code == 403
    assert client.get("/cases/").status_code == 403
    code = db.session.scalar(select(Task)).case.code
    assert client.get(f"/cases/{code}").status_code == 404  # not involved: as if not there


def test_partner_inbox_and_task_page(network, login):
    case = to_consultation(("police", "social"))
    police = login("police")
    inbox = police.get("/")
    assert case.code in inbox.text and "Answer information request" in inbox.text
    assert "Test Person" not in inbox.text
    own = only_task("police", "answer_information_request")
    other = only_task("social", "answer_information_request")
    page = police.get(f"/tasks/{own.id}")
    assert page.status_code == 200 and "Known risk factors" in page.text
    assert police.get(f"/tasks/{other.id}").status_code == 404
    assert police.post(f"/tasks/{other.id}", data={"nothing_to_share": "y"}).status_code == 404


def test_validation_errors_are_shown_next_to_fields_and_input_is_kept(network, login):
    register()
    task = only_task("coordinator", "register_signal")
    client = login("coordinator")
    response = client.post(f"/tasks/{task.id}", data={"signaller_role": "teacher"})
    assert response.status_code == 422
    assert 'value="teacher"' in response.text
    assert "invalid-feedback" in response.text
    assert only_task("coordinator", "register_signal").id == task.id


def test_completing_through_the_web_and_the_second_submit(network, login):
    register()
    task = only_task("coordinator", "register_signal")
    data = example("register-signal")
    form = {k: v for k, v in data.items() if not isinstance(v, bool)}
    first, second = login("coordinator"), login("coordinator2")
    assert second.get(f"/tasks/{task.id}").status_code == 200
    done = first.post(f"/tasks/{task.id}", data=form, follow_redirects=True)
    assert "is done" in done.text, done.text[:3000]
    late = second.post(f"/tasks/{task.id}", data=form)
    assert late.status_code == 409
    assert "Coordinator completed this task first" in late.text
    assert "Atheneum Noord" in late.text  # the loser's entry is shown, not lost


def test_case_page_shows_history_and_person_to_coordinators(network, login):
    case = to_consultation(("police",))
    page = login("coordinator").get(f"/cases/{case.code}")
    assert page.status_code == 200
    assert "Test Person" in page.text
    assert "Answer information request" in page.text and "Police" in page.text
    assert "Register signal" in page.text
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "case_viewed", AuditEvent.case_id == case.id)
    )


def test_error_pages_use_the_layout(network, login):
    response = login("police").get("/tasks/999999")
    assert response.status_code == 404
    assert "Back to your inbox" in response.text
