"""Try it: run the draft as a trial, stepping through its forms as each role would.

A trial runs the engine exactly as a case does (the same bundle building, the same calls,
the same check of who each step reaches), with its state kept on the draft between requests.
It never is a case: it cannot show up in an inbox, a case list, an export or a report, and it
is thrown away when the draft changes. The trial has its own clock, which only a jump to the
next timer moves, and a log of what was done: a finished trial can be saved as a scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _

from webapp import engine
from webapp.engine import replay
from webapp.extensions import db
from webapp.models import ProcessDraft, utcnow
from webapp.services.audit import Actor, record
from webapp.services.errors import NotFound, StepFailed

from .drafts import open_draft
from .trialrun import owners_in_words, reach_problem, trial_bundle

TRIAL_CODE = "TRIAL-0001"
START_DATA = {"case_code": TRIAL_CODE}


@dataclass
class Trial:
    draft: ProcessDraft
    bundle: engine.Bundle
    step: engine.Step | None
    log: dict = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)  # who each waiting step goes to

    @property
    def clock(self) -> datetime | None:
        return datetime.fromisoformat(self.log["clock"]) if self.log.get("clock") else None

    @property
    def steps(self) -> list[dict]:
        return list(self.log.get("steps") or [])


def _trial(draft: ProcessDraft, step: engine.Step | None) -> Trial:
    bundle = trial_bundle(draft.files, draft.process_id)
    log = dict(draft.trial_log or {})
    owners = owners_in_words(step.ready) if step is not None else {}
    return Trial(draft, bundle, step, log, owners)


def current(actor: Actor, process_id: str) -> Trial:
    """The draft's trial as it stands (no step when none was started). Raises InvalidInput
    when the draft has problems."""
    draft = open_draft(actor, process_id)
    bundle = trial_bundle(draft.files, process_id)
    step = None
    if draft.trial_state:
        clock = (draft.trial_log or {}).get("clock")
        try:
            step = engine.snapshot(bundle, draft.trial_state,
                                   now=datetime.fromisoformat(clock) if clock else None)
        except engine.EngineError:
            draft.trial_state, draft.trial_log = None, None
    return _trial(draft, step)


def _stopped(error: object) -> StepFailed:
    return StepFailed(_("The trial stopped: %(problem)s", problem=str(error)), 0, str(error))


def start(actor: Actor, process_id: str, *, now: datetime | None = None) -> Trial:
    """Start a new trial at ``now`` (its clock). Raises InvalidInput, StepFailed."""
    draft = open_draft(actor, process_id)
    bundle = trial_bundle(draft.files, process_id)
    now = now or utcnow()
    try:
        step = engine.start(bundle, dict(START_DATA), now=now)
    except engine.EngineError as err:
        raise StepFailed(_("The trial could not start: %(problem)s", problem=str(err)), 0,
                         str(err)) from err
    if problem := reach_problem(step.ready):
        raise _stopped(problem)
    draft.trial_state = step.state
    draft.trial_log = {"clock": now.isoformat(), "started_at": now.isoformat(),
                       "start_path": replay.path_of(None, step), "steps": []}
    db.session.flush()
    record(actor, "process_trial_started", process=process_id)
    return _trial(draft, step)


def ready_task(trial: Trial, task_id: str) -> engine.ReadyTask:
    for task in (trial.step.ready if trial.step else []):
        if task.id == task_id:
            return task
    raise NotFound(_("This step of the trial is no longer waiting."))


def _advance(trial: Trial, step: engine.Step, entry: dict, clock: datetime) -> Trial:
    if problem := reach_problem(step.ready):
        raise _stopped(problem)
    trial.draft.trial_state = step.state
    trial.draft.trial_log = {**trial.log, "clock": clock.isoformat(),
                             "steps": [*trial.steps, entry]}
    db.session.flush()
    return _trial(trial.draft, step)


def complete(actor: Actor, process_id: str, task_id: str, data: dict) -> Trial:
    """Complete a waiting step of the trial with ``data`` (any lane: the owner plays every
    role). Raises NotFound (not waiting), StepFailed (the process stopped; nothing changed)."""
    trial = current(actor, process_id)
    task = ready_task(trial, task_id)
    clock = trial.clock or utcnow()
    try:
        step = engine.complete(trial.bundle, trial.draft.trial_state, task_id, data, now=clock)
    except engine.TaskNotReady as err:
        raise NotFound(_("This step of the trial is no longer waiting.")) from err
    except engine.EngineError as err:
        raise _stopped(err) from err
    same = [t.id for t in trial.step.ready if t.spec_name == task.spec_name]
    entry = {"action": "complete", "element": task.spec_name, "title": task.title,
             "n": same.index(task.id), "organisation": task.organisation, "data": data,
             "path": replay.path_of(task, step)}
    return _advance(trial, step, entry, clock)


def fire_timers(actor: Actor, process_id: str) -> Trial:
    """Move the trial's clock just past its first waiting timer (a timer fires only once its
    time has passed) and let what is due fire."""
    trial = current(actor, process_id)
    due = replay.next_timer(trial.step) if trial.step is not None else None
    if due is None:
        raise NotFound(_("No timer is waiting in this trial."))
    clock = max(due, trial.clock or due)
    try:
        step = engine.fire_timers(trial.bundle, trial.draft.trial_state, now=clock)
    except engine.EngineError as err:
        raise _stopped(err) from err
    entry = {"action": "timer", "title": "Timer", "clock": clock.isoformat(),
             "path": replay.path_of(None, step)}
    return _advance(trial, step, entry, clock)
