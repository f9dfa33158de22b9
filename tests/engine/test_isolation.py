"""Owner code runs in worker processes with hard limits: a single long C-level operation (a huge
power, a giant string or list) cannot hold the server, wherever a process owner wrote it."""

from __future__ import annotations

import pickle
import threading
import time

import pytest

from tests.process.common import ROOT, example
from webapp import engine
from webapp.engine import channel, isolation
from webapp.engine.bundle import build_bundle

from .conftest import CASE, T0, variant

POWER = "10**(4*10**6) > 1"  # about a second of CPU in one C call, the interpreter lock held
REGISTER = {"urgency": "high", "partners": ["police", "school"]}


@pytest.fixture
def tight(engine_limits):
    """Half a second per engine call, so a payload that runs a second or more is stopped."""
    return engine_limits(step_seconds=0.5, script_seconds=0.3)


def _at_register(bundle):
    return engine.start(bundle, {"case_code": "MAW-9"}, now=T0)


def _complete_register(bundle, step):
    return engine.complete(bundle, step.state, step.ready[0].id, REGISTER, now=T0)


def _fails_naming(element: str, title: str, run, words: str) -> engine.ScriptError:
    started = time.monotonic()
    with pytest.raises(engine.ScriptError) as info:
        run()
    assert time.monotonic() - started < 10  # a generous bound: the limit, not the payload
    assert (info.value.task_name, info.value.task_title) == (element, title)
    assert words in str(info.value)
    assert str(info.value).startswith(f"element '{element}' ({title})")
    return info.value


# --- one C-level operation in a script is stopped, and the next call works ------------------
@pytest.mark.parametrize(("payload", "words"), [
    (f"big = {POWER}", "ran longer than a process step may take (0.5 s)"),
    ("size = len('x' * 10**9)", "more memory than a process step may use"),
    ("zeros = [0] * (2 * 10**8)", "more memory than a process step may use"),
])
def test_c_level_payload_in_a_script_is_stopped_and_the_engine_goes_on(files, tight, payload,
                                                                        words):
    bundle = build_bundle(variant(files, CASE, "deadline_days = 7", payload))
    step = _at_register(bundle)
    _fails_naming("build_requests", "Build requests", lambda: _complete_register(bundle, step),
                  words)
    again = engine.snapshot(bundle, step.state, now=T0)  # a new worker if the old one was killed
    assert [t.spec_name for t in again.ready] == ["register"]


# --- every place a process owner writes code is covered -------------------------------------
@pytest.mark.parametrize(("old", "new", "element", "title", "when"), [
    ('"urgent_care"', f'"urgent_care" if {POWER} else ""', "triage", "Triage", "complete"),
    ('"P5D"', f'"P5D" if {POWER} else "P6D"', "reminder", "Deadline reminder", "complete"),
    ('request[&quot;organisation&quot;]', f'request[&quot;organisation&quot;] if {POWER} else 1',
     "answer_request", "Answer request", "complete"),
    ('f&quot;P{deadline_days}D&quot;', f'&quot;P7D&quot; if {POWER} else 1', "answer_request",
     "Answer request", "complete"),
    ('&quot;P2D&quot;', f'&quot;P2D&quot; if {POWER} else 1', "register", "Register signal",
     "start"),
    ("Register case **{{ case_code }}**", "Register case {{ (10**(4*10**6)) > 1 }}", "register",
     "Register signal", "start"),
])
def test_every_kind_of_owner_code_is_stopped_naming_its_element(files, tight, old, new,
                                                                 element, title, when):
    path = "rules/triage.dmn" if element == "triage" else CASE
    bundle = build_bundle(variant(files, path, old, new))
    if when == "start":
        run = lambda: _at_register(bundle)  # noqa: E731
    else:
        step = engine.start(bundle, {"case_code": "MAW-9"}, now=T0)
        run = lambda: _complete_register(bundle, step)  # noqa: E731
    _fails_naming(element, title, run, "ran longer than a process step may take")


def test_gateway_conditions_are_stopped_too(engine_limits):
    engine_limits(step_seconds=0.5)
    files = engine.read_bundle_dir(ROOT)
    condition = 'intake_decision == "multi_agency"'
    bundle = build_bundle(variant(files, "processes/case.bpmn", condition,
                                  f"{condition} and {POWER}"))
    step = engine.start(bundle, {"case_code": "MAW-9"}, now=T0)
    step = engine.complete(bundle, step.state, step.ready[0].id, example("register-signal"),
                           now=T0)
    decision = example("intake-decision", intake_decision="multi_agency")
    _fails_naming("Gateway_intake", "Intake decision?",
                  lambda: engine.complete(bundle, step.state, step.ready[0].id, decision, now=T0),
                  "ran longer than a process step may take")


# --- other requests go on meanwhile -----------------------------------------------------------
def test_another_engine_call_completes_while_a_payload_runs(files, engine_limits):
    engine_limits(step_seconds=2, workers=2)
    bundle = build_bundle(variant(files, CASE, "deadline_days = 7", "big = 10**(4*10**7) > 1"))
    plain = build_bundle(files)
    step = _at_register(bundle)
    pool = isolation._pool
    ready = [pool.checkout(time.monotonic() + 60) for _ in range(2)]  # both workers started
    for worker in ready:
        pool.checkin(worker)
    failed = []

    def payload():
        try:
            _complete_register(bundle, step)
        except engine.ScriptError as error:
            failed.append(error)

    running = threading.Thread(target=payload)
    running.start()
    started = time.monotonic()
    other = _at_register(plain)
    assert time.monotonic() - started < 1
    assert [t.spec_name for t in other.ready] == ["register"]
    running.join()
    assert [e.task_name for e in failed] == ["build_requests"]


# --- instructions: an immutable sandbox on a copy, errors as messages --------------------------
def _instructions(files, template: str):
    bundle = build_bundle(variant(files, CASE, "Register case **{{ case_code }}**", template))
    return engine.start(bundle, {"case_code": "MAW-9", "items": [1, 2, 3]}, now=T0).ready[0]


def test_instructions_cannot_change_the_task_data(files):
    task = _instructions(files, "{{ items.pop() }} {{ items.append(9) }}")
    assert task.data["items"] == [1, 2, 3]
    assert task.instructions_error and "unsafe" in task.instructions_error.lower()


@pytest.mark.parametrize(("template", "words"), [
    ("{% for a in range(10**9) %}x{% endfor %}", "OverflowError"),
    ("{{ 'x' * 10**9 }}", "more memory"),
    ("{{ case_code | no_such_filter }}", "no_such_filter"),
    ("{% if %}", "TemplateSyntaxError"),
])
def test_instruction_errors_become_a_message_and_the_task_still_shows(files, tight, template,
                                                                      words):
    task = _instructions(files, template)
    assert task.spec_name == "register"
    assert words in task.instructions_error
    assert "{" in task.instructions  # the text as written


def test_instructions_are_filled_in_once_and_kept(files):
    bundle = build_bundle(files)
    step = _at_register(bundle)
    assert step.ready[0].instructions.startswith("Register case **MAW-9**")
    assert "MAW-9" in step.state  # kept in the state: a snapshot runs no template again
    later = engine.snapshot(bundle, step.state, now=T0)
    assert later.ready[0].instructions == step.ready[0].instructions


# --- the boundary itself ------------------------------------------------------------------------
def test_the_kernel_stops_a_worker_the_parent_forgot(files):
    """RLIMIT_CPU: even with the parent waiting far longer, the worker ends itself."""
    bundle = build_bundle(variant(files, CASE, "deadline_days = 7",
                                  "n = 0\nwhile True:\n    n = 10**(4*10**6) > 1"))
    step = _at_register(bundle)
    worker = channel.WorkerProcess(256)
    try:
        request = ("complete", bundle.hash, (bundle.files, bundle.spec_json()),
                   (step.state, step.ready[0].id, REGISTER), {"now": T0}, (1, 30))
        with pytest.raises(channel.Lost) as lost:
            worker.call(pickle.dumps(request), 60)
        assert lost.value.overran
        assert worker.where_now() == "build_requests"
    finally:
        worker.kill()


def test_a_worker_gets_neither_the_database_nor_the_secret(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://secret@db/x")
    monkeypatch.setenv("MAWFLOW_SECRET_KEY", "very-secret")
    env = channel.worker_environment()
    assert "DATABASE_URL" not in env and "MAWFLOW_SECRET_KEY" not in env
    assert str(ROOT) in env["PYTHONPATH"]


def test_a_worker_reply_cannot_run_code_in_the_web_process():
    class Evil:
        def __reduce__(self):
            import os

            return (os.system, ("true",))

    with pytest.raises(pickle.UnpicklingError):
        channel.load_reply(pickle.dumps(("ok", Evil())))


def test_a_fork_starts_its_own_pool(monkeypatch):
    parent = isolation._pool
    monkeypatch.setattr(isolation, "_inherited", [])
    isolation._after_fork_in_child()
    try:
        assert isolation._pool is not parent and isolation._pool.running == 0
        assert isolation._inherited == [parent]
    finally:
        isolation._pool = parent


def test_engine_limits_are_checked():
    with pytest.raises(ValueError):
        isolation.configure(step_seconds=0)
    with pytest.raises(ValueError):
        isolation.configure(memory_mb=16)


def test_a_step_whose_result_is_too_big_fails_and_the_engine_goes_on(files, engine_limits):
    engine_limits(step_seconds=20)
    bundle = build_bundle(variant(files, CASE, "deadline_days = 7",
                                  "deadline_days = 7\nblob = 'x' * (40 * 10**6)"))
    step = _at_register(bundle)
    with pytest.raises(engine.EngineError, match="more data than a case may hold"):
        _complete_register(bundle, step)
    assert engine.snapshot(bundle, step.state, now=T0).ready[0].spec_name == "register"


def test_a_worker_whose_memory_ran_out_is_replaced_before_the_next_step(files, engine_limits):
    engine_limits(step_seconds=20)
    bundle = build_bundle(variant(files, CASE, "deadline_days = 7",
                                  "deadline_days = 7\nblob = 'x' * (300 * 10**6)"))
    step = _at_register(bundle)
    with pytest.raises(engine.EngineError, match="^the step needed more memory than"):
        _complete_register(bundle, step)  # the script fits; saving its state does not
    for _ in range(3):  # no later step lands on the worker that stopped
        assert engine.snapshot(bundle, step.state, now=T0).ready[0].spec_name == "register"
