"""A page built while a colleague completes the task, a draft saved after the task was
completed, a partner whose request became a reminder: nothing is lost, nothing fails.
(Issue 14's reliability run.)"""

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import TaskDraft
from webapp.services import timers

from .helpers import complete, example, only_task, register, to_consultation
from .test_scenarios import formdata

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _completed_meanwhile(app, username: str, spec_name: str, data: dict):
    """A function that completes the task in another thread (another session), as a
    colleague's request would, and waits until it is committed."""
    def colleague(*args, **kwargs):
        def run():
            with app.app_context():
                complete(username, spec_name, data)
        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
    return colleague


def test_the_case_page_survives_a_task_completed_while_it_is_built(app, network, login,
                                                                     monkeypatch):
    from webapp.services import comments

    case = register()
    original = comments.list_comments
    colleague = _completed_meanwhile(app, "coordinator2", "register_signal",
                                     example("register-signal"))

    def comments_and_colleague(*args):
        colleague()  # after the page read the open tasks, before it writes anything
        return original(*args)

    monkeypatch.setattr(comments, "list_comments", comments_and_colleague)
    page = login("coordinator").get(f"/cases/{case.code}")
    assert page.status_code == 200
    assert "Register signal" in page.text  # as it was when the page was read


def test_the_task_page_survives_the_task_completed_while_it_is_built(app, network, login,
                                                                     monkeypatch):
    from webapp import engine

    register()
    task = only_task("coordinator", "register_signal")
    original = engine.snapshot
    colleague = _completed_meanwhile(app, "coordinator2", "register_signal",
                                     example("register-signal"))

    def snapshot_and_colleague(*args, **kwargs):
        found = original(*args, **kwargs)
        colleague()
        return found

    monkeypatch.setattr(engine, "snapshot", snapshot_and_colleague)
    page = login("coordinator").get(f"/tasks/{task.id}")
    assert page.status_code == 200 and "Register signal" in page.text


def test_a_draft_saved_after_the_task_was_completed_keeps_the_text(app, network, login):
    to_consultation(("police",))
    task = only_task("police", "answer_information_request")
    police = login("police")
    answer = formdata(example("information-answer", risk_factors="My careful words"))
    assert police.post(f"/tasks/{task.id}/draft", data=answer).status_code == 200
    assert police.post(f"/tasks/{task.id}/draft", data=answer).status_code == 200  # an upsert
    complete("police", "answer_information_request", example("information-answer"))
    late = police.post(f"/tasks/{task.id}", data={**answer, "action": "draft"})
    assert late.status_code == 409
    assert "completed this task first" in late.text and "My careful words" in late.text
    auto = police.post(f"/tasks/{task.id}/draft", data=answer)
    assert auto.status_code == 409 and "still in the form" in auto.json["error"]


# --- Medium: a partner whose task was replaced by a reminder -----------------------------------
def test_a_partner_whose_request_became_a_reminder_keeps_their_entry(app, network, login):
    to_consultation(("police",), now=T0)
    task_id = only_task("police", "answer_information_request").id
    police = login("police")
    answer = formdata(example("information-answer", risk_factors="Typed over days"))
    police.post(f"/tasks/{task_id}", data={**answer, "action": "draft"})
    assert timers.run_due_timers(now=T0 + timedelta(days=14, minutes=1)) == 1
    reminder = only_task("police", "answer_after_reminder")
    late = police.post(f"/tasks/{task_id}", data=answer)
    assert late.status_code == 409
    assert "no longer open" in late.text and "Reminder: information request" in late.text
    assert "Typed over days" in late.text
    assert f'href="/tasks/{reminder.id}"' in late.text
    opened = police.get(f"/tasks/{task_id}")
    assert opened.status_code == 409 and "took its place" in opened.text
    draft = db.session.scalar(select(TaskDraft).where(TaskDraft.task_id == reminder.id))
    assert draft.data["risk_factors"] == "Typed over days"  # the draft moved on
    assert login("school").get(f"/tasks/{task_id}").status_code == 404  # nobody else learns
