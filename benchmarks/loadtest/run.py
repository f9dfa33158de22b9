"""make loadtest: a day's mixed load on the app as deployed, measured from outside.

Settings (environment):
  LOADTEST_CASES=100000        cases in the database (see fill.py)
  LOADTEST_CLIENTS=20          simulated people (coordinators and partners, see scenario.py)
  LOADTEST_SECONDS=60          length of the mixed load
  LOADTEST_HEALTHZ_SECONDS     length of the GET /healthz phase (seconds/6, 1..10), half
                               before the mixed load and half at the end; a floor phase
                               (scenario.FLOOR_PAGE) as long as a half comes between
  MAWFLOW_LOADTEST_WORKERS=2   gunicorn sync workers (plus one timer worker process)
  LOADTEST_DATABASE_URL        PostgreSQL database to empty and fill (default: a throwaway
                               SQLite file, filled once per schema, bundle and size and kept
                               in LOADTEST_CACHE_DIR, default instance/loadtest)
  LOADTEST_CLIENT_PROCESSES    processes the simulated people are spread over (up to 4)
  LOADTEST_TIMERS              timers of open cases brought forward to come due during the
                               mixed load, evenly spread (timers.py; default one per second
                               of it); how late the timer worker fires them is
                               timer_lateness_p95_ms
  LOADTEST_FRESH=1             fill again even if a filled SQLite file is cached
  LOADTEST_PROFILE=1           record the web workers with py-spy during the mixed load and
                               print where the time went (pip install py-spy first)

The last line printed is one JSON object (see stats.summarise), with ``cpu_share``: per
phase, the share of the machine's CPU the server, the timer worker and the load's own client
processes used (CpuMeter).
"""

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.loadtest import fill, processes, scenario, stats
from benchmarks.loadtest import timers as timer_probe

ROOT = Path(__file__).resolve().parents[2]
MAX_CLIENT_PROCESSES = 4
RUN_PREFIX = "mawflow-loadtest-"


class Settings:
    def __init__(self, env=os.environ) -> None:
        self.cases = int(env.get("LOADTEST_CASES", "100000"))
        self.clients = int(env.get("LOADTEST_CLIENTS", "20"))
        self.seconds = float(env.get("LOADTEST_SECONDS", "60"))
        self.healthz_seconds = float(env.get("LOADTEST_HEALTHZ_SECONDS")
                                     or max(1.0, min(10.0, self.seconds / 6)))
        self.workers = int(env.get("MAWFLOW_LOADTEST_WORKERS", "2"))
        self.database_url = env.get("LOADTEST_DATABASE_URL", "")
        self.client_processes = int(env.get("LOADTEST_CLIENT_PROCESSES")
                                    or min(MAX_CLIENT_PROCESSES, self.clients))
        self.cache_dir = Path(env.get("LOADTEST_CACHE_DIR") or ROOT / "instance" / "loadtest")
        self.fresh = env.get("LOADTEST_FRESH", "") not in ("", "0")
        self.profile = env.get("LOADTEST_PROFILE", "") not in ("", "0")
        self.timers = int(env.get("LOADTEST_TIMERS") or max(1, int(self.seconds)))
        if min(self.cases, self.clients, self.workers, self.client_processes) < 1 or \
                self.seconds <= 0 or self.healthz_seconds <= 0:
            raise SystemExit("LOADTEST_* settings must be positive numbers")


def _app(uri: str):
    from webapp import create_app

    return create_app({"ENV_NAME": "test", "SECRET_KEY": "loadtest",
                       "SQLALCHEMY_DATABASE_URI": uri})


def _fill_database(uri: str, cases: int) -> None:
    """Migrate the empty database at uri (as `flask db upgrade` does) and fill it."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from webapp.extensions import db

    app = _app(uri)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.drop_all()
            with db.engine.begin() as connection:
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(directory=str(ROOT / "webapp" / "migrations"))
        started = time.perf_counter()
        fill.fill(cases)
        print(f"filled {cases} cases in {time.perf_counter() - started:.0f} s "
              f"({db.engine.dialect.name})", flush=True)
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.remove()
        db.engine.dispose()


def _forms(uri: str) -> dict:
    from webapp.extensions import db
    from webapp.services import bundles

    app = _app(uri)
    with app.app_context():
        bundle = bundles.bundle_for(bundles.latest_version("maw_case"))
        forms = scenario.form_variants(bundle, fill.PARTNERS)
        db.session.remove()
        db.engine.dispose()
    return forms


def prepare_database(settings: Settings, run_dir: Path) -> tuple[str, str]:
    """(database URL for the server, backend name), filled."""
    from webapp.config import normalise_database_url

    if settings.database_url:
        uri = normalise_database_url(settings.database_url)
        _fill_database(uri, settings.cases)
        return uri, "postgresql"
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    cached = settings.cache_dir / f"fill-{settings.cases}-{fill.cache_key(settings.cases)}.sqlite"
    if settings.fresh or not cached.exists():
        building = settings.cache_dir / f".building-{os.getpid()}.sqlite"
        try:
            _fill_database(f"sqlite:///{building}", settings.cases)
            building.rename(cached)
        finally:
            for leftover in settings.cache_dir.glob(f"{building.name}*"):
                leftover.unlink()
        for stale in settings.cache_dir.glob(f"fill-{settings.cases}-*.sqlite"):
            if stale != cached:
                stale.unlink()
    else:
        print(f"using the filled database {cached}", flush=True)
    target = run_dir / "loadtest.sqlite"
    shutil.copyfile(cached, target)
    return f"sqlite:///{target}", "sqlite"


def people(clients: int) -> list[dict]:
    """Every third simulated person a coordinator, the others partners of the six partner
    organisations in turn; each logs in with a load-test account (shared when there are more
    people than accounts)."""
    made, partners = [], 0
    for k in range(clients):
        if k % 3 == 0:
            username, role = fill.coordinator_name((k // 3) % fill.COORDINATORS + 1), "coordinator"
        else:
            org = fill.PARTNERS[partners % len(fill.PARTNERS)]
            username = fill.partner_name(org, (partners // len(fill.PARTNERS))
                                         % fill.PARTNER_USERS + 1)
            role, partners = "partner", partners + 1
        made.append({"username": username, "role": role, "password": fill.PASSWORD})
    return made


def drive(settings: Settings, children: processes.Children, base: str, forms: dict,
          run_dir: Path, master, timer_worker, before_go=lambda go: None
          ) -> tuple[list[dict], dict]:
    """Start the client processes, wait until everyone is logged in, run the phases, and
    return what each process measured and the share of the machine's CPU each group of
    processes used per phase (CpuMeter). ``before_go(unix time)`` is called with the time
    the load will start, before it starts."""
    everyone = people(settings.clients)
    count = min(settings.client_processes, settings.clients)
    clients = []
    for n in range(count):
        config = run_dir / f"client-{n}.json"
        config.write_text(json.dumps({
            "base": base, "people": everyone[n::count], "forms": forms, "seed": 1000 * n,
            "seconds": settings.seconds, "healthz_seconds": settings.healthz_seconds}))
        clients.append(children.start(
            [sys.executable, "-m", "benchmarks.loadtest.client", str(config),
             str(run_dir / f"results-{n}.json")], log=run_dir / f"client-{n}.log",
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
    for client in clients:
        line = _read_line(client, 120)
        if line != "ready":
            raise RuntimeError(f"a client process did not get ready: {line or 'no answer'}\n"
                               + processes.tail(run_dir / "gunicorn.log"))
    start = time.time() + 3.0
    before_go(start)
    start = max(start, time.time() + 0.5)  # a slow machine: the timers come due a bit sooner
    for client in clients:
        client.stdin.write(f"go {start}\n")
        client.stdin.flush()
    half = settings.healthz_seconds / 2
    print(f"load: {half:g} s of GET /healthz, {settings.seconds:g} s of mixed work, {half:g} s "
          f"of GET {scenario.FLOOR_PAGE} (the floor), {half:g} s of GET /healthz; "
          f"{settings.clients} people in {count} processes", flush=True)
    meter = CpuMeter(start, settings, {
        "server": lambda: processes.cpu_seconds([master.pid,
                                                 *processes.gunicorn_workers(master)]),
        "timer_worker": lambda: processes.cpu_seconds([timer_worker.pid]),
        "clients": lambda: processes.cpu_seconds([client.pid for client in clients]),
        "machine": processes.machine_busy_seconds})
    profiler = _profile(children, master, start + settings.healthz_seconds / 2, settings,
                        run_dir)
    for client in clients:
        client.wait(settings.healthz_seconds * 1.5 + settings.seconds + 90)
    meter.join()
    if profiler is not None:
        profiler.wait(60)
    results = []
    for n in range(count):
        path = run_dir / f"results-{n}.json"
        if not path.exists():
            raise RuntimeError(f"client process {n} measured nothing:\n"
                               + processes.tail(run_dir / f"client-{n}.log"))
        results.append(json.loads(path.read_text()))
    return results, meter.shares()


class CpuMeter(threading.Thread):
    """How much of the machine (all its cores over the phase's time) the server (gunicorn's
    master and workers), the timer worker and the load's own client processes used in each
    phase, and the whole machine busy ("machine": with PostgreSQL, its own processes are
    in there and in no group): read from /proc at the phases' edges. The clients run on the
    same cores as the server, so their share is CPU the server did not get; in the /healthz
    phase it shows how far that rate is the load generator's rather than the server's."""

    def __init__(self, start: float, settings: Settings, groups: dict) -> None:
        """``groups``: name -> a function giving its CPU seconds so far."""
        super().__init__(daemon=True)
        half = settings.healthz_seconds / 2
        edges = [start, start + half, start + half + settings.seconds,
                 start + 2 * half + settings.seconds, start + 3 * half + settings.seconds]
        self.edges, self.groups = edges, groups
        self.phases = ["healthz", "mixed", "floor", "healthz"]
        self.readings: list[dict[str, float]] = []
        self.start()

    def run(self) -> None:
        for edge in self.edges:
            time.sleep(max(0.0, edge - time.time()))
            self.readings.append({name: read() for name, read in self.groups.items()})

    def shares(self) -> dict:
        """phase -> group -> share of the machine (0..1); {} when a reading is missing."""
        if len(self.readings) < len(self.edges):
            return {}
        used = {phase: dict.fromkeys(self.groups, 0.0) for phase in self.phases}
        length = dict.fromkeys(self.phases, 0.0)
        for n, phase in enumerate(self.phases):
            length[phase] += self.edges[n + 1] - self.edges[n]
            for name in self.groups:
                used[phase][name] += self.readings[n + 1][name] - self.readings[n][name]
        cores = os.cpu_count() or 1
        return {phase: {name: round(spent / (length[phase] * cores), 3)
                        for name, spent in groups.items()} for phase, groups in used.items()}


def _read_line(process, timeout: float) -> str:
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    return process.stdout.readline().strip() if ready else ""


def _profile(children, master, at: float, settings: Settings, run_dir: Path):
    """py-spy on the web workers during the mixed load (LOADTEST_PROFILE=1), or None."""
    if not settings.profile:
        return None
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        raise SystemExit("LOADTEST_PROFILE needs py-spy: .venv/bin/pip install py-spy")
    time.sleep(max(0.0, at - time.time()))
    return children.start(
        [spy, "record", "--pid", str(master.pid), "--subprocesses", "--format", "raw",
         "--rate", "100", "--duration", str(int(settings.seconds)), "--output",
         str(run_dir / "profile.txt")], log=run_dir / "py-spy.log")


def main() -> None:
    settings = Settings()
    # Ctrl-C, a closed terminal or a kill: stop what was started (the finally below), even
    # when started in the background, where SIGINT comes ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda number, _: sys.exit(128 + number))
    _remove_stale_runs()
    run_dir = Path(tempfile.mkdtemp(prefix=f"{RUN_PREFIX}{os.getpid()}-"))
    children = processes.Children()
    try:
        uri, backend = prepare_database(settings, run_dir)
        forms = _forms(uri)
        env = processes.server_environment(uri)
        master, worker, base = processes.start_server(children, env, settings.workers, run_dir)
        print(f"server: gunicorn, {settings.workers} sync workers and a timer worker, {base}",
              flush=True)
        probe = timer_probe.Probe(_app(uri), settings.timers, settings.healthz_seconds,
                                  settings.seconds)
        results, cpu = drive(settings, children, base, forms, run_dir, master, worker,
                             probe.before_go)
        for process, name in ((master, "gunicorn"), (worker, "timer worker")):
            if process.poll() is not None:
                raise RuntimeError(f"the {name} stopped during the load test")
        summary = stats.summarise(results, seconds=settings.seconds,
                                  healthz_seconds=settings.healthz_seconds,
                                  clients=settings.clients, workers=settings.workers,
                                  backend=backend, cases=settings.cases,
                                  timer_lateness=probe.lateness())
        summary["cpu_share"] = cpu
        _report(results, summary, run_dir, settings)
        print(json.dumps(summary), flush=True)
    except KeyboardInterrupt:
        print("load test stopped", file=sys.stderr)
        raise SystemExit(130) from None
    finally:
        children.stop_all()
        shutil.rmtree(run_dir, ignore_errors=True)


def _remove_stale_runs() -> None:
    """The folders of runs that were killed (kill -9) before they could remove them."""
    for folder in Path(tempfile.gettempdir()).glob(f"{RUN_PREFIX}*-*"):
        pid = folder.name.removeprefix(RUN_PREFIX).split("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(folder, ignore_errors=True)


def _report(results: list[dict], summary: dict, run_dir: Path, settings: Settings) -> None:
    """Human-readable lines before the JSON: per type, examples of errors, the profile."""
    print(f"{'request':<14}{'n':>7}{'server p50':>12}{'p95':>9}{'client p50':>12}{'p95':>9}")
    for kind, row in summary["per_type"].items():
        print(f"{kind:<14}{row['n']:>7}{_ms(row['server_p50_ms']):>12}"
              f"{_ms(row['server_p95_ms']):>9}{_ms(row['client_p50_ms']):>12}"
              f"{_ms(row['client_p95_ms']):>9}")
    examples = [e for result in results for e in result["examples"]]
    if examples:
        print("errors and unexpected answers (first ones):\n  " + "\n  ".join(examples[:20]))
    if summary["errors"]:
        print(processes.tail(run_dir / "gunicorn.log"))
    timers = summary["timers"]
    print(f"timers brought forward: {timers['due']}, fired: {timers['fired']}, ended by a "
          f"person's step before due: {timers['ended_by_a_step']}, late by "
          f"{_ms(timers['lateness_p50_ms'])} ms (p50), {_ms(summary['timer_lateness_p95_ms'])} "
          "ms (p95)")
    for phase, groups in summary.get("cpu_share", {}).items():
        print(f"CPU in the {phase} phase (share of all cores): "
              + ", ".join(f"{name} {share:.0%}" for name, share in groups.items()))
    if timers["fired"] + timers["ended_by_a_step"] < timers["due"]:
        print(processes.tail(run_dir / "worker.log"))
    profile = run_dir / "profile.txt"
    if settings.profile and profile.exists():
        from benchmarks.loadtest import profile as profile_summary

        kept = settings.cache_dir / f"profile-{summary['backend']}-{int(time.time())}.txt"
        settings.cache_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(profile, kept)
        print(f"profile (py-spy, collapsed stacks): {kept}")
        print(profile_summary.summary(profile.read_text()))


def _ms(value) -> str:
    return "-" if value is None else f"{value:.1f}"


if __name__ == "__main__":
    main()
