"""make bench: server time of the inbox and of completing a task with many cases.

Fills a throwaway database (SQLite by default, PostgreSQL with BENCH_DATABASE_URL) with
BENCH_CASES cases (default 100,000) by copying real cases, then times the web requests a
partner and a coordinator make. Prints medians in milliseconds; "queries" is the part of the
request spent in loading the inbox (services.inbox.load_inbox) or the overview
(services.overview.load_overview), the rest is mostly rendering.

The coordinator's overview of the partners' open tasks is timed twice: with every case's
police task open (100,000 open partner tasks), and, at the end, with 10,000 of them left open
among the 100,000 cases (the others deleted), the situation its target is set for.

Server time is what the application spends on a request, from the moment the WSGI server
hands it over until the response body is produced (the test client's own work is not
counted). Each request runs as in production: its own application context, database session
and login; after a form is sent the browser's redirect is followed (untimed), which shows
the "done" message once, as a person's browser does.
"""

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, func, insert, select, text, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_evaluation import fill_history, time_evaluation  # noqa: E402
from benchmarks.bench_mail import sender_throughput  # noqa: E402
from tests.webapp.helpers import example, requests_for, to_consultation  # noqa: E402
from tests.webapp.test_scenarios import formdata  # noqa: E402
from webapp import create_app, engine  # noqa: E402
from webapp.config import normalise_database_url  # noqa: E402
from webapp.demo import DEMO_PASSWORD, seed  # noqa: E402
from webapp.engine import runner  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import Case, Task, User  # noqa: E402
from webapp.services import bundles, notifications  # noqa: E402
from webapp.services import inbox as inbox_service  # noqa: E402
from webapp.services import overview as overview_service  # noqa: E402
from webapp.services.audit import Actor  # noqa: E402
from webapp.services.cases import lock_case  # noqa: E402

POLICE_PAGES = ("/?sort=case&page=50", "/?code=0999", "/?code=0999&due=overdue", "/?tab=mine",
                "/?step=answer_information_request", "/?due=none", "/?sort=waiting",
                "/?sort=step", "/?page=1000")
RUNS = 100  # task completions timed
ROUNDS = 5  # the engine floor and the submits are timed in turns (see complete_tasks)
COORDINATOR_PAGES = ("/", "/?tab=role&sort=waiting", "/?page=20")
OVERVIEW_PAGES = ("/overview", "/overview?organisation=police", "/overview?page=100")
OVERVIEW_OPEN = 10_000  # open partner tasks among all the cases, for the overview's target


def _copy(task: Task, case_id: int, **changes) -> dict:
    row = {"case_id": case_id, "spiff_task_id": task.spiff_task_id, "spec_name": task.spec_name,
           "title": task.title, "lane": task.lane, "organisation_id": task.organisation_id,
           "form": task.form, "due_at": task.due_at, "created_at": task.created_at}
    return {**row, **changes}


def fill(n: int) -> None:
    """n cases (copies of a real case), each with an open partner task for the police (one in
    five a reminder); due dates spread over three months (one in seven has none), arrived over
    the last months. One case in ten also has a review task for the coordinators (role-wide)."""
    template = to_consultation(("police",))
    police_task = db.session.scalar(select(Task).where(Task.case_id == template.id))
    due, arrived = police_task.due_at, police_task.created_at
    batch = 5000
    for start in range(0, n, batch):
        numbers = range(start, min(start + batch, n))
        rows = [{"code": f"MAW-1999-{i:06d}", "process_version_id":
                 template.process_version_id, "state": template.state, "status": "open",
                 "version": 1, "current_step": "Answer information request",
                 "created_at": template.created_at, "updated_at": template.updated_at}
                for i in numbers]
        ids = db.session.execute(insert(Case).returning(Case.id), rows).scalars().all()
        task_rows = []
        for i, case_id in zip(numbers, ids, strict=True):
            spread = (i * 7919) % 2160  # hours: three months
            reminder = {"spec_name": "answer_after_reminder",
                        "title": "Reminder: information request"} if i % 5 == 1 else {}
            code = f"MAW-1999-{i:06d}"
            task_rows.append(_copy(
                police_task, case_id, **reminder, case_code=code,
                due_at=None if i % 7 == 0 else due + timedelta(hours=spread - 720),
                created_at=arrived - timedelta(minutes=(i * 104729) % n)))
            if i % 10 == 0:
                task_rows.append(_copy(
                    police_task, case_id, spiff_task_id=str(uuid.UUID(int=i)), case_code=code,
                    spec_name="review_case", title="Review the case", lane="coordinator",
                    organisation_id=None, form=None,
                    due_at=None if i % 3 == 0 else due + timedelta(hours=spread),
                    created_at=arrived - timedelta(minutes=i % 9973)))
        db.session.execute(insert(Task), task_rows)
        db.session.commit()
    police = db.session.scalar(select(User.id).where(User.username == "police"))
    db.session.execute(update(Task).where(Task.lane == "partner", Task.id % 4000 == 7)
                       .values(claimed_by_id=police))
    db.session.commit()


class ServerClock:
    """Milliseconds the application spends per request (wraps app.wsgi_app)."""

    def __init__(self, app) -> None:
        self.samples: list[float] = []
        inner = app.wsgi_app

        def timed(environ, start_response):
            start = time.perf_counter()
            try:
                return list(inner(environ, start_response))
            finally:
                self.samples.append((time.perf_counter() - start) * 1000)

        app.wsgi_app = timed

    def last(self) -> float:
        return self.samples[-1]


class Stopwatch:
    """Milliseconds spent in a module's function since the last reset (wraps it)."""

    def __init__(self, module, name: str) -> None:
        self.ms = 0.0
        function = getattr(module, name)

        def timed_call(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.ms += (time.perf_counter() - start) * 1000

        setattr(module, name, timed_call)


def time_page(client, clock: ServerClock, watch: Stopwatch, url: str, runs: int) -> str:
    """Median server and inbox-loading milliseconds of one inbox URL."""
    client.get(url)
    total, loading = [], []
    for _ in range(runs):
        watch.ms = 0.0
        assert client.get(url).status_code == 200
        total.append(clock.last())
        loading.append(watch.ms)
    return (f"{statistics.median(total):.2f} ms median "
            f"(queries {statistics.median(loading):.2f} ms)")


def login(app, username: str):
    """A logged-in browser; ``client.csrf`` is its session's CSRF token, as forms carry it."""
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                           "csrf_token": _csrf(client.get("/login").text)})
    assert response.status_code == 302, response.text[:300]
    client.csrf = _csrf(client.get("/").text)  # a new session at login, a new token
    return client


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def main() -> None:
    n = int(os.environ.get("BENCH_CASES", "100000"))
    folder = tempfile.mkdtemp()
    url = os.environ.get("BENCH_DATABASE_URL")
    # Every page in Dutch (BENCH_LANGUAGE): the bundle's texts translated, as most users read it.
    language = os.environ.get("BENCH_LANGUAGE", "nl")
    app = create_app({
        "ENV_NAME": "test", "SECRET_KEY": "bench",
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(url) if url
        else f"sqlite:///{folder}/bench.sqlite",
        "DEFAULT_LANGUAGE": language,
    })
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed(Actor.system())
        bundles.deploy_bundle(Actor.system(), ROOT)
        db.session.commit()
        started = time.perf_counter()
        fill(n)
        events = fill_history(db.session.scalars(select(Case.id)).all(),
                              db.session.scalar(select(Case.process_version_id).limit(1)))
        if db.engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        print(f"filled {n} cases ({events} history events) in "
              f"{time.perf_counter() - started:.1f} s ({db.engine.dialect.name}; "
              f"pages in {language!r})")

    # From here on every request has its own application context, as under a WSGI server.
    clock, watch = ServerClock(app), Stopwatch(inbox_service, "load_inbox")
    police = login(app, "police")
    print(f"inbox page with tab counts (police, {n} open tasks): "
          f"{time_page(police, clock, watch, '/', 50)}")
    for page in POLICE_PAGES:
        print(f"inbox {page} (police): {time_page(police, clock, watch, page, 20)}")
    coordinator = login(app, "coordinator")
    for page in COORDINATOR_PAGES:
        print(f"inbox {page} (coordinator, {n // 10} tasks): "
              f"{time_page(coordinator, clock, watch, page, 20)}")

    overview_watch = Stopwatch(overview_service, "load_overview")
    for page in OVERVIEW_PAGES:
        print(f"overview {page} (coordinator, {n} open partner tasks): "
              f"{time_page(coordinator, clock, overview_watch, page, 20)}")

    inbox_ms = page_median(coordinator, clock, "/", 50)
    print(f"inbox page of a user with {n // 10} open tasks among {n} cases: "
          f"{inbox_ms:.2f} ms median")
    evaluation = time_evaluation(app, login(app, "evaluator"), clock)
    figures = {**complete_tasks(app, clock, n, inbox_ms), **evaluation}
    figures.update(five_steps(app, clock, n))
    figures["overview_ms"] = overview_at_target(app, clock, overview_watch, n)
    # Last of what reads the filled database: with BENCH_DATABASE_URL the mail benchmark
    # empties that same database for its outbox.
    figures["mail_per_s"] = sender_throughput()
    engine_bench = ROOT / "benchmarks" / "bench_engine.py"
    subprocess.run([sys.executable, str(engine_bench)], check=False)  # noqa: S603
    long_case = ROOT / "benchmarks" / "bench_long_case.py"
    subprocess.run([sys.executable, str(long_case)], check=False)  # noqa: S603
    print(json.dumps(figures))


def overview_at_target(app, clock: ServerClock, watch: Stopwatch, n: int) -> float:
    """The overview with OVERVIEW_OPEN open partner tasks among the n cases: the others'
    partner tasks are deleted (spread evenly, so every organisation filter and page still
    has tasks). Returns the median server time of its first page."""
    with app.app_context():
        ids = db.session.scalars(select(Task.id).where(Task.lane == "partner")
                                 .order_by(Task.id)).all()
        keep = set(ids[::max(1, len(ids) // OVERVIEW_OPEN)][:OVERVIEW_OPEN])
        gone = [i for i in ids if i not in keep]
        for start in range(0, len(gone), 5000):
            db.session.execute(delete(Task).where(Task.id.in_(gone[start:start + 5000])))
        db.session.commit()
        left = db.session.scalar(select(func.count()).select_from(Task)
                                 .where(Task.lane == "partner"))
    coordinator = login(app, "coordinator")
    for page in OVERVIEW_PAGES[1:]:
        print(f"overview {page} (coordinator, {left} open partner tasks among {n} cases): "
              f"{time_page(coordinator, clock, watch, page, 20)}")
    print(f"overview (coordinator, {left} open partner tasks among {n} cases): "
          f"{time_page(coordinator, clock, watch, OVERVIEW_PAGES[0], 50)}")
    return page_median(coordinator, clock, OVERVIEW_PAGES[0], 50)


def page_median(client, clock: ServerClock, url: str, runs: int) -> float:
    samples = []
    for _ in range(runs):
        client.get(url).close()
        samples.append(clock.last())
    return round(statistics.median(samples), 2)


def complete_tasks(app, clock: ServerClock, n: int, inbox_ms: float) -> dict:
    """The engine floor (load + complete + save of one mid-process step, in-process), the same
    step in an engine worker process (as the application runs it) and the server's whole cost
    of completing that step through its HTTP POST, for a partner's information-request answer
    among n cases. The ratio is to the in-process floor: the worker's round trip counts as
    the application's cost.

    The two are timed in turns (ROUNDS rounds of floor samples, then submits), so a slow
    spell of a shared machine falls on both rather than on one side of the ratio."""
    answer = example("information-answer")
    with app.app_context():
        ready = []
        for _ in range(RUNS):
            case = to_consultation(("police",))
            ready.append(db.session.scalar(select(Task.id).where(Task.case_id == case.id)))
        db.session.commit()
        first = db.session.get(Task, ready[0])
        version = db.session.get(Case, first.case_id).process_version
        bundle, state = bundles.bundle_for(version), lock_case(first.case_id).state
        spiff_id = first.spiff_task_id
        db.session.rollback()
    police = login(app, "police")
    body = {**formdata(answer), "action": "complete", "csrf_token": police.csrf}
    floor, posts, isolated, outbox, pages = [], [], [], [], []
    outbox_watch = Stopwatch(notifications, "write_step")
    per_round = RUNS // ROUNDS
    for first in range(0, RUNS, per_round):
        for _ in range(per_round):
            start = time.perf_counter()
            runner.complete(bundle, state, spiff_id, answer)
            floor.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            engine.complete(bundle, state, spiff_id, answer)
            isolated.append((time.perf_counter() - start) * 1000)
        for task_id in ready[first:first + per_round]:
            police.get(f"/tasks/{task_id}").close()  # the page the answer is typed into
            pages.append(clock.last())
            outbox_watch.ms = 0.0
            response = police.post(f"/tasks/{task_id}", data=body)
            posts.append(clock.last())
            outbox.append(outbox_watch.ms)
            assert response.status_code == 302, response.text[:500]
            police.get(response.location).close()  # the browser follows: inbox and message
    engine_ms = round(statistics.median(floor), 2)
    worker_ms = round(statistics.median(isolated), 2)
    median = round(statistics.median(posts), 2)
    p90 = round(statistics.quantiles(posts, n=10)[-1], 2)
    print(f"engine floor (load + complete + save of a partner's answer): {engine_ms:.2f} ms median")
    print(f"the same step in an engine worker process: {worker_ms:.2f} ms median")
    print(f"complete that task through its HTTP POST ({n} cases): {median:.2f} ms median, "
          f"{p90:.2f} ms p90, {median / engine_ms:.1f}x the engine floor")
    page_ms = round(statistics.median(pages), 2)
    print(f"that task's page (GET, the answer form with what the partner was asked): "
          f"{page_ms:.2f} ms median, {page_ms / median:.2f}x completing it")
    outbox_ms = round(statistics.median(outbox), 3)
    print(f"of which writing its notification outbox rows (a new task for the coordinators, "
          f"the partner's answer; one insert): {outbox_ms:.3f} ms median")
    return {"engine_step_ms": engine_ms, "engine_worker_step_ms": worker_ms,
            "task_complete_ms": median,
            "task_complete_p90_ms": p90, "ratio": round(median / engine_ms, 2),
            "task_page_ms": page_ms, "task_page_to_complete": round(page_ms / median, 2),
            "inbox_ms": inbox_ms, "outbox_ms": outbox_ms}


FIVE_STEP_CASES = 20


def five_steps(app, clock: ServerClock, n: int) -> dict:
    """The server time of a case's first five steps through HTTP, each straight to the next
    (no inbox between): the coordinator registers a case and is sent on to registering the
    signal, then to the intake decision (to the table), then to requesting information from
    the police; the police open their answer from the link they were sent and answer. The
    POSTs are summed (``case_5_steps_ms``), and with the GET of each next task page the
    browser follows (``case_5_steps_with_pages_ms``). Median of FIVE_STEP_CASES cases."""
    coordinator, police = login(app, "coordinator"), login(app, "police")
    answers = [formdata(example("register-signal")),
               formdata(example("intake-decision", intake_decision="multi_agency")),
               formdata(example("request-information", partners=requests_for("police")))]
    posts, with_pages = [], []
    for number in range(FIVE_STEP_CASES):
        spent, pages = [], []
        response = coordinator.post("/cases/new", data={"full_name": f"Five steps {number}",
                                                        "csrf_token": coordinator.csrf})
        spent.append(clock.last())
        for answer in answers:
            assert response.status_code == 302 and "/tasks/" in response.location, \
                response.text[:300]
            task_url = response.location
            coordinator.get(task_url).close()
            pages.append(clock.last())
            response = coordinator.post(task_url, data={**answer, "action": "complete",
                                                        "csrf_token": coordinator.csrf})
            spent.append(clock.last())
        assert response.status_code == 302, response.text[:300]
        with app.app_context():  # the link in the police's notification (not timed)
            task_id = db.session.scalar(select(Task.id).where(
                Task.spec_name == "answer_information_request", Task.lane == "partner")
                .order_by(Task.id.desc()).limit(1))
        police.get(f"/tasks/{task_id}").close()
        pages.append(clock.last())
        response = police.post(f"/tasks/{task_id}", data={
            **formdata(example("information-answer")), "action": "complete",
            "csrf_token": police.csrf})
        spent.append(clock.last())
        assert response.status_code == 302, response.text[:300]
        posts.append(sum(spent))
        with_pages.append(sum(spent) + sum(pages))
    steps_ms = round(statistics.median(posts), 2)
    paged_ms = round(statistics.median(with_pages), 2)
    print(f"a case's first five steps through HTTP, each straight to the next ({n} cases): "
          f"{steps_ms:.2f} ms of server time median, {paged_ms:.2f} ms with the task pages")
    return {"case_5_steps_ms": steps_ms, "case_5_steps_with_pages_ms": paged_ms}


if __name__ == "__main__":
    main()
