"""E-mail notifications: who is told what, with no case content, through a real SMTP server.

Time is moved explicitly: the worker's pass is called with `now`."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Notification, NotificationEvent, Task, User
from webapp.services import accounts, claims, notifications, signals, tasks, timers
from webapp.services.audit import Actor
from webapp.services.notifications import render, worker
from webapp.services.notifications import settings as choices

from .helpers import actor, complete, example, only_task, register, requests_for
from .mail_helpers import give_addresses, smtp_fixture  # noqa: F401 - the smtp fixture

NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # 06:00 in Brussels: before the daily digests
PERSON = "Jana Testperson-Vermeulen"
DESCRIPTION = "Said at the bus stop that the brother keeps a knife collection"
QUESTION = "Does your file show contact with the cousin in Antwerp since last winter"
ANSWER = "Known to us since 2024 for shoplifting with two older friends"
BASE = "http://127.0.0.1:5000"


@pytest.fixture
def people(network):
    """Police has four members: two with an address, one without, one who wants no mail
    about new tasks. The coordinators, social services and school have addresses."""
    system = Actor.system()
    for name in ("police2", "police3", "police4"):
        accounts.create_user(system, name, name.title(), "correct-horse-battery",
                             [("police", "partner")])
    db.session.commit()
    give_addresses("coordinator", "coordinator2", "police", "police2", "police4", "social",
                   "school")
    choices.update_choices(actor("police4"), {"task_new": "never"}, 8)
    db.session.commit()
    return network


def ask_police(now=NOW, partners=("police",)):
    """A case registered and taken to an information request to `partners`."""
    case = register(now=now, full_name=PERSON)
    complete("coordinator", "register_signal",
             example("register-signal", signal_description=DESCRIPTION), now)
    complete("coordinator", "confirm_intake_decision",
             example("intake-decision", intake_decision="multi_agency"), now)
    complete("coordinator", "request_information",
             example("request-information",
                     partners=[dict(row, question=QUESTION) for row in requests_for(*partners)],
                     deadline_days=14, reminder_days=7), now)
    return case


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def assert_no_case_content(received) -> None:
    texts = received.texts()
    assert texts
    for text in texts:
        for secret in (PERSON, "Testperson", DESCRIPTION, QUESTION, ANSWER):
            assert secret not in text


def test_an_information_request_mails_each_police_member_who_wants_it_once(people, smtp):
    case = ask_police()
    worker.run_mail_pass(NOW)
    task = only_task("police", "answer_information_request")
    for who in ("police", "police2"):
        got = smtp.to(f"{who}@example.org")
        assert len(got) == 1, who
        text = body(got[0])
        assert got[0]["Subject"] == f"New task for case {case.code}"
        assert case.code in text and "Answer information request" in text
        assert f"{BASE}/tasks/{task.id}" in text
        assert "Due: 16 March 2026" in text  # as the pages write dates (English in Belgium)
        assert got[0].get_body(("html",)) is not None  # text and HTML
    # police3 has no address, police4 wants no mail about new tasks, social was not asked,
    # and the coordinator is not told about the steps they took themselves.
    assert sorted(m["To"] for m in smtp.messages) == ["police2@example.org",
                                                      "police@example.org"]
    assert_no_case_content(smtp)
    worker.run_mail_pass(NOW + timedelta(minutes=1))
    assert len(smtp.messages) == 2  # sent once


def test_no_message_carries_case_content_through_a_whole_case(people, smtp):
    for name in ("coordinator", "coordinator2", "police", "police2", "social"):
        user = db.session.scalar(select(User).where(User.username == name))
        choices.update_choices(actor(name), dict.fromkeys(choices.choices(user), "now"), 8)
    db.session.commit()
    case = ask_police(partners=("police", "social"))
    worker.run_mail_pass(NOW)
    complete("police", "answer_information_request",
             example("information-answer", risk_factors=ANSWER, protective_factors=ANSWER),
             NOW + timedelta(days=1))
    timers.run_due_timers(NOW + timedelta(days=14, minutes=1))  # social: a reminder
    notifications.case_became_urgent(case.id)
    db.session.commit()
    worker.run_mail_pass(NOW + timedelta(days=14, minutes=2), sweep=True)
    kinds = {m["Subject"].split(" (")[0].split(":")[0] for m in smtp.messages}
    assert {"New task for case " + case.code, "A partner answered", "Reminder",
            "URGENT"} <= kinds
    assert_no_case_content(smtp)


def test_a_step_that_fails_after_its_outbox_rows_were_written_sends_nothing(
        people, smtp, monkeypatch):
    register(now=NOW, full_name=PERSON)
    complete("coordinator", "register_signal", example("register-signal"), NOW)
    complete("coordinator", "confirm_intake_decision",
             example("intake-decision", intake_decision="multi_agency"), NOW)
    task = only_task("coordinator", "request_information")
    written = []
    real_write = notifications.write_step

    def write_then_fail_later(*args, **kwargs):
        real_write(*args, **kwargs)
        written.append(db.session.scalar(select(func.count(NotificationEvent.id))))

    def record_fails(actor_, action, **kwargs):  # the audit row, after the step was written
        raise RuntimeError("disk full")

    monkeypatch.setattr("webapp.services.cases.notifications.write_step",
                        write_then_fail_later)
    monkeypatch.setattr(tasks, "record", record_fails)
    with pytest.raises(RuntimeError):
        tasks.complete_task(actor("coordinator"), task.id,
                            example("request-information", partners=requests_for("police")),
                            now=NOW)
    db.session.rollback()
    assert written and written[0] > 0  # the rows were written in the failed transaction
    monkeypatch.undo()
    worker.run_mail_pass(NOW + timedelta(minutes=1))
    assert smtp.messages == []
    assert db.session.scalar(select(func.count(Notification.id))
                             .where(Notification.kind != "task_new")) == 0
    assert not db.session.scalar(select(func.count(Task.id)).where(Task.lane == "partner"))
    # The same step, not failing: the police is told.
    complete("coordinator", "request_information",
             example("request-information", partners=requests_for("police")), NOW)
    worker.run_mail_pass(NOW + timedelta(minutes=2))
    assert len(smtp.to("police@example.org")) == 1


def test_a_reminder_and_an_escalation_fired_by_the_process(people, smtp):
    case = ask_police()
    worker.run_mail_pass(NOW)
    smtp.messages.clear()
    timers.run_due_timers(NOW + timedelta(days=14, minutes=1))
    worker.run_mail_pass(NOW + timedelta(days=14, minutes=2), sweep=False)
    reminded = smtp.to("police@example.org")
    assert [m["Subject"] for m in reminded] == [f"Reminder: a task is waiting (case {case.code})"]
    task = only_task("police", "answer_after_reminder")
    assert f"/tasks/{task.id}" in body(reminded[0])
    # police4 wants no mail about new tasks, but reminders are their own kind.
    assert len(smtp.to("police4@example.org")) == 1
    smtp.messages.clear()
    timers.run_due_timers(NOW + timedelta(days=21, minutes=2))
    worker.run_mail_pass(NOW + timedelta(days=21, minutes=3), sweep=False)
    escalated = sorted(m["To"] for m in smtp.messages)
    assert escalated == ["coordinator2@example.org", "coordinator@example.org"]
    assert smtp.messages[0]["Subject"] == f"Follow-up needed for case {case.code}"


def test_due_tomorrow_and_overdue_once_each(people, smtp):
    case = ask_police()
    worker.run_mail_pass(NOW, sweep=True)
    smtp.messages.clear()
    worker.run_mail_pass(NOW + timedelta(days=12), sweep=True)
    assert smtp.messages == []
    worker.run_mail_pass(NOW + timedelta(days=13, hours=12), sweep=True)
    subjects = [m["Subject"] for m in smtp.to("police@example.org")]
    assert subjects == [f"Due tomorrow: a task for case {case.code}"]
    worker.run_mail_pass(NOW + timedelta(days=13, hours=18), sweep=True)
    assert len(smtp.to("police@example.org")) == 1
    worker.run_mail_pass(NOW + timedelta(days=14, hours=1), sweep=True)  # timers not run yet
    subjects = [m["Subject"] for m in smtp.to("police@example.org")]
    assert subjects[1:] == [f"Overdue: a task for case {case.code}"]
    worker.run_mail_pass(NOW + timedelta(days=14, hours=2), sweep=True)
    assert len(smtp.to("police@example.org")) == 2


def test_a_claimed_task_is_told_to_its_claimer_only(people, smtp):
    ask_police()
    worker.run_mail_pass(NOW)
    smtp.messages.clear()
    task = only_task("police", "answer_information_request")
    claims.claim_task(actor("police2"), task.id)
    db.session.commit()
    worker.run_mail_pass(NOW + timedelta(days=13, hours=12), sweep=True)
    assert [m["To"] for m in smtp.messages] == ["police2@example.org"]


def test_reassigned_to_me_and_released_to_the_shared_inbox(people, smtp):
    case = register(now=NOW, full_name=PERSON)
    task = only_task("coordinator", "register_signal")
    coordinator2 = actor("coordinator2").user
    claims.reassign_task(actor("coordinator"), task.id, coordinator2.id)
    db.session.commit()
    worker.run_mail_pass(NOW + timedelta(minutes=1))
    assert [(m["To"], m["Subject"]) for m in smtp.messages] == [
        ("coordinator2@example.org", f"A task was handed to you (case {case.code})")]
    assert f"{BASE}/tasks/{task.id}" in body(smtp.messages[0])
    claims.release_task(actor("coordinator2"), task.id)
    db.session.commit()
    worker.run_mail_pass(NOW + timedelta(minutes=2))
    # Released tasks go to the daily digest by default; not to the one who released it.
    waiting = db.session.execute(select(User.username, Notification.status)
                                 .join(User, User.id == Notification.user_id)
                                 .where(Notification.kind == "task_released")).all()
    assert waiting == [("coordinator", "digest")]
    assert len(smtp.messages) == 1


def test_a_signal_from_the_network_is_one_message_to_each_coordinator(people, smtp):
    case = signals.submit_signal(actor("school"), example("register-signal",
                                                          signal_description=DESCRIPTION),
                                 full_name=PERSON, now=NOW)
    db.session.commit()
    worker.run_mail_pass(NOW)
    task = only_task("coordinator", "confirm_intake_decision")
    assert sorted(m["To"] for m in smtp.messages) == ["coordinator2@example.org",
                                                      "coordinator@example.org"]
    for message in smtp.messages:
        assert message["Subject"] == f"New signal from the network (case {case.code})"
        assert f"{BASE}/tasks/{task.id}" in body(message)
    assert_no_case_content(smtp)


def test_the_responsible_coordinator_hears_that_a_partner_answered(people, smtp):
    case = ask_police()
    complete("police", "answer_information_request",
             example("information-answer", risk_factors=ANSWER), NOW + timedelta(minutes=30))
    worker.run_mail_pass(NOW + timedelta(hours=1))
    assert smtp.to("coordinator@example.org") == []  # by default in the daily digest
    item = db.session.scalar(select(Notification).where(Notification.kind == "answer_arrived"))
    assert item.status == "digest" and item.user_id == actor("coordinator").user.id
    choices.update_choices(actor("coordinator"), {"answer_arrived": "now"}, 8)
    db.session.commit()
    ask_police(now=NOW + timedelta(days=1))
    second = db.session.scalar(select(Task).where(Task.case_code != case.code,
                                                  Task.lane == "partner"))
    complete_code = second.case_code
    tasks.complete_task(actor("police"), second.id, example("information-answer"),
                        now=NOW + timedelta(days=1, minutes=30))
    db.session.commit()
    worker.run_mail_pass(NOW + timedelta(days=1, hours=1))
    got = smtp.to("coordinator@example.org")
    assert [m["Subject"] for m in got] == [f"A partner answered (case {complete_code})"]
    assert f"{BASE}/cases/{complete_code}" in body(got[0])
    assert smtp.to("coordinator2@example.org") == []


def test_urgent_case_and_a_coordinators_reminder_can_be_called_on_their_own(people, smtp):
    case = ask_police()
    worker.run_mail_pass(NOW)
    smtp.messages.clear()
    notifications.case_became_urgent(case.id, actor_id=actor("coordinator").user.id)
    task = only_task("police", "answer_information_request")
    notifications.reminder_sent(task.id, actor_id=actor("coordinator").user.id)
    db.session.commit()
    worker.run_mail_pass(NOW + timedelta(minutes=1))
    urgent = [m for m in smtp.messages if m["Subject"] == f"URGENT: case {case.code}"]
    assert [m["To"] for m in urgent] == ["coordinator2@example.org"]  # not who marked it
    assert f"{BASE}/cases/{case.code}" in body(urgent[0])
    reminded = sorted(m["To"] for m in smtp.messages if m["Subject"].startswith("Reminder"))
    assert reminded == ["police2@example.org", "police4@example.org", "police@example.org"]


def test_a_task_done_before_the_worker_ran_is_not_mailed(people, smtp):
    ask_police()
    complete("police", "answer_information_request", example("information-answer"), NOW)
    worker.run_mail_pass(NOW + timedelta(minutes=1))
    assert smtp.to("police2@example.org") == []


def test_choices_on_the_settings_page(people, smtp, login):
    police = login("police")
    page = police.get("/settings/notifications")
    assert page.status_code == 200
    assert "police@example.org" in page.text and "A new task for me" in page.text
    assert "A new signal from the network" not in page.text  # coordinators only
    response = police.post("/settings/notifications", data={
        "mode_task_new": "never", "mode_task_reminder": "now", "mode_task_due_soon": "digest",
        "digest_hour": "7"})
    assert response.status_code == 302
    assert "Your choices are saved." in police.get("/settings/notifications").text
    user = actor("police").user
    assert choices.choices(user)["task_new"] == "never"
    assert choices.choices(user)["task_due_soon"] == "digest"
    assert choices.digest_hour(user.id) == 7
    bad = police.post("/settings/notifications", data={"mode_task_new": "hourly",
                                                       "digest_hour": "7"},
                      follow_redirects=True)
    assert "Choose at once, daily digest or never" in bad.text
    ask_police()
    worker.run_mail_pass(NOW)
    assert smtp.to("police@example.org") == [] and len(smtp.to("police2@example.org")) == 1
    nobody = login("police3").get("/settings/notifications").text
    assert "You have no e-mail address in mawflow" in nobody


def test_one_click_from_any_message_stops_all_mail_without_logging_in(app, people, smtp):
    ask_police()
    worker.run_mail_pass(NOW)
    raw = next(r for r in smtp.raw if b"To: police@example.org" in r).decode()
    header = next(line for line in raw.splitlines() if line.startswith("List-Unsubscribe:"))
    link = header.split("<", 1)[1].rstrip(">")
    assert link.startswith(f"{BASE}/unsubscribe/")
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw
    path = link[len(BASE):]
    app.config["WTF_CSRF_ENABLED"] = True  # the one-click POST carries no form token
    anonymous = app.test_client()
    assert anonymous.get(path.replace("/unsubscribe/", "/unsubscribe/x")).status_code == 400
    tampered = path[:-3] + ("abc" if not path.endswith("abc") else "xyz")
    assert anonymous.post(tampered).status_code == 400
    page = anonymous.get(path)  # link checkers open links: asking changes nothing
    assert page.status_code == 200 and "Stop all e-mail from mawflow?" in page.text
    assert choices.settings_of(actor("police").user.id) is None
    done = anonymous.post(path)
    assert done.status_code == 200 and "mawflow will send no more e-mail" in done.text
    assert anonymous.get("/").status_code == 302  # and it did not log anyone in
    smtp.messages.clear()
    ask_police(now=NOW + timedelta(days=1))
    worker.run_mail_pass(NOW + timedelta(days=1))
    assert smtp.to("police@example.org") == [] and len(smtp.to("police2@example.org")) == 1


def test_mail_is_rendered_in_the_users_language_when_they_have_one(people):
    user = actor("police").user
    assert render.locale_of(user) == "en"
    user.language = "nl"  # the column arrives with the languages work; read with getattr
    assert render.locale_of(user) == "nl"


def test_a_step_title_is_escaped_in_the_html_part(people):
    from webapp.services.notifications.sender import Outgoing, Recipient

    note = Outgoing(1, "task_new", "MAW-2026-0009", 7, "Check <b>this</b> & that", None, 1)
    mail = render.compose(note, Recipient(3, "police@example.org", None), [], render.Links())
    assert "Check &lt;b&gt;this&lt;/b&gt; &amp; that" in mail.html
    assert "Task: Check <b>this</b> & that" in mail.text  # plain text stays plain


def test_a_signal_of_immediate_danger_and_the_overviews_reminder_are_mailed(people, smtp,
                                                                            login):
    """The urgency from a signal and a coordinator's "send a reminder now" on the overview go
    out through the outbox like every other notice."""
    case = ask_police()
    worker.run_mail_pass(NOW)
    smtp.messages.clear()
    task = only_task("police", "answer_information_request")
    response = login("coordinator").post(f"/overview/tasks/{task.id}/remind")
    assert response.status_code == 302
    worker.run_mail_pass(datetime.now(UTC) + timedelta(minutes=1))
    reminded = sorted(m["To"] for m in smtp.messages if m["Subject"].startswith("Reminder"))
    assert reminded == ["police2@example.org", "police4@example.org", "police@example.org"]
    assert all(case.code in m["Subject"] for m in smtp.messages)
    smtp.messages.clear()
    signals.submit_signal(actor("school"), example("register-signal", immediate_danger=True),
                          full_name=PERSON, now=NOW)
    db.session.commit()
    worker.run_mail_pass(datetime.now(UTC) + timedelta(minutes=2))
    urgent = [m["To"] for m in smtp.messages if m["Subject"].startswith("URGENT: case ")]
    assert sorted(urgent) == ["coordinator2@example.org", "coordinator@example.org"]
    assert_no_case_content(smtp)
