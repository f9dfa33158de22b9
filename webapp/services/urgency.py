"""Urgent cases: immediate danger reported (the process says so, see ``urgentWhen``) or a
coordinator's judgement. An urgent case's tasks come first in every inbox and carry a badge;
the case table is not an emergency service, so the pages say to call the emergency services
or police first. Setting and lifting urgency is audited with the reason."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from webapp.extensions import db
from webapp.models import Case, Task, utcnow
from webapp.models.cases import NORMAL, URGENT
from webapp.services import notifications
from webapp.services.audit import Actor, record
from webapp.services.errors import Conflict, NotAllowed
from webapp.services.policy import may_set_urgency
from webapp.services.text import checked_text

REASON_LENGTH = 500


def mark_urgent_by_process(actor: Actor, case: Case, reason: str, *,
                           now: datetime | None = None) -> None:
    """The step just completed says the case is urgent (its ``urgentWhen`` held). A case that
    is urgent already stays as it was."""
    if case.urgent:
        return
    _write(case, urgent=True, reason=reason[:REASON_LENGTH], now=now or utcnow())
    record(actor, "urgency_set", case_id=case.id, reason=reason[:REASON_LENGTH], by="process")
    notifications.case_became_urgent(case.id, actor_id=actor.user.id if actor.user else None,
                                     now=now)


def change_urgency(actor: Actor, case: Case, *, urgent: bool, reason: str,
                   now: datetime | None = None) -> None:
    """A coordinator marks the case urgent, or lifts its urgency, saying why.

    Raises NotAllowed, InvalidInput (no reason, too long) and Conflict when the case already
    is (or is no longer) urgent: someone else was first, and nothing is changed."""
    if not may_set_urgency(actor.user, case):
        raise NotAllowed(_("Only coordinators mark a case urgent or lift its urgency."))
    reason = checked_text(reason, what=_("reason"), limit=REASON_LENGTH)
    if not _write(case, urgent=urgent, reason=reason if urgent else None, now=now or utcnow()):
        raise Conflict(_("Case %(code)s is already marked urgent; nothing was changed.",
                         code=case.code) if urgent else
                       _("The urgency of case %(code)s was already lifted; nothing was changed.",
                         code=case.code))
    record(actor, "urgency_set" if urgent else "urgency_lifted", case_id=case.id,
           reason=reason, by="coordinator")
    if urgent:
        notifications.case_became_urgent(case.id, actor_id=actor.user.id, now=now)


def _write(case: Case, *, urgent: bool, reason: str | None, now: datetime) -> bool:
    """Set the case's urgency if it is not so already (one wins when two change it at once),
    then the priority of its task rows. Returns False when nothing changed. The case row is
    written first: a step running on the case holds its lock, so its new tasks are updated
    too once it is done."""
    values = {"urgent": urgent, "urgent_reason": reason, "urgent_since": now if urgent else None}
    changed = db.session.execute(
        update(Case).where(Case.id == case.id, Case.urgent.is_(not urgent)).values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        return False
    for key, value in values.items():
        set_committed_value(case, key, value)
    db.session.execute(
        update(Task).where(Task.case_id == case.id).values(priority=URGENT if urgent else NORMAL)
        .execution_options(synchronize_session=False)
    )
    return True
