"""The outbox delivers: at least once, retried with backoff, never in the way of a step;
senders side by side send each message once; one digest per user per day. A real SMTP server
(aiosmtpd) on 127.0.0.1; time moved explicitly."""

import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from webapp.extensions import db
from webapp.models import Notification, Task, User, utcnow
from webapp.services import tasks
from webapp.services.notifications import sender, worker

from .helpers import actor, complete, example, only_task, register, requests_for
from .mail_helpers import free_port, give_addresses, smtp_fixture  # noqa: F401 - smtp fixture
from .test_scenarios import formdata

NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # 06:00 in Brussels


@pytest.fixture
def addresses(network):
    give_addresses("coordinator", "coordinator2", "police", "social", "school")
    return network


def request_to_police(now=NOW):
    case = register(now=now, full_name="Jana Testperson")
    complete("coordinator", "register_signal", example("register-signal"), now)
    complete("coordinator", "confirm_intake_decision",
             example("intake-decision", intake_decision="multi_agency"), now)
    complete("coordinator", "request_information",
             example("request-information", partners=requests_for("police")), now)
    return case


def statuses() -> list[tuple[str, str]]:
    return db.session.execute(select(User.username, Notification.status)
                              .join(User, User.id == Notification.user_id)
                              .where(Notification.kind != "digest")
                              .order_by(User.username)).all()


def test_a_sender_killed_between_sending_and_marking_sends_once_more_at_most(
        addresses, smtp, monkeypatch):
    request_to_police()

    def killed(ids, now):
        raise SystemExit("killed")  # the process dies: nothing after this runs

    monkeypatch.setattr(sender, "mark_sent", killed)
    with pytest.raises(SystemExit):
        worker.run_mail_pass(NOW)
    db.session.rollback()
    monkeypatch.undo()
    assert len(smtp.messages) == 1  # it left, but was not marked sent
    first_id = smtp.messages[0]["Message-ID"]
    worker.run_mail_pass(NOW + timedelta(minutes=1))
    assert len(smtp.messages) == 1  # claimed by the dead sender until its lease ends
    worker.run_mail_pass(NOW + sender.LEASE + timedelta(minutes=1))
    assert len(smtp.messages) == 2
    assert smtp.messages[1]["Message-ID"] == first_id  # the same message, recognisable
    worker.run_mail_pass(NOW + sender.LEASE + timedelta(minutes=2))
    worker.run_mail_pass(NOW + 3 * sender.LEASE)
    assert len(smtp.messages) == 2
    assert statuses() == [("police", "sent")]


def test_a_server_that_refuses_for_now_gets_it_again_later(addresses, smtp, app, login):
    smtp.answer = "451 4.3.0 Mailbox busy, try later"
    request_to_police()
    worker.run_mail_pass(NOW)
    assert smtp.messages == [] and statuses() == [("police", "pending")]
    note = db.session.scalar(select(Notification))
    assert "451" in note.last_error and note.next_attempt_at == NOW + timedelta(minutes=1)
    worker.run_mail_pass(NOW + timedelta(seconds=30))  # not yet: backoff
    assert note.attempts == 1
    smtp.answer = None
    worker.run_mail_pass(NOW + timedelta(minutes=1))
    assert len(smtp.messages) == 1 and statuses() == [("police", "sent")]


def test_a_refusal_for_good_is_shown_to_administrators_without_the_body(
        addresses, smtp, login):
    smtp.answer = "550 5.1.1 No such user here"
    case = request_to_police()
    worker.run_mail_pass(NOW)
    assert statuses() == [("police", "failed")]
    page = login("admin").get("/admin/mail")
    assert page.status_code == 200
    assert "550 5.1.1 No such user here" in page.text and case.code in page.text
    assert "Open it in mawflow" not in page.text  # the error, not the message
    note = db.session.scalar(select(Notification))
    smtp.answer = None
    retried = login("admin").post(f"/admin/mail/{note.id}/retry", follow_redirects=True)
    assert "will be tried again" in retried.text
    worker.run_mail_pass(utcnow() + timedelta(minutes=1))  # the button used the real clock
    assert len(smtp.messages) == 1 and statuses() == [("police", "sent")]


class Silent:
    """A server that accepts connections and never answers (an SMTP server that hangs)."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.port = self.socket.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        self.socket.close()
        for connection in self.accepted:
            connection.close()


@pytest.mark.parametrize("trouble", ["down", "hangs"])
def test_an_unreachable_server_neither_slows_nor_fails_the_step(
        app, addresses, smtp, login, trouble):
    silent = Silent()
    try:
        port = free_port() if trouble == "down" else silent.port
        app.config.update(SMTP_PORT=port, SMTP_TIMEOUT=0.3)
        register(now=NOW, full_name="Jana Testperson")
        complete("coordinator", "register_signal", example("register-signal"), NOW)
        complete("coordinator", "confirm_intake_decision",
                 example("intake-decision", intake_decision="multi_agency"), NOW)
        task = only_task("coordinator", "request_information")
        response = login("coordinator").post(f"/tasks/{task.id}", data={
            **formdata(example("request-information", partners=requests_for("police"))),
            "action": "complete"})
        assert response.status_code == 302  # the step went through
        assert silent.accepted == []  # and did not even try the mail server
        worker.run_mail_pass(NOW)
        assert statuses() == [("police", "pending")]
        error = db.session.scalar(select(Notification.last_error))
        assert ("timed out" in error) if trouble == "hangs" else ("refused" in error.lower())
    finally:
        silent.close()
    app.config.update(SMTP_PORT=smtp.port)
    worker.run_mail_pass(NOW + timedelta(minutes=1))
    assert [m["To"] for m in smtp.messages] == ["police@example.org"]


def test_without_smtp_settings_mail_waits_for_the_administrator_to_see(addresses, login):
    case = request_to_police()
    worker.run_mail_pass(NOW)
    worker.run_mail_pass(NOW + timedelta(days=5))
    assert statuses() == [("police", "pending")]  # kept, not lost, not failed
    page = login("admin").get("/admin/mail").text
    assert "No SMTP server is set" in page and "Mail that would have been sent" in page
    assert f"New task for case {case.code}" in page and "police@example.org" in page
    assert "A new task waits for you in mawflow." in page  # the body, as they would read it
    assert "youthcare" not in page  # (no such user in this network)
    assert "Jana Testperson" not in page
    assert login("police").get("/admin/mail").status_code == 403


def test_the_administrator_sees_who_cannot_be_reached_and_adds_an_address(network, login):
    give_addresses("coordinator", "police")
    admin = login("admin")
    page = admin.get("/admin/mail").text
    assert "Who cannot be reached by mail" in page
    for name in ("social", "school", "coordinator2"):
        assert f"<strong>{name}</strong>" in page
    assert "<strong>police</strong>" not in page
    assert "Social services" in page.split("No member of these organisations")[1]
    social = db.session.scalar(select(User).where(User.username == "social"))
    bad = admin.post(f"/admin/mail/users/{social.id}/email", data={"email": "not an address"},
                     follow_redirects=True)
    assert "This is not an e-mail address" in bad.text
    nul = admin.post(f"/admin/mail/users/{social.id}/email", data={"email": "a\x00b@x.org"},
                     follow_redirects=True)
    assert nul.status_code == 422 and "NUL character" in nul.text  # refused at the edge
    done = admin.post(f"/admin/mail/users/{social.id}/email",
                      data={"email": "sanne@social.example.org"}, follow_redirects=True)
    assert "go to sanne@social.example.org" in done.text
    assert "<strong>social</strong>" not in done.text


def test_a_message_nobody_could_send_in_time_is_given_up(addresses, smtp, app):
    smtp.answer = "421 4.3.2 Service shutting down"
    request_to_police()
    for minutes in range(0, 27 * 60, 120):  # every two hours, for 26 hours
        worker.run_mail_pass(NOW + timedelta(minutes=minutes))
    assert statuses() == [("police", "failed")]
    note = db.session.scalar(select(Notification))
    assert note.last_error.startswith("Not sent in time; last error:") and "421" in note.last_error
    assert 4 <= note.attempts <= 24


def _queue(count: int, user_id: int) -> None:
    db.session.execute(insert(Notification), [
        {"user_id": user_id, "kind": "case_urgent", "case_code": f"MAW-2026-{n:04d}",
         "step": "", "created_at": NOW, "status": "pending", "next_attempt_at": NOW,
         "attempts": 0, "expires_at": NOW + timedelta(hours=24)} for n in range(count)])
    db.session.commit()


def test_two_senders_side_by_side_send_each_message_once(app, addresses, smtp):
    _queue(60, actor("coordinator").user.id)
    start = threading.Barrier(2)
    failures = []

    def run():
        with app.app_context():
            try:
                start.wait()
                while sender.send_due(NOW, limit=7).sent:
                    pass
            except Exception as error:  # pragma: no cover - reported below
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(ids) == 60 and len(set(ids)) == 60
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(Notification.status == "sent")) == 60


def test_one_digest_per_user_per_day_listing_what_still_waits(addresses, smtp):
    first = register(now=NOW, full_name="A")  # coordinator2 is told in the daily digest
    second = register(now=NOW + timedelta(minutes=5), full_name="B")
    worker.run_mail_pass(NOW + timedelta(minutes=30))  # 06:30 in Brussels: not yet
    assert smtp.messages == []
    waiting = db.session.scalars(select(Notification.case_code)
                                 .where(Notification.status == "digest")).all()
    assert sorted(waiting) == [first.code, second.code]
    worker.run_mail_pass(NOW + timedelta(hours=2, minutes=5))  # 08:05: the digest hour
    digests = smtp.to("coordinator2@example.org")
    assert len(digests) == 1 and smtp.messages == digests
    text = digests[0].get_body(("plain",)).get_content()
    assert digests[0]["Subject"] == "Your mawflow digest: 2 waiting"
    assert "== New tasks ==" in text and first.code in text and second.code in text
    assert "Register signal" in text and "/tasks/" in text
    third = register(now=NOW + timedelta(hours=3))  # 09:00: after today's digest
    worker.run_mail_pass(NOW + timedelta(hours=5))
    worker.run_mail_pass(NOW + timedelta(hours=12))
    assert len(smtp.to("coordinator2@example.org")) == 1  # one a day
    worker.run_mail_pass(NOW + timedelta(days=1, hours=2, minutes=1))  # next day 08:01
    digests = smtp.to("coordinator2@example.org")
    assert len(digests) == 2
    text = digests[1].get_body(("plain",)).get_content()
    assert third.code in text and first.code not in text
    worker.run_mail_pass(NOW + timedelta(days=1, hours=6))
    assert len(smtp.to("coordinator2@example.org")) == 2


def test_a_digest_lists_what_still_waits_at_the_hour_the_user_chose(addresses, smtp, login):
    login("coordinator2").post("/settings/notifications", data={"digest_hour": "10"})
    first = register(now=NOW, full_name="A")
    second = register(now=NOW + timedelta(minutes=5), full_name="B")
    worker.run_mail_pass(NOW + timedelta(minutes=10))
    done = db.session.scalar(select(Task).where(Task.case_id == first.id))
    tasks.complete_task(actor("coordinator"), done.id, example("register-signal"),
                        now=NOW + timedelta(hours=1))
    db.session.commit()
    worker.run_mail_pass(NOW + timedelta(hours=3, minutes=30))  # 09:30 in Brussels
    assert smtp.messages == []
    worker.run_mail_pass(NOW + timedelta(hours=4, minutes=1))  # 10:01
    text = smtp.to("coordinator2@example.org")[0].get_body(("plain",)).get_content()
    listed = [line for line in text.splitlines() if line.startswith("- ")]
    assert listed == [f"- Register signal · case {second.code}",
                      f"- Confirm intake decision · case {first.code}"]


def test_a_message_that_cannot_be_built_fails_alone(addresses, smtp, monkeypatch):
    from webapp.services.notifications import render

    request_to_police()
    register(now=NOW, full_name="B")  # coordinator2: a new task, in the digest
    _queue(2, actor("social").user.id)
    real = render.compose

    def broken_for_police(note, user, items, links):
        if user.email == "police@example.org":
            raise KeyError("missing")
        return real(note, user, items, links)

    monkeypatch.setattr(render, "compose", broken_for_police)
    worker.run_mail_pass(NOW)
    assert sorted(m["To"] for m in smtp.messages) == ["social@example.org"] * 2
    police = db.session.scalar(select(Notification).join(User, User.id == Notification.user_id)
                               .where(User.username == "police"))
    assert police.status == "failed"
    assert police.last_error.startswith("Could not build the message: KeyError")


def test_a_batch_goes_out_over_several_sessions_and_each_message_once(app, addresses, smtp):
    app.config["MAIL_CONNECTIONS"] = 3
    _queue(12, actor("coordinator").user.id)
    done = sender.send_due(NOW)
    assert done.sent == 12 and smtp.connections == 3
    assert len({m["Message-ID"] for m in smtp.messages}) == 12
    assert sorted(m["Subject"] for m in smtp.messages) == [
        f"URGENT: case MAW-2026-{n:04d}" for n in range(12)]
