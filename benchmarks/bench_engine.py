"""Per-step engine cost on the engine test bundle: load state + complete + save (median ms),
in-process (engine.runner: the engine's own cost) and in a worker process (engine.isolation,
what the application pays: the step plus sending the state there and back).

Run: .venv/bin/python benchmarks/bench_engine.py [runs]
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from webapp import engine
from webapp.engine import isolation, runner

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _timed(func):
    started = time.perf_counter()
    result = func()
    return result, (time.perf_counter() - started) * 1000


def one_case(bundle, engine=runner) -> dict[str, float]:
    """Run one case through every step with ``engine`` (runner or isolation); return ms per
    named step."""
    times = {}
    step, times["start"] = _timed(lambda: engine.start(bundle, {"case_code": "B-1"}, now=T0))
    data = {"urgency": "high", "partners": ["police", "school", "youth_care"]}
    rid = step.ready[0].id
    step, times["register (+DMN, script, MI)"] = _timed(
        lambda: engine.complete(bundle, step.state, rid, data, now=T0)
    )
    for index, task in enumerate(step.ready):
        state = step.state
        step, times[f"answer {index + 1}"] = _timed(
            lambda s=state, t=task: engine.complete(bundle, s, t.id, {"answer": "ok"}, now=T0)
        )
    later = T0 + timedelta(days=40)
    step, times["fire timer (+script, end)"] = _timed(
        lambda: engine.fire_timers(bundle, step.state, now=later)
    )
    _, times["snapshot"] = _timed(lambda: engine.snapshot(bundle, step.state, now=later))
    return times


def main(runs: int = 200) -> None:
    files = engine.read_bundle_dir(ROOT / "tests" / "engine" / "bundles" / "casework")
    bundle, compile_ms = _timed(lambda: engine.compile_bundle(files, ["coordinator", "partner"]))
    spec_json = bundle.spec_json()
    _, stored_ms = _timed(lambda: engine.Bundle.from_stored(files, spec_json))
    samples: dict[str, list[float]] = {}
    isolated: dict[str, list[float]] = {}
    one_case(bundle, isolation)  # the worker starts and receives the bundle
    for _ in range(runs):
        for name, ms in one_case(bundle).items():
            samples.setdefault(name, []).append(ms)
        for name, ms in one_case(bundle, isolation).items():
            isolated.setdefault(name, []).append(ms)
    print(f"compile_bundle: {compile_ms:.1f} ms; Bundle.from_stored: {stored_ms:.2f} ms; "
          f"spec_json {len(spec_json)} chars")  # fmt: skip
    print(f"{'':30s} {'in-process':>17s} {'in a worker':>12s}")
    for name, values in samples.items():
        print(f"{name:30s} median {statistics.median(values):6.2f} ms "
              f"{statistics.median(isolated[name]):9.2f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
