"""Sender throughput: queued notifications delivered per second to a local SMTP sink.

Fills a throwaway SQLite database (or BENCH_DATABASE_URL) with BENCH_MAIL messages (default
2,000: new tasks, reminders and urgent cases for the demo users, task kinds pointing at open
tasks, as the sender checks), starts aiosmtpd's Sink handler in its own process on a free
127.0.0.1 port, and times the sender's passes (services.notifications.sender.send_due, one
SMTP connection per batch of 100, render + build + send + mark sent) until all are sent.

Run: .venv/bin/python benchmarks/bench_mail.py
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.webapp.helpers import to_consultation  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.config import normalise_database_url  # noqa: E402
from webapp.demo import seed  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import Notification, Task, User, utcnow  # noqa: E402
from webapp.services import bundles  # noqa: E402
from webapp.services.audit import Actor  # noqa: E402
from webapp.services.notifications import sender  # noqa: E402

KINDS = ("task_new", "task_reminder", "case_urgent", "task_due_soon")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_sink(port: int) -> subprocess.Popen:
    """aiosmtpd's Sink (accepts and drops every message) in its own process."""
    sink = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink",
         "-l", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return sink
        except OSError:
            time.sleep(0.1)
    sink.kill()
    raise RuntimeError("the SMTP sink did not start")


def queue(n: int, now) -> None:
    case = to_consultation(("police",))
    task = db.session.scalar(select(Task).where(Task.case_id == case.id))
    users = db.session.scalars(select(User.id).where(User.email.is_not(None))).all()
    rows = [{"user_id": users[i % len(users)], "kind": KINDS[i % len(KINDS)],
             "case_code": case.code, "task_id": task.id, "step": task.title,
             "due_at": task.due_at, "created_at": now, "status": "pending",
             "next_attempt_at": now, "attempts": 0, "expires_at": now + timedelta(hours=24)}
            for i in range(n)]
    db.session.execute(insert(Notification), rows)
    db.session.commit()


def sender_throughput(n: int | None = None) -> float:
    """Messages per second from the outbox to a local SMTP sink."""
    n = n or int(os.environ.get("BENCH_MAIL", "2000"))
    port = _free_port()
    url = os.environ.get("BENCH_DATABASE_URL")
    folder = tempfile.mkdtemp()
    app = create_app({
        "ENV_NAME": "test", "SECRET_KEY": "bench",
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(url) if url
        else f"sqlite:///{folder}/mail.sqlite",
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_TLS": "none",
        "MAIL_FROM": "mawflow <noreply@bench.example.org>",
    })
    sink = start_sink(port)
    try:
        with app.app_context():
            db.drop_all()
            db.create_all()
            seed(Actor.system())
            bundles.deploy_bundle(Actor.system(), ROOT)
            db.session.commit()
            now = utcnow()
            queue(n, now)
            sent, started = 0, time.perf_counter()
            while sent < n:
                done = sender.send_due(now)
                if not done.sent:
                    raise RuntimeError(f"the sender stopped after {sent} messages: {done}")
                sent += done.sent
            elapsed = time.perf_counter() - started
    finally:
        sink.terminate()
        sink.wait(timeout=10)
    rate = n / elapsed
    print(f"mail sender: {n} queued messages to a local SMTP sink in {elapsed:.2f} s, "
          f"{rate:.0f} messages/s")
    return round(rate, 1)


if __name__ == "__main__":
    sender_throughput()
