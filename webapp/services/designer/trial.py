"""Try it: run the draft as a trial, stepping through its forms as each role would.

The trial's state lives on the draft, never in a case: it cannot show up in an inbox, a case
list, an export or a report, and it is thrown away when the draft changes."""

from __future__ import annotations

from dataclasses import dataclass

from webapp import engine
from webapp.extensions import db
from webapp.models import ProcessDraft
from webapp.services import bundles
from webapp.services.audit import Actor, record
from webapp.services.errors import InvalidInput, NotFound, StepFailed

from .drafts import open_draft

TRIAL_CODE = "TRIAL-0001"


@dataclass
class Trial:
    draft: ProcessDraft
    bundle: engine.Bundle
    step: engine.Step | None


def _bundle(draft: ProcessDraft) -> engine.Bundle:
    try:
        return engine.compile_bundle(draft.files, bundles.lane_reach(), draft.process_id)
    except engine.BundleInvalid as err:
        raise InvalidInput("The draft has problems; fix them before trying it.",
                           list(err.problems)) from err


def current(actor: Actor, process_id: str) -> Trial:
    draft = open_draft(actor, process_id)
    bundle = _bundle(draft)
    step = None
    if draft.trial_state:
        try:
            step = engine.snapshot(bundle, draft.trial_state)
        except engine.EngineError:
            draft.trial_state = None
    return Trial(draft, bundle, step)


def start(actor: Actor, process_id: str) -> Trial:
    draft = open_draft(actor, process_id)
    bundle = _bundle(draft)
    try:
        step = engine.start(bundle, {"case_code": TRIAL_CODE})
    except engine.EngineError as err:
        raise StepFailed(f"The trial could not start: {err}", 0, str(err)) from err
    draft.trial_state = step.state
    db.session.flush()
    record(actor, "process_trial_started", process=process_id)
    return Trial(draft, bundle, step)


def ready_task(trial: Trial, task_id: str) -> engine.ReadyTask:
    for task in (trial.step.ready if trial.step else []):
        if task.id == task_id:
            return task
    raise NotFound("This step of the trial is no longer waiting.")


def complete(actor: Actor, process_id: str, task_id: str, data: dict) -> Trial:
    trial = current(actor, process_id)
    ready_task(trial, task_id)
    try:
        step = engine.complete(trial.bundle, trial.draft.trial_state, task_id, data)
    except engine.TaskNotReady as err:
        raise NotFound("This step of the trial is no longer waiting.") from err
    except engine.EngineError as err:
        raise StepFailed(f"The trial stopped: {err}", 0, str(err)) from err
    trial.draft.trial_state = step.state
    db.session.flush()
    trial.step = step
    return trial


def fire_timers(actor: Actor, process_id: str) -> Trial:
    """Jump the trial's clock to its first waiting timer and let it fire."""
    trial = current(actor, process_id)
    if trial.step is None or not trial.step.timers:
        raise NotFound("No timer is waiting in this trial.")
    due = min(t.due_at for t in trial.step.timers)
    try:
        step = engine.fire_timers(trial.bundle, trial.draft.trial_state, now=due)
    except engine.EngineError as err:
        raise StepFailed(f"The trial stopped: {err}", 0, str(err)) from err
    trial.draft.trial_state = step.state
    db.session.flush()
    trial.step = step
    return trial
