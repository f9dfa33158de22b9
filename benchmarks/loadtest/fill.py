"""The load test's database: a network with many cases at every stage of the default process.

A handful of template cases are driven through the real services (register, intake,
information requests, consultation, action plan, closure review...); the fill then copies them
with bulk inserts, as benchmarks/run.py does, so 100,000 cases take a minute or two instead of
100,000 runs of the engine. Each copy gets its own code, person, dates (spread over months, so
the inbox has overdue, due-soon and undated tasks), inbox rows, timers, contributions,
involvement and audit trail; one open case in five has comments, one partner task in eight
a draft and one in fifty is claimed by a colleague. The copies keep the template's workflow
state, so every copied task can be opened, advised on, saved as a draft and completed like a
real one.
"""

import hashlib
import json
import random
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

from tests.webapp.helpers import example, requests_for
from webapp.demo import DEMO_PASSWORD, seed
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    Case,
    CaseComment,
    CaseSubject,
    Contribution,
    Involvement,
    Membership,
    Organisation,
    Task,
    TaskDraft,
    Timer,
    User,
    utcnow,
)
from webapp.services import accounts, bundles
from webapp.services import cases as case_service
from webapp.services import tasks as task_service
from webapp.services.audit import Actor

ROOT = Path(__file__).resolve().parents[2]
PARTNERS = ("police", "social", "school", "youthcare", "mentalhealth", "probation")
PAIRS = [(PARTNERS[i], PARTNERS[(i + 1) % len(PARTNERS)]) for i in range(len(PARTNERS))]
COORDINATORS = 10  # load-test accounts: lt_coordinator_01.., and per partner organisation
PARTNER_USERS = 5  # lt_police_01..
PASSWORD = DEMO_PASSWORD
BATCH = 2000
# What makes a filled database stale: its schema, the process bundle, the engine that wrote
# the states, the services that wrote the rows, and this file.
CACHE_INPUTS = ("webapp/models", "webapp/migrations/versions", "webapp/engine", "webapp/services",
                "processes", "rules", "forms", "benchmarks/loadtest/fill.py")


def coordinator_name(n: int) -> str:
    return f"lt_coordinator_{n:02d}"


def partner_name(org: str, n: int) -> str:
    return f"lt_{org}_{n:02d}"


def cache_key(n: int) -> str:
    """A hash of what the filled database depends on (see CACHE_INPUTS) and its size."""
    digest = hashlib.sha256(str(n).encode())
    for name in CACHE_INPUTS:
        top = ROOT / name
        for path in sorted(top.rglob("*")) if top.is_dir() else [top]:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# ---- template cases, driven through the services ----------------------------------------

def _actor(username: str) -> Actor:
    return Actor(user=db.session.scalar(select(User).where(User.username == username)),
                 remote_addr="127.0.0.1")


def _step(case_id: int, username: str, spec: str, data: dict) -> None:
    actor = _actor(username)
    task = db.session.scalar(task_service.inbox_query(actor.user).where(
        Task.case_id == case_id, Task.spec_name == spec).limit(1))
    assert task is not None, f"no {spec} task for {username} in case {case_id}"
    task_service.complete_task(actor, task.id, data)
    db.session.commit()


def _registered(name: str) -> int:
    case = case_service.register_case(_actor(coordinator_name(1)), full_name=name)
    db.session.commit()
    return case.id


def _intake(name: str, **decision) -> int:
    case_id = _registered(name)
    _step(case_id, coordinator_name(1), "register_signal", example("register-signal"))
    if decision:
        _step(case_id, coordinator_name(1), "confirm_intake_decision",
              example("intake-decision", **decision))
    return case_id


def _information(pair) -> int:
    case_id = _intake("Template", intake_decision="multi_agency")
    _step(case_id, coordinator_name(1), "request_information",
          example("request-information", partners=requests_for(*pair)))
    return case_id


def _consultation() -> int:
    case_id = _information(PAIRS[0])
    for org in PAIRS[0]:
        _step(case_id, partner_name(org, 1), "answer_information_request",
              example("information-answer"))
    return case_id


def _planning(next_step: str) -> int:
    case_id = _consultation()
    _step(case_id, coordinator_name(1), "case_consultation",
          example("case-consultation", next_step=next_step))
    return case_id


def _actions(pair) -> int:
    case_id = _planning("action_plan")
    plan = example("action-plan")
    plan["actions"] = [{**row, "organisation": org} for row, org in zip(plan["actions"], pair,
                                                                         strict=True)]
    _step(case_id, coordinator_name(1), "agree_action_plan", plan)
    return case_id


# (stage, share of the cases in percent, how to make its templates); the shares add up to 100.
STAGES = [
    ("signal", 2, lambda: [_registered("Template")]),
    ("intake", 2, lambda: [_intake("Template")]),
    ("information", 15, lambda: [_information(pair) for pair in PAIRS]),
    ("consultation", 4, lambda: [_consultation()]),
    ("plan", 2, lambda: [_planning("action_plan")]),
    ("actions", 15, lambda: [_actions(pair) for pair in PAIRS]),
    ("closure", 5, lambda: [_planning("closure_review")]),
    ("closed", 55, lambda: [_intake("Template", intake_decision="out_of_scope",
                                    intake_reasoning="Only opinions were reported.")]),
]


# ---- copies ------------------------------------------------------------------------------

def _rows(model, case_id: int) -> list[dict]:
    """The template's rows of one table, as column dicts without their ids."""
    table = model.__table__
    found = db.session.execute(select(table).where(table.c.case_id == case_id)).mappings()
    return [{k: v for k, v in row.items() if k != "id"} for row in found]


class Template:
    """One template case, read once, and how to copy it."""

    def __init__(self, stage: str, case_id: int) -> None:
        self.stage = stage
        table = Case.__table__
        self.case = dict(db.session.execute(select(table).where(table.c.id == case_id))
                         .mappings().one())
        for key in ("id", "code"):
            self.case.pop(key)
        self.tasks = _rows(Task, case_id)
        self.children = {model: _rows(model, case_id)
                         for model in (Timer, Contribution, Involvement, AuditEvent)}
        self.open = self.case["status"] != "closed"


def _shifted(row: dict, age: timedelta, *keys: str) -> dict:
    return {**row, **{k: row[k] - age for k in keys if row.get(k) is not None}}


def _copy_batch(templates: list[Template], numbers: range, rng: random.Random,
                users: dict) -> None:
    chosen = [(i, templates[i % len(templates)]) for i in numbers]
    ages = [timedelta(days=(90 if t.open else 1000) * rng.random() ** 2) for _, t in chosen]
    codes = [f"MAW-2025-{i:06d}" for i, _ in chosen]
    case_rows = [_shifted({**t.case, "code": code}, age, "created_at", "updated_at", "closed_at")
                 for (_, t), code, age in zip(chosen, codes, ages, strict=True)]
    ids = db.session.execute(insert(Case).returning(Case.id, sort_by_parameter_order=True),
                             case_rows).scalars().all()
    children: dict = {model: [] for model in (CaseSubject, Timer, Contribution, Involvement,
                                              AuditEvent, CaseComment)}
    task_rows, drafts_for = [], []
    for (i, t), code, age, case_id in zip(chosen, codes, ages, ids, strict=True):
        children[CaseSubject].append({"case_id": case_id, "full_name": f"Person {i}"})
        children[Timer] += [{**row, "case_id": case_id} for row in t.children[Timer]]
        children[Contribution] += [_shifted({**row, "case_id": case_id, "task_id": None}, age,
                                            "submitted_at") for row in t.children[Contribution]]
        children[Involvement] += [_shifted({**row, "case_id": case_id}, age, "created_at")
                                  for row in t.children[Involvement]]
        children[AuditEvent] += [_shifted({**row, "case_id": case_id}, age, "at")
                                 for row in t.children[AuditEvent]]
        for row in t.tasks:
            undated, org = rng.random() < 0.15, row["organisation_id"]
            claimer = users["claimers"].get(org) if rng.random() < 0.02 else None
            task_rows.append(_shifted({**row, "case_id": case_id, "case_code": code,
                                       "due_at": None if undated else row["due_at"],
                                       "claimed_by_id": claimer}, age, "created_at", "due_at"))
            drafts_for.append(row["organisation_id"] is not None and rng.random() < 0.125)
        if t.open and rng.random() < 0.2:
            children[CaseComment] += [
                {"case_id": case_id, "user_id": rng.choice(users["coordinators"]),
                 "organisation_id": users["municipality"], "created_at": utcnow() - age / 2,
                 "body": f"Discussed with the school on the phone ({n + 1}); see the plan."}
                for n in range(rng.randint(1, 3))]
    task_ids = db.session.execute(insert(Task).returning(Task.id, sort_by_parameter_order=True),
                                  task_rows).scalars().all() if task_rows else []
    answer = example("information-answer")
    drafts = [{"task_id": task_id, "user_id": users["partners"][row["organisation_id"]],
               "data": {"risk_factors": answer["risk_factors"]}, "saved_at": row["created_at"]}
              for task_id, row, wanted in zip(task_ids, task_rows, drafts_for, strict=True)
              if wanted and row["organisation_id"] in users["partners"]]
    for model, rows in [*children.items(), (TaskDraft, drafts)]:
        if rows:
            db.session.execute(insert(model), rows)
    db.session.commit()


def _create_users() -> dict:
    """The load test's accounts (the first through the service, the others with its password
    hash: hashing costs 0.1 s each); returns the ids the copies need."""
    first = accounts.create_user(Actor.system(), coordinator_name(1), "Load coordinator 1",
                                 PASSWORD, [("municipality", "coordinator")], is_demo=True)
    orgs = dict(db.session.execute(select(Organisation.code, Organisation.id)).all())
    others = [(coordinator_name(n), f"Load coordinator {n}", "municipality", "coordinator")
              for n in range(2, COORDINATORS + 1)]
    others += [(partner_name(org, n), f"Load {org} {n}", org, "partner")
               for org in PARTNERS for n in range(1, PARTNER_USERS + 1)]
    for username, name, org, role in others:
        user = User(username=username, display_name=name, password_hash=first.password_hash,
                    is_demo=True)
        user.memberships.append(Membership(organisation_id=orgs[org], role=role))
        db.session.add(user)
    db.session.commit()
    users = {u.username: u for u in db.session.scalars(select(User))}
    coordinator = users[coordinator_name(1)]
    return {
        "coordinators": [users[coordinator_name(n)].id for n in range(1, COORDINATORS + 1)],
        "municipality": coordinator.memberships[0].organisation_id,
        "partners": {users[partner_name(org, 1)].memberships[0].organisation_id:
                     users[partner_name(org, 1)].id for org in PARTNERS},
        "claimers": {users[partner_name(org, 2)].memberships[0].organisation_id:
                     users[partner_name(org, 2)].id for org in PARTNERS},
    }


def fill(n: int, log=print) -> dict:
    """Demo organisations and users, the load test's accounts, the bundle, and n cases at
    every stage (see STAGES) in the empty database of the current app. Returns counts."""
    seed(Actor.system())
    bundles.deploy_bundle(Actor.system(), ROOT)
    db.session.commit()
    users = _create_users()
    rng = random.Random(17)  # noqa: S311 - the same spread every time, not secrets
    done = 0
    for stage, share, make in STAGES:
        templates = [Template(stage, case_id) for case_id in make()]
        count = n * share // 100 if stage != STAGES[-1][0] else n - done
        for start in range(done, done + count, BATCH):
            _copy_batch(templates, range(start, min(start + BATCH, done + count)), rng, users)
        done += count
        log(f"  {stage}: {count} cases")
    if db.engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    counts = {model.__tablename__: db.session.scalar(select(db.func.count()).select_from(model))
              for model in (Case, Task, TaskDraft, CaseComment, Contribution, AuditEvent)}
    log("  rows: " + json.dumps(counts))
    return counts
