"""A short run of `make loadtest` (two people, a few seconds, a few hundred cases), so the
load test keeps working as the pages change: it fills, serves, drives every kind of request,
reports its figures and leaves nothing running. Its figures are not judged here."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import BACKEND, ROOT

KEYS = {"requests_per_s", "completions_per_s", "healthz_per_s", "ratio", "errors",
        "unexpected", "conflicts", "clients", "workers", "backend", "cases", "seconds",
        "timer_lateness_p95_ms", "timers", "per_type", "floor_per_s", "floor_ratio",
        "cpu_share"}
PER_TYPE = {"n", "server_p50_ms", "server_p95_ms", "client_p50_ms", "client_p95_ms"}


def _left_running(marker: str) -> list[str]:
    """Processes whose command line or environment names the run's folder."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and int(proc.name) != os.getpid():
            try:
                seen = (proc / "cmdline").read_bytes() + (proc / "environ").read_bytes()
            except OSError:
                continue
            if marker.encode() in seen:
                found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
    return found


@pytest.mark.db
def test_a_short_load_test_reports_its_figures_and_stops_what_it_started(tmp_path):
    env = {**os.environ, "LOADTEST_CASES": "300", "LOADTEST_CLIENTS": "2",
           "LOADTEST_SECONDS": "5", "LOADTEST_HEALTHZ_SECONDS": "1",
           "LOADTEST_CACHE_DIR": str(tmp_path)}
    env.pop("LOADTEST_DATABASE_URL", None)
    if BACKEND == "postgres":
        if not os.environ.get("TEST_DATABASE_URL"):
            pytest.skip("TEST_DATABASE_URL is not set")
        env["LOADTEST_DATABASE_URL"] = os.environ["TEST_DATABASE_URL"]
    run = subprocess.Popen([sys.executable, "-m", "benchmarks.loadtest"], cwd=ROOT, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output, _ = run.communicate(timeout=300)
    assert run.returncode == 0, output[-3000:]
    figures = json.loads(output.strip().splitlines()[-1])
    assert set(figures) >= KEYS, output[-3000:]
    assert (figures["errors"], figures["unexpected"]) == (0, 0), output[-3000:]
    assert (figures["clients"], figures["workers"]) == (2, 2)
    assert figures["backend"] == ("postgresql" if BACKEND == "postgres" else "sqlite")
    assert {"healthz", "floor", "inbox", "task_page", "complete"} <= set(figures["per_type"])
    for row in figures["per_type"].values():
        assert set(row) == PER_TYPE and row["server_p50_ms"] is not None
    assert figures["completions_per_s"] > 0  # people finished tasks, not only looked
    assert figures["healthz_per_s"] > 0 and figures["ratio"] > 0
    assert figures["floor_per_s"] > 0 and figures["floor_ratio"] > 0
    # who used the machine in each phase: the server worked in the mixed one, and the
    # clients' own share is told (they run on the same cores)
    shares = figures["cpu_share"]
    assert set(shares) == {"healthz", "mixed", "floor"}, shares
    assert all(set(groups) == {"server", "timer_worker", "clients", "machine"}
               for groups in shares.values())
    # the whole machine was at least as busy as the server (read a few ms apart: a tick)
    assert all(groups["machine"] >= groups["server"] - 0.02 for groups in shares.values()), \
        shares
    assert shares["mixed"]["server"] > 0 and shares["healthz"]["clients"] > 0, shares
    # timers brought forward into the run fired by themselves, and their lateness is told;
    # the only ones that did not fire are those a person's step ended before they came due
    # (a partner answered while the deadline ran)
    timers = figures["timers"]
    assert timers["fired"] > 0, output[-3000:]
    assert timers["fired"] + timers["ended_by_a_step"] == timers["due"], output[-3000:]
    assert figures["timer_lateness_p95_ms"] is not None
    assert _left_running(f"mawflow-loadtest-{run.pid}-") == []
