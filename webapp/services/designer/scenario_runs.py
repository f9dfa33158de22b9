"""Running the saved scenarios of a process against its draft (on every save and before
publishing), and keeping each one's outcome on it."""

from __future__ import annotations

from sqlalchemy import select

from webapp import engine
from webapp.engine import replay
from webapp.engine.phrases import N_, say
from webapp.extensions import db
from webapp.i18n.phrases import message
from webapp.models import ProcessDraft, ProcessScenario, utcnow
from webapp.services import tasks
from webapp.services.errors import InvalidInput

from .trialrun import reach_problem, trial_bundle

START_DATA = {"case_code": "TRIAL-0001"}


def scenarios_of(process_id: str) -> list[ProcessScenario]:
    return list(db.session.scalars(
        select(ProcessScenario).where(ProcessScenario.process_id == process_id)
        .order_by(ProcessScenario.name)))


def run_all(draft: ProcessDraft, *, again: bool = False) -> list[ProcessScenario]:
    """Run every scenario of the draft's process on the draft and keep the outcomes
    (``last_result``). A scenario already run on this very content is not run again unless
    ``again``. A draft with problems runs none: each says so."""
    saved = scenarios_of(draft.process_id)
    if not saved:
        return []
    digest = engine.bundle_hash(draft.files)
    todo = [s for s in saved if again or s.last_hash != digest]
    if not todo:
        return saved
    try:
        bundle = trial_bundle(draft.files, draft.process_id)
    except InvalidInput:
        bundle = None
    options = {name: [code for code, _ in pairs]
               for name, pairs in tasks.option_values().items()} if bundle else None
    now = utcnow()
    for scenario in todo:
        if bundle is None:
            outcome = replay.Outcome.of(
                False, say(N_("Not run: the draft has problems to fix first.")), None, "problems")
        else:
            outcome = replay.replay(bundle, scenario.steps, scenario.ending,
                                    start_data=dict(START_DATA), now=now, options=options,
                                    start_path=scenario.path, reach=reach_problem)
        scenario.last_result = outcome.as_dict()
        scenario.last_hash = digest
        scenario.last_run_at = now
    db.session.flush()
    return saved


def failing(scenarios: list[ProcessScenario]) -> list[ProcessScenario]:
    return [s for s in scenarios if not (s.last_result or {}).get("ok")]


def results(scenarios: list[ProcessScenario]) -> list[dict]:
    """For an editor's save answer: each scenario's name and outcome (in the reader's
    language)."""
    return [{"name": s.name, "ok": bool((s.last_result or {}).get("ok")),
             "message": message(s.last_result)} for s in scenarios]
