"""What a case waits for (next review on ..., aftercare check-in on ..., answers due on ...),
and bringing a scheduled review forward.

"Review now" is modelled in the process, not patched around it: where the process waits for
its review date, an event-based gateway also waits for the message ``review_now``, which
:func:`bring_review_forward` sends (docs/process-conventions.md).
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from webapp import engine
from webapp.models import Case, utcnow
from webapp.services import bundles
from webapp.services.audit import Actor, record
from webapp.services.cases import apply_step, lock_case
from webapp.services.errors import Conflict, NotAllowed, StepFailed
from webapp.services.policy import may_bring_review_forward

#: The message the application sends when a coordinator brings the review forward.
REVIEW_NOW = "review_now"


@dataclass(frozen=True)
class Waiting:
    """What an open case waits for: its timers (label, when, the elements on the diagram),
    and whether a coordinator can bring the review forward."""

    timers: list[tuple[str, datetime, int]]  # (label, due, how many), soonest first
    elements: list[str]  # the waiting events' element ids, for the diagram
    review_now: bool


NOTHING = Waiting(timers=[], elements=[], review_now=False)


def waiting_for(case: Case) -> Waiting:
    """Read from the case's state (one load of its workflow, no change). Timers with the same
    label and time (the answers of several partners due the same day) are one line."""
    if case.status == "closed":
        return NOTHING
    bundle = bundles.bundle_for(case.process_version)
    events = engine.waiting(bundle, case.state)
    timers: dict[tuple[str, datetime], int] = {}
    for event in events:
        if event.due_at is not None:
            key = (event.label, event.due_at)
            timers[key] = timers.get(key, 0) + 1
    return Waiting(
        timers=[(label, due, count) for (label, due), count in timers.items()],
        elements=sorted({e.element_id for e in events}),
        review_now=any(e.message == REVIEW_NOW for e in events),
    )


def bring_review_forward(actor: Actor, case: Case, *, now: datetime | None = None) -> Case:
    """Send the case the message ``review_now``: the review comes to the table's inbox at
    once instead of on its date. Audited.

    Raises NotAllowed, Conflict (the case does not wait for its review, or someone moved it
    meanwhile: nothing is changed) and StepFailed."""
    if not may_bring_review_forward(actor.user, case):
        raise NotAllowed(_("Only coordinators bring a review forward."))
    now = now or utcnow()
    locked = lock_case(case.id)
    bundle = bundles.bundle_for(locked.process_version)
    try:
        step = engine.send_message(bundle, locked.state, REVIEW_NOW, now=now)
    except engine.NotWaiting as error:
        raise Conflict(_("Case %(code)s is not waiting for a scheduled review (any more), so "
                         "nothing was changed. Its page shows where it is now.",
                         code=locked.code)) from error
    except engine.EngineError as error:
        raise StepFailed(_("The process could not bring the review forward; nothing was "
                           "changed. The process owner may need to correct the process."),
                         locked.id, f"{REVIEW_NOW}: {error}") from error
    try:
        apply_step(locked, step, now=now, by=actor)
    except StaleDataError as error:
        raise Conflict(_("Case %(code)s changed meanwhile; nothing was changed. Look at its "
                         "page again.", code=locked.code)) from error
    record(actor, "review_brought_forward", case_id=locked.id, message=REVIEW_NOW)
    return locked
