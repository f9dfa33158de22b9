"""Scenarios: trials saved under a name, re-run on every later draft as regression tests.

A scenario keeps the answers given at each step of a trial and the path the process took (see
``engine.replay``). When the draft changes, every scenario of the process runs again on it, and
the draft page shows, per scenario, where the path now differs or a form no longer accepts the
saved answers; publishing asks for a confirmation while any scenario differs.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from webapp import engine
from webapp.engine import replay
from webapp.extensions import db
from webapp.models import ProcessScenario, utcnow
from webapp.services.audit import Actor, record
from webapp.services.errors import InvalidInput, NotFound

from . import scenario_runs
from .drafts import check_owner, open_draft
from .trial import current

MAX_NAME = 200


def save(actor: Actor, process_id: str, name: str) -> ProcessScenario:
    """Save the draft's trial as the scenario ``name``. Raises InvalidInput (no step taken
    yet, no name, a name taken), NotFound (no trial)."""
    trial = current(actor, process_id)
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME or "\x00" in name:
        raise InvalidInput(_("Give the scenario a name (at most %(num)d characters).",
                             num=MAX_NAME))
    if trial.step is None:
        raise NotFound(_("There is no trial to save: start one first."))
    if not trial.steps:
        raise InvalidInput(_("Take at least one step in the trial before saving it."))
    taken = db.session.scalar(select(ProcessScenario.id).where(
        ProcessScenario.process_id == process_id, ProcessScenario.name == name))
    if taken is not None:
        raise InvalidInput(_("A scenario named \u201c%(name)s\u201d exists already: choose "
                             "another name, or delete that one first.", name=name))
    scenario = ProcessScenario(
        process_id=process_id, name=name, steps=trial.steps,
        path=list(trial.log.get("start_path") or []), ending=replay.ending_of(trial.step),
        created_by_id=actor.user.id, created_at=utcnow(),
        last_result=replay.runs_as_saved(len(trial.steps)).as_dict(),
        last_hash=engine.bundle_hash(trial.draft.files), last_run_at=utcnow())
    db.session.add(scenario)
    db.session.flush()
    record(actor, "process_scenario_saved", process=process_id, name=name,
           steps=len(trial.steps))
    return scenario


def delete(actor: Actor, process_id: str, scenario_id: int) -> None:
    check_owner(actor)
    scenario = db.session.get(ProcessScenario, scenario_id)
    if scenario is None or scenario.process_id != process_id:
        raise NotFound(_("There is no such scenario."))
    record(actor, "process_scenario_deleted", process=process_id, name=scenario.name)
    db.session.delete(scenario)
    db.session.flush()


def listed(actor: Actor, process_id: str) -> list[ProcessScenario]:
    """The process's scenarios with their outcome on the draft as it is now (run if the draft
    changed since)."""
    return scenario_runs.run_all(open_draft(actor, process_id))
