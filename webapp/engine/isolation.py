"""Engine calls in worker processes: code a process owner wrote can never freeze the server.

Scripts, gateway conditions, decision table cells, timer expressions, assignedOrganisation /
dueIn / dueAt expressions and instruction templates all run inside an engine call (start,
complete, fire timers, send a message, snapshot, advance, advise). Each call runs whole (load
the state, run, save it) in a worker process (engine.worker) with a cap on its memory
(RLIMIT_AS) and on its CPU time (RLIMIT_CPU); the calling thread waits without holding the
interpreter lock, so other requests go on. A call that is not done within its time budget has
its worker killed and replaced; the call fails with a ScriptError naming the element whose
code ran, and since nothing was saved the case is as it was.

Workers are started ahead of need (``prestart``) and reused; each keeps the bundles it was
sent (by hash), so a process version is parsed once per worker and a step only carries the
case state there and the new state back. A process has its own pool: gunicorn's sync workers,
the development server's threads, timer workers and tests each use theirs; after a fork the
child starts an empty pool of its own.

Knows nothing of Flask: the app passes its settings to :func:`configure`.
"""

from __future__ import annotations

import atexit
import os
import pickle
import threading
import time
from dataclasses import dataclass, replace

from . import channel
from .errors import EngineError, ScriptError


@dataclass(frozen=True)
class Limits:
    """How much one engine call may take.

    ``step_seconds``: wall-clock time of one call, also its CPU limit (the kernel's); past it
    the worker is killed. ``script_seconds``: one script's budget inside the worker (stops a
    Python loop with its line number, without losing the worker). ``memory_mb``: the worker's
    address space. ``workers``: how many worker processes this process may run at once."""

    step_seconds: float = 5.0
    script_seconds: float = 2.0
    memory_mb: int = 512
    workers: int = 2


_limits = Limits()


def configure(**changes) -> Limits:
    """Change the limits (keyword names of :class:`Limits`); returns the new ones. Workers
    started with another memory cap are replaced as they come back."""
    global _limits
    new = replace(_limits, **changes)
    if new.step_seconds <= 0 or new.script_seconds <= 0 or new.workers < 1:
        raise ValueError("engine limits must be positive and allow at least one worker")
    if new.memory_mb and new.memory_mb < 128:
        raise ValueError("an engine worker needs at least 128 MB")
    _limits = new
    return new


def limits() -> Limits:
    return _limits


# --- the pool -----------------------------------------------------------------------------------
class _Pool:
    def __init__(self) -> None:
        self.idle: list[channel.WorkerProcess] = []
        self.running = 0  # workers alive, idle or busy (or starting)
        self.condition = threading.Condition()
        self.all: set[channel.WorkerProcess] = set()

    def checkout(self, deadline: float) -> channel.WorkerProcess:
        with self.condition:
            while True:
                while self.idle:
                    worker = self.idle.pop()
                    if worker.memory_mb == _limits.memory_mb and worker.proc.poll() is None:
                        return worker
                    self._retire(worker)
                if self.running < _limits.workers:
                    self.running += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise EngineError("the process engine is busy; please try again")
                self.condition.wait(remaining)
        return self._start()

    def _start(self) -> channel.WorkerProcess:
        try:
            worker = channel.WorkerProcess(_limits.memory_mb)
        except BaseException:
            with self.condition:
                self.running -= 1
                self.condition.notify()
            raise
        with self.condition:
            self.all.add(worker)
        return worker

    def checkin(self, worker: channel.WorkerProcess) -> None:
        with self.condition:
            if self.running > _limits.workers or worker.memory_mb != _limits.memory_mb:
                self._retire(worker)
            else:
                self.idle.append(worker)
            self.condition.notify()

    def discard(self, worker: channel.WorkerProcess) -> None:
        """A worker that overran or died: kill it now, start a replacement in the background."""
        worker.kill()
        with self.condition:
            self.all.discard(worker)
            self.running -= 1
            self.condition.notify()
        self.prestart()

    def _retire(self, worker: channel.WorkerProcess) -> None:  # under the condition
        self.all.discard(worker)
        self.running -= 1
        threading.Thread(target=worker.close, daemon=True).start()

    def prestart(self) -> None:
        """Have one worker ready without anybody waiting for its start."""
        if self.idle:  # the usual case, read without the lock (a list's truth is atomic)
            return
        with self.condition:
            if self.idle or self.running >= _limits.workers:
                return
            self.running += 1
        threading.Thread(target=self._prestart_one, daemon=True,
                         name="mawflow-engine-prestart").start()

    def _prestart_one(self) -> None:
        try:
            worker = self._start()
        except EngineError:
            return
        self.checkin(worker)

    def shutdown(self) -> None:
        with self.condition:
            workers, self.idle = list(self.all), []
            self.all.clear()
        for worker in workers:
            worker.kill()


_pool = _Pool()
_inherited: list[_Pool] = []


def _after_fork_in_child() -> None:
    """A forked child (gunicorn --preload) must not share its parent's workers: it keeps the
    inherited ones untouched (they are the parent's) and starts its own."""
    global _pool
    _inherited.append(_pool)
    _pool = _Pool()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(lambda: _pool.shutdown())


def prestart() -> None:
    """Start a worker in the background if none is ready (the app calls this on its first
    request, so nobody waits for a worker's start)."""
    _pool.prestart()


def run(operation: str, bundle, *args, **kwargs):
    """Run ``operation`` of engine.worker.OPERATIONS on ``bundle`` in a worker process.

    Returns what the operation returns, raises what it raises (EngineError subclasses), and
    ScriptError when the call overran its time or the worker died; the element whose code was
    running is named when known."""
    budget = _limits
    deadline = time.monotonic() + max(budget.step_seconds, channel.STARTUP_SECONDS)
    worker = _pool.checkout(deadline)
    limits = (budget.step_seconds, budget.script_seconds)
    try:
        payload = None if bundle.hash in worker.bundles else (bundle.files, bundle.spec_json())
        reply = worker.call(pickle.dumps((operation, bundle.hash, payload, args, kwargs, limits),
                                         protocol=pickle.HIGHEST_PROTOCOL), budget.step_seconds)
        if reply[0] == "need":  # it no longer keeps this bundle
            reply = worker.call(pickle.dumps(
                (operation, bundle.hash, (bundle.files, bundle.spec_json()), args, kwargs,
                 limits), protocol=pickle.HIGHEST_PROTOCOL), budget.step_seconds)
    except channel.Lost as lost:
        where = worker.where_now()
        _pool.discard(worker)
        raise _stopped(bundle, where, lost.overran, budget) from None
    except BaseException:
        _pool.discard(worker)
        raise
    status, value, retire = reply
    worker.bundles.add(bundle.hash)
    if retire:  # it stops after this reply: never hand it out again
        _pool.discard(worker)
    else:
        _pool.checkin(worker)
    if status == "error":
        raise value
    return value


def _stopped(bundle, element: str | None, overran: bool, budget: Limits) -> ScriptError:
    subject = "its code" if element else "the process step"
    if overran:
        message = (f"{subject} ran longer than a process step may take "
                   f"({budget.step_seconds:g} s), so it was stopped")
    else:
        message = (f"the process engine stopped while running {subject} (it may have needed "
                   "more memory than a process step may use)")
    return ScriptError(message, task_name=element, task_title=_title(bundle, element))


def _title(bundle, element: str | None) -> str | None:
    """The element's name in the diagram (a multi-instance task's name is on its child)."""
    if element is None:
        return None
    for process in [bundle.spec, *bundle.subprocess_specs.values()]:
        for name in (element, f"{element} [child]"):
            title = getattr(process.task_specs.get(name), "bpmn_name", None)
            if title:
                return title
    return element


# --- the engine's calls, each in a worker ---------------------------------------------------------
def start(bundle, data: dict, *, now=None):
    """engine.runner.start in a worker."""
    return run("start", bundle, data, now=now)


def complete(bundle, state: str, task_id: str, data: dict, *, now=None):
    """engine.runner.complete in a worker."""
    return run("complete", bundle, state, task_id, data, now=now)


def fire_timers(bundle, state: str, *, now=None):
    """engine.runner.fire_timers in a worker."""
    return run("fire_timers", bundle, state, now=now)


def send_message(bundle, state: str, name: str, *, now=None):
    """engine.runner.send_message in a worker."""
    return run("send_message", bundle, state, name, now=now)


def snapshot(bundle, state: str, *, now=None):
    """engine.runner.snapshot in a worker."""
    return run("snapshot", bundle, state, now=now)


def advance(bundle, state: str, *, now=None):
    """engine.runner.advance in a worker."""
    return run("advance", bundle, state, now=now)


def advise(bundle, state: str, task_id: str, entered: dict):
    """engine.advice.advise in a worker."""
    return run("advise", bundle, state, task_id, entered)
