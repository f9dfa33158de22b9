"""make bench: server time of the inbox and of completing a task with many cases.

Fills a throwaway database (SQLite by default, PostgreSQL with BENCH_DATABASE_URL) with
BENCH_CASES cases (default 100,000) by copying one real case, then times the web requests
a partner and a coordinator make. Prints medians in milliseconds.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.webapp.helpers import actor, example, to_consultation  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.config import normalise_database_url  # noqa: E402
from webapp.demo import DEMO_PASSWORD, seed  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import Case, Organisation, Task  # noqa: E402
from webapp.services import bundles, tasks  # noqa: E402
from webapp.services.audit import Actor  # noqa: E402


def timed(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def fill(n: int) -> None:
    """n cases, each with one open partner task for the police (copies of a real case)."""
    template = to_consultation(("police",))
    task = db.session.scalar(select(Task).where(Task.case_id == template.id))
    police = db.session.scalar(select(Organisation.id).where(Organisation.code == "police"))
    batch = 5000
    for start in range(0, n, batch):
        rows = [{"code": f"MAW-1999-{start + i:06d}", "process_version_id":
                 template.process_version_id, "state": template.state, "status": "open",
                 "version": 1, "current_step": "Answer information request",
                 "created_at": template.created_at, "updated_at": template.updated_at}
                for i in range(min(batch, n - start))]
        ids = db.session.execute(insert(Case).returning(Case.id), rows).scalars().all()
        db.session.execute(insert(Task), [
            {"case_id": cid, "spiff_task_id": task.spiff_task_id, "spec_name": task.spec_name,
             "title": task.title, "lane": "partner", "organisation_id": police,
             "form": task.form, "due_at": task.due_at, "created_at": task.created_at}
            for cid in ids])
        db.session.commit()


def main() -> None:
    n = int(os.environ.get("BENCH_CASES", "100000"))
    folder = tempfile.mkdtemp()
    url = os.environ.get("BENCH_DATABASE_URL")
    app = create_app({
        "ENV_NAME": "test", "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(url) if url
        else f"sqlite:///{folder}/bench.sqlite",
    })
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed(Actor.system())
        bundles.deploy_bundle(Actor.system(), ROOT)
        db.session.commit()
        started = time.perf_counter()
        fill(n)
        print(f"filled {n} cases in {time.perf_counter() - started:.1f} s")

        client = app.test_client()
        client.post("/login", data={"username": "police", "password": DEMO_PASSWORD})
        inbox_ms = timed(lambda: client.get("/"), 50)
        print(f"inbox page (police, {n} open tasks): {inbox_ms:.2f} ms median")
        for url in ("/?sort=case&page=50", "/?code=0999&due=overdue", "/?tab=mine"):
            print(f"inbox {url}: {timed(lambda u=url: client.get(u), 20):.2f} ms median")

        answer = example("information-answer")
        samples = []
        for _ in range(30):
            case = to_consultation(("police",))
            task = db.session.scalar(select(Task).where(Task.case_id == case.id))
            db.session.commit()
            start = time.perf_counter()
            tasks.complete_task(actor("police"), task.id, answer)
            db.session.commit()
            samples.append((time.perf_counter() - start) * 1000)
        print(f"complete a task (service + commit): {statistics.median(samples):.2f} ms median")
    engine_bench = ROOT / "benchmarks" / "bench_engine.py"
    subprocess.run([sys.executable, str(engine_bench)], check=False)  # noqa: S603
    long_case = ROOT / "benchmarks" / "bench_long_case.py"
    subprocess.run([sys.executable, str(long_case)], check=False)  # noqa: S603


if __name__ == "__main__":
    main()
