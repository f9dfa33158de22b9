"""Long cases stay fast: the server cost of a step after 20 review cycles vs a fresh case.

Drives the default bundle (processes/, rules/, forms/) through the engine to its first periodic
review, and a second copy through 20 more cycles (adjust the plan, two partners report their
actions, the review timer fires). It times the step "complete the review" on both, alternately
(load the stored state, run the step, save the new state), and counts the tasks in the saved
state. It does the same with compaction switched off, to show what the naive loop would cost.

Run: .venv/bin/python benchmarks/bench_long_case.py [runs]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from webapp import engine  # noqa: E402
from webapp.engine import runner  # noqa: E402

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# In-process (engine.runner): the engine's own cost, and compaction can be switched off here.
ROLES = ["coordinator", "partner", "process_owner", "admin"]
CYCLES = 20


def example(form: str, **overrides) -> dict:
    data = json.loads((ROOT / "forms" / "examples" / f"{form}.json").read_text())
    return {**data, **overrides}


class Driver:
    def __init__(self, bundle):
        self.bundle, self.now = bundle, T0
        self.step = runner.start(bundle, {"case_code": "MAW-2026-0001"}, now=T0)

    def task(self, spec_name, organisation=None):
        return next(t for t in self.step.ready
                    if t.spec_name == spec_name and organisation in (None, t.organisation))

    def do(self, spec_name, data, organisation=None):
        task = self.task(spec_name, organisation)
        self.step = runner.complete(self.bundle, self.step.state, task.id, data, now=self.now)

    def wait(self, days):
        self.now += timedelta(days=days)
        self.step = runner.fire_timers(self.bundle, self.step.state, now=self.now)

    def cycle(self):
        self.do("review_case", example("review", decision="adjust_plan"))
        self.do("agree_action_plan", example("action-plan"))
        self.do("carry_out_action", example("action-report"), "school")
        self.do("carry_out_action", example("action-report"), "social")
        self.wait(93)


def to_first_review(bundle) -> Driver:
    d = Driver(bundle)
    d.do("register_signal", example("register-signal"))
    d.do("confirm_intake_decision", example("intake-decision", intake_decision="multi_agency"))
    d.do("request_information", example("request-information"))  # police and social
    d.do("answer_information_request", example("information-answer"), "police")
    d.do("answer_information_request", example("information-answer"), "social")
    d.do("case_consultation", example("case-consultation"))
    d.do("agree_action_plan", example("action-plan"))
    d.do("carry_out_action", example("action-report"), "school")
    d.do("carry_out_action", example("action-report"), "social")
    d.wait(93)
    return d


def tasks_in(state: str) -> int:
    dct = json.loads(state)
    return len(dct["tasks"]) + sum(len(s["tasks"]) for s in dct["subprocesses"].values())


def review_step(d: Driver) -> float:
    """ms of load + complete the review + save, from the driver's stored state."""
    task = d.task("review_case")
    data = example("review", decision="continue")
    started = time.perf_counter()
    runner.complete(d.bundle, d.step.state, task.id, data, now=d.now)
    return (time.perf_counter() - started) * 1000


def measure(bundle, runs: int) -> dict:
    """Fresh and late are timed alternately, so a busy machine slows both alike."""
    fresh, late = to_first_review(bundle), to_first_review(bundle)
    for _ in range(CYCLES):
        late.cycle()
    samples: dict[str, list[float]] = {"fresh": [], "late": []}
    for _ in range(runs):
        samples["fresh"].append(review_step(fresh))
        samples["late"].append(review_step(late))
    return {
        name: {"tasks": tasks_in(d.step.state), "bytes": len(d.step.state),
               "ms": statistics.median(samples[name])}
        for name, d in (("fresh", fresh), ("late", late))
    }


def main(runs: int = 200) -> dict:
    bundle = engine.compile_bundle(engine.read_bundle_dir(ROOT), ROLES)
    results = {"compacted": measure(bundle, runs)}
    with mock.patch.object(runner, "compact", lambda wf: 0):
        results["naive"] = measure(bundle, runs)
    for name, r in results.items():
        fresh, late = r["fresh"], r["late"]
        print(f"long case ({name:9s}): review step fresh {fresh['ms']:.2f} ms "
              f"({fresh['tasks']} tasks, {fresh['bytes']} bytes), after {CYCLES} cycles "
              f"{late['ms']:.2f} ms ({late['tasks']} tasks, {late['bytes']} bytes): "
              f"{late['ms'] / fresh['ms']:.2f}x time, {late['tasks'] / fresh['tasks']:.2f}x tasks")
    return results


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
