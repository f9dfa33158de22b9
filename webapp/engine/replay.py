"""Scenarios: a trial's steps (the answers given, the timers jumped over) played again on
another bundle, reporting the first place where the run is not what the trial saw.

A step is ``{"action": "complete", "element", "title", "n", "organisation", "data"}`` (the
ready task of that element for that organisation, else the n-th, gets ``data``) or
``{"action": "timer"}`` (the clock jumps just past the first waiting timer). Each step keeps
the path the trial took during it (``"path"``: the elements passed, ``{"element", "title",
"kind"}``), and the scenario its ending (finished, outcome, the steps waiting). Pure engine
code: the caller gives the allowed x-options values and a check of who the ready tasks reach.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from .bundle import Bundle
from .errors import EngineError
from .formdata import validate_data
from .isolation import complete, fire_timers, start  # owner code: in a worker process
from .phrases import N_, FieldProblem, Phrase, say
from .runner import Step
from .taskinfo import ReadyTask

#: How far past a timer's due time "jump to the next timer" sets the clock: a timer fires when
#: the clock is strictly later than its due time.
TIMER_MARGIN = timedelta(seconds=1)

Reach = Callable[[list[ReadyTask]], str | None]


@dataclass
class Outcome:
    """How a scenario ran: ``ok``, or the step (1-based; None for the ending) and what
    differs, in words for a process owner: ``message`` in English, ``phrase`` the same kept
    translatable (engine.phrases). Make one with :meth:`of`."""

    ok: bool
    message: str
    step: int | None = None
    kind: str = ""  # "path", "form", "waiting", "failed", "ending"
    details: list[str] = field(default_factory=list)
    phrase: Phrase | None = None

    @classmethod
    def of(cls, ok: bool, phrase: Phrase, step: int | None = None, kind: str = "",
           details: list[str] | None = None) -> Outcome:
        return cls(ok, phrase.english(), step, kind, list(details or []), phrase)

    def as_dict(self) -> dict:
        kept = {"ok": self.ok, "message": self.message, "step": self.step, "kind": self.kind,
                "details": self.details}
        if self.phrase is not None:
            kept["phrase"] = asdict(self.phrase)
        return kept


def path_of(user_task: ReadyTask | None, step: Step) -> list[dict]:
    """The elements a step passed: the user task completed, then what the engine ran."""
    passed = []
    if user_task is not None:
        passed.append({"element": user_task.spec_name, "title": user_task.title,
                       "kind": "UserTask"})
    passed += [{"element": c.spec_name, "title": c.title, "kind": c.type}
               for c in step.completed]
    return passed


def ending_of(step: Step) -> dict:
    return {"finished": step.finished,
            "outcome": str(step.data.get("outcome")) if step.finished and
            step.data.get("outcome") is not None else None,
            "waiting": sorted({t.title for t in step.ready})}


def pick(step: Step, element: str, n: int, organisation: str | None = None) -> ReadyTask | None:
    """The ready task of an element for that organisation (a multi-instance request to
    several partners), else the n-th in the engine's order; None when there is none."""
    found = [t for t in step.ready if t.spec_name == element]
    same = [t for t in found if organisation and t.organisation == organisation]
    if same:
        return same[0]
    return found[n] if n < len(found) else (found[-1] if found else None)


def next_timer(step: Step) -> datetime | None:
    """When "jump to the next timer" sets the clock: just past the first waiting timer."""
    return min(t.due_at for t in step.timers) + TIMER_MARGIN if step.timers else None


def _titles(step: Step) -> Phrase:
    if step.finished:
        return say(N_("the process has ended"))
    titles = [f"'{t}'" for t in sorted({t.title for t in step.ready})]
    return say(N_("the draft now waits for %(waiting)s"),
               waiting=titles or say(N_("nothing a person does")))


def _arrows(path: list[dict]) -> str | Phrase:
    return " → ".join(p["title"] for p in path) or say(N_("nothing"))


def _step(title: str) -> Phrase:
    """A step of the scenario named in a message: ``'Check the signal'``."""
    return say(N_("'%(title)s'"), title=title)


_START = say(N_("the start"))
_TIMER = say(N_("a timer"))


def _path_differs(number: int, label: Phrase, saved: list[dict],
                  now: list[dict]) -> Outcome | None:
    if [p["element"] for p in saved] == [p["element"] for p in now]:
        return None
    return Outcome.of(False, say(N_(
        "At step %(num)d (%(label)s) the path now differs: the scenario went through "
        "%(saved)s; the draft now goes through %(now)s."), num=number, label=label,
        saved=_arrows(saved), now=_arrows(now)), number, "path")


class _Run:
    def __init__(self, bundle: Bundle, options: Mapping[str, Collection[str]] | None,
                 reach: Reach | None, now: datetime):
        self.bundle, self.options, self.reach, self.now = bundle, options, reach, now

    def reached(self, number: int, label: Phrase, step: Step) -> Outcome | None:
        problem = self.reach(step.ready) if self.reach else None
        if problem:
            return Outcome.of(False, say(N_("At step %(num)d (%(label)s) the next step reaches "
                                            "nobody: %(problem)s"), num=number, label=label,
                                         problem=problem), number, "failed")
        return None

    def complete(self, number: int, saved: dict, step: Step) -> tuple[Step | None, Outcome | None]:
        label = _step(saved.get("title") or saved["element"])
        task = pick(step, saved["element"], int(saved.get("n", 0)), saved.get("organisation"))
        if task is None:
            return None, Outcome.of(False, say(N_(
                "At step %(num)d the scenario answers %(label)s, but %(now)s."), num=number,
                label=label, now=_titles(step)), number, "waiting")
        schema = self.bundle.form(task.form) if task.form else None
        errors = validate_data(schema, saved.get("data") or {}, self.options) if schema else []
        if errors:
            problems = [say(N_("%(field)s: %(problem)s"),
                            field="/".join(str(p) for p in e.path) or say(N_("the form")),
                            problem=FieldProblem(e.rule, dict(e.values), e.message))
                        for e in errors]
            return None, Outcome.of(False, say(N_(
                "At step %(num)d (%(label)s) the form no longer accepts the saved answers: "
                "%(details)s"), num=number, label=label, details=problems),
                number, "form", [p.english() for p in problems])
        try:
            done = complete(self.bundle, step.state, task.id, saved.get("data") or {},
                            now=self.now)
        except EngineError as error:
            return None, Outcome.of(False, say(N_(
                "At step %(num)d (%(label)s) the process stopped: %(error)s"), num=number,
                label=label, error=str(error)), number, "failed")
        differs = _path_differs(number, label, saved.get("path") or [], path_of(task, done))
        return done, differs or self.reached(number, label, done)

    def timer(self, number: int, saved: dict, step: Step) -> tuple[Step | None, Outcome | None]:
        due = next_timer(step)
        if due is None:
            return None, Outcome.of(False, say(N_(
                "At step %(num)d the scenario jumped to a timer, but none is waiting: "
                "%(now)s."), num=number, now=_titles(step)), number, "waiting")
        self.now = max(self.now, due)
        try:
            done = fire_timers(self.bundle, step.state, now=self.now)
        except EngineError as error:
            return None, Outcome.of(False, say(N_(
                "At step %(num)d (%(label)s) the process stopped: %(error)s"), num=number,
                label=_TIMER, error=str(error)), number, "failed")
        differs = _path_differs(number, _TIMER, saved.get("path") or [], path_of(None, done))
        return done, differs or self.reached(number, _TIMER, done)


def replay(bundle: Bundle, steps: list[dict], ending: Mapping, *, start_data: dict,
           now: datetime, options: Mapping[str, Collection[str]] | None = None,
           start_path: list[dict] | None = None, reach: Reach | None = None) -> Outcome:
    """Play a scenario's steps on ``bundle`` from a fresh start at ``now``; the first
    difference from what the trial saw is the outcome (or ``ok``)."""
    run = _Run(bundle, options, reach, now)
    try:
        step = start(bundle, start_data, now=now)
    except EngineError as error:
        return Outcome.of(False, say(N_("The process does not start: %(error)s"),
                                     error=str(error)), 0, "failed")
    differs = _path_differs(0, _START, start_path or [], path_of(None, step))
    if differs is None:
        differs = run.reached(0, _START, step)
    if differs is not None:
        return differs
    for number, saved in enumerate(steps, start=1):
        action = run.timer if saved.get("action") == "timer" else run.complete
        step, problem = action(number, saved, step)
        if problem is not None:
            return problem
    now_ending = ending_of(step)
    if now_ending != {**now_ending, **dict(ending)}:
        return Outcome.of(False, say(N_("At the end: the scenario %(saved)s; the draft now "
                                        "%(now)s."), saved=_ended(dict(ending)),
                                     now=_ended(now_ending)), None, "ending")
    return runs_as_saved(len(steps))


def runs_as_saved(steps: int) -> Outcome:
    """Pages say "Runs as saved." in the reader's words; the count is for the record."""
    return Outcome(True, f"Runs as saved ({steps} steps).")


def _ended(ending: dict) -> Phrase:
    if ending.get("finished"):
        outcome = ending.get("outcome")
        return say(N_("ends with the outcome '%(outcome)s'"), outcome=outcome) if outcome \
            else say(N_("ends"))
    waiting = [f"'{t}'" for t in ending.get("waiting") or []] or say(N_("nothing"))
    return say(N_("waits for %(waiting)s"), waiting=waiting)
