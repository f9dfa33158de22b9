"""The reliability run's races, as a test: for each open task, several people at once view
it, view its case, save drafts and complete it. Not one request may get a server error, and
each task is completed exactly once (run with MAWFLOW_TEST_BACKEND=postgres for the real
thing: on SQLite writers queue up, on PostgreSQL they truly overlap)."""

import threading

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Contribution, Task
from webapp.services import accounts
from webapp.services.audit import Actor

from ..conftest import PASSWORD
from .helpers import example, to_consultation
from .test_scenarios import formdata

ROUNDS = 3  # each person repeats their part this often per task


def _people(login):
    accounts.create_user(Actor.system(), "police2", "Second Officer", PASSWORD,
                         [("police", "partner")])
    accounts.create_user(Actor.system(), "social2", "Second Worker", PASSWORD,
                         [("social", "partner")])
    db.session.commit()
    return {name: login(name) for name in ("police", "police2", "social", "social2",
                                           "coordinator")}


def _race(app, actions) -> list[tuple[str, int]]:
    """Run each action (a function returning (what, status)) in its own thread, all released
    at once; returns every (what, status)."""
    barrier, results, lock = threading.Barrier(len(actions)), [], threading.Lock()

    def run(action):
        barrier.wait()
        for _ in range(ROUNDS):
            with app.app_context():  # as under a WSGI server: a context per request
                found = action()
                db.session.remove()
            with lock:
                results.append(found)

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_views_drafts_and_completions_of_the_same_tasks_at_once(app, network, login):
    clients = _people(login)
    cases = [to_consultation(("police", "social")) for _ in range(3)]
    codes = {case.id: case.code for case in cases}
    tasks = [(t.id, t.case_id, t.organisation.code) for t in db.session.scalars(
        select(Task).where(Task.spec_name == "answer_information_request").order_by(Task.id))]
    db.session.commit()
    assert len(tasks) == 6
    answer = {**formdata(example("information-answer")), "action": "complete"}
    draft = formdata(example("information-answer", risk_factors="A draft, kept"))
    results = []
    for task_id, case_id, org in tasks:
        first, second = clients[org], clients[f"{org}2"]
        url = f"/tasks/{task_id}"

        def post(client, data, path=url, what="complete"):
            return lambda: (what, client.post(path, data=data).status_code)

        def get(client, path, what):
            return lambda: (what, client.get(path).status_code)

        results += _race(app, [
            post(first, answer), post(second, answer),
            post(first, {**draft, "action": "draft"}, what="draft"),
            post(second, draft, path=f"{url}/draft", what="autosave"),
            get(second, url, "task page"),
            get(clients["coordinator"], f"/cases/{codes[case_id]}", "case page"),
            get(first, f"/shared/{codes[case_id]}", "involved view"),
        ])
    server_errors = [r for r in results if r[1] >= 500]
    assert not server_errors, server_errors
    completions = dict(db.session.execute(
        select(Contribution.task_id, func.count(Contribution.id))
        .where(Contribution.task_id.in_([t[0] for t in tasks]))
        .group_by(Contribution.task_id)).all())
    assert completions == {task_id: 1 for task_id, _, _ in tasks}
    statuses = {what: sorted({s for w, s in results if w == what}) for what, _ in results}
    assert set(statuses["complete"]) <= {200, 302, 409}, statuses
    assert 302 in statuses["complete"] and 409 in statuses["complete"]
    assert set(statuses["autosave"]) <= {200, 409}, statuses
