"""One pass of the mail worker: events to messages, due-date sweeps, digests, sending.

Run by the timer worker after its timers (cli.run_worker_loop) and by ``flask mail-worker``;
any number side by side on PostgreSQL. Commits per batch; errors of one part are logged and
do not stop the others.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app

from webapp.extensions import db
from webapp.models import utcnow
from webapp.services.notifications import fanout, sender

log = logging.getLogger(__name__)
MAX_BATCHES = 20  # per part and pass, so one pass never runs away from the timers


@dataclass
class MailPass:
    events: int = 0
    due_notices: int = 0
    digests: int = 0
    sent: sender.Pass = field(default_factory=sender.Pass)


def run_mail_pass(now: datetime | None = None, *, sweep: bool | None = None) -> MailPass:
    """Everything the mail worker does once. ``sweep``: look for due and overdue tasks now
    (None: when MAIL_SWEEP_SECONDS have passed since this process last looked)."""
    now = now or utcnow()
    done = MailPass()
    for _ in range(MAX_BATCHES):
        handled = fanout.fan_out(now)
        db.session.commit()
        done.events += handled
        if not handled:
            break
    if sweep if sweep is not None else _sweep_due(now):
        done.due_notices = fanout.sweep_due(now)
        fanout.prune(now)
        db.session.commit()
        for _ in range(MAX_BATCHES):  # the notices just made
            handled = fanout.fan_out(now)
            db.session.commit()
            if not handled:
                break
    done.digests = fanout.build_digests(now)
    db.session.commit()
    settings = sender.smtp_settings()
    for _ in range(MAX_BATCHES):
        batch = sender.send_due(now, settings=settings)
        for name in ("sent", "retried", "failed", "dropped"):
            setattr(done.sent, name, getattr(done.sent, name) + getattr(batch, name))
        if batch.sent + batch.retried + batch.failed + batch.dropped < 100 or batch.retried:
            break
    return done


def _sweep_due(now: datetime) -> bool:
    """Whether this process should look for due tasks now (it remembers when it last did)."""
    state = current_app.extensions.setdefault("mawflow_mail", {})
    last = state.get("last_sweep")
    if last is not None and now - last < timedelta(
            seconds=float(current_app.config["MAIL_SWEEP_SECONDS"])):
        return False
    state["last_sweep"] = now
    return True
