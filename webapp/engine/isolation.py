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
import contextlib
import io
import mmap
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace

from .errors import EngineError, ScriptError

WHERE_SIZE = 256
READY = b"mawflow-engine-worker-ready"
#: A reply bigger than this (a state, data) is refused: no case needs it, and it would cost
#: the web process the memory the worker's cap saved.
MAX_REPLY_BYTES = 32 * 1024 * 1024
MEMORY_MESSAGE = "the step needed more memory than a process step may use, so it was stopped"
TOO_BIG_MESSAGE = "the step produced more data than a case may hold, so it was stopped"
_HEADER = struct.Struct("<Q")
_STARTUP_SECONDS = 60.0  # a worker's start (imports) on a busy machine


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


# --- framing (shared with engine.worker) ----------------------------------------------------
def write_frame(fd: int, body: bytes) -> None:
    data = memoryview(_HEADER.pack(len(body)) + body)
    while data:
        data = data[os.write(fd, data):]


def read_frame(fd: int, deadline: float | None, limit: int | None = None) -> bytes | None:
    """One frame from ``fd``; None at end of file. Raises TimeoutError past ``deadline``
    (time.monotonic()) and ValueError for a frame longer than ``limit``."""
    header = _read_exact(fd, _HEADER.size, deadline)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    if limit is not None and size > limit:
        raise ValueError(f"a reply of {size} bytes")
    body = _read_exact(fd, size, deadline)
    if body is None:
        return None
    return body


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes | None:
    chunks, missing = [], size
    while missing:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


# --- replies: only our own types come back ----------------------------------------------------
_REPLY_TYPES = {
    ("datetime", "datetime"), ("datetime", "date"), ("datetime", "timedelta"),
    ("datetime", "timezone"), ("webapp.engine.runner", "Step"),
    ("webapp.engine.runner", "PendingTimer"), ("webapp.engine.runner", "CompletedInfo"),
    ("webapp.engine.taskinfo", "ReadyTask"), ("webapp.engine.advice", "Advice"),
    ("webapp.engine.errors", "EngineError"), ("webapp.engine.errors", "ScriptError"),
    ("webapp.engine.errors", "TaskNotReady"), ("webapp.engine.errors", "DataRejected"),
    ("webapp.engine.errors", "StateError"), ("webapp.engine.errors", "NotWaiting"),
}


class _ReplyUnpickler(pickle.Unpickler):
    """A worker runs code written by process owners: what it sends back may hold our engine
    types, dates and plain values, nothing that could run code in this process."""

    def find_class(self, module, name):
        if (module, name) in _REPLY_TYPES:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not expected from an engine worker")


def _load_reply(body: bytes):
    return _ReplyUnpickler(io.BytesIO(body)).load()


# --- one worker process -------------------------------------------------------------------------
class _Lost(Exception):
    """The worker ended, or was stopped, before it replied."""

    def __init__(self, overran: bool):
        super().__init__("overran" if overran else "ended")
        self.overran = overran


def _worker_environment() -> dict[str, str]:
    """What a worker needs of the environment: where Python finds its packages, never the
    database address or the app's secret key."""
    keep = ("PATH", "PYTHONPATH", "VIRTUAL_ENV", "LANG", "LC_ALL", "TZ", "TMPDIR", "HOME")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _shared_page() -> int:
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("mawflow-engine-where")
    else:  # not Linux: an unlinked temporary file does the same
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - the descriptor outlives it
        fd = os.dup(handle.fileno())
        handle.close()
    os.ftruncate(fd, WHERE_SIZE)
    return fd


class _Worker:
    def __init__(self, memory_mb: int):
        self.memory_mb = memory_mb
        self.bundles: set[str] = set()
        try:
            fd = _shared_page()
        except OSError as error:
            raise EngineError(f"the process engine could not start a worker: {error}") from error
        try:
            self.where = mmap.mmap(fd, WHERE_SIZE)
            self.proc = subprocess.Popen(  # noqa: S603 - our own module, no shell
                [sys.executable, "-m", "webapp.engine.worker", str(fd), str(memory_mb)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, pass_fds=(fd,), bufsize=0,
                env=_worker_environment(), start_new_session=True,
            )
        except OSError as error:
            raise EngineError(f"the process engine could not start a worker: {error}") from error
        finally:
            os.close(fd)
        try:
            ready = read_frame(self.proc.stdout.fileno(), time.monotonic() + _STARTUP_SECONDS)
        except TimeoutError:
            ready = None
        if ready != READY:
            self.kill()
            raise EngineError("the process engine could not start a worker")

    def call(self, body: bytes, seconds: float):
        """Send one request and wait up to ``seconds`` for the reply. Raises _Lost."""
        try:
            write_frame(self.proc.stdin.fileno(), body)
            reply = read_frame(self.proc.stdout.fileno(), time.monotonic() + seconds,
                               MAX_REPLY_BYTES)
        except TimeoutError:
            raise _Lost(overran=True) from None
        except (OSError, ValueError):
            raise _Lost(overran=False) from None
        if reply is None:  # the worker ended: the kernel's CPU limit, or it crashed
            raise _Lost(overran=self._cpu_limit_hit())
        try:
            return _load_reply(reply)
        except Exception:  # noqa: BLE001 - whatever came back, it is not ours
            return ("error", EngineError("the step produced values that cannot be kept"), True)

    def _cpu_limit_hit(self) -> bool:
        try:
            code = self.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return False
        return code == -getattr(signal, "SIGXCPU", 24)

    def where_now(self) -> str | None:
        (size,) = struct.unpack_from("<H", self.where, 0)
        if not 0 < size <= WHERE_SIZE - 2:
            return None
        return bytes(self.where[2:2 + size]).decode("utf-8", "replace")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.close()

    def close(self, wait: float = 5.0) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        try:
            self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.where.close()


# --- the pool -----------------------------------------------------------------------------------
class _Pool:
    def __init__(self) -> None:
        self.idle: list[_Worker] = []
        self.running = 0  # workers alive, idle or busy (or starting)
        self.condition = threading.Condition()
        self.all: set[_Worker] = set()

    def checkout(self, deadline: float) -> _Worker:
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

    def _start(self) -> _Worker:
        try:
            worker = _Worker(_limits.memory_mb)
        except BaseException:
            with self.condition:
                self.running -= 1
                self.condition.notify()
            raise
        with self.condition:
            self.all.add(worker)
        return worker

    def checkin(self, worker: _Worker) -> None:
        with self.condition:
            if self.running > _limits.workers or worker.memory_mb != _limits.memory_mb:
                self._retire(worker)
            else:
                self.idle.append(worker)
            self.condition.notify()

    def discard(self, worker: _Worker) -> None:
        """A worker that overran or died: kill it now, start a replacement in the background."""
        worker.kill()
        with self.condition:
            self.all.discard(worker)
            self.running -= 1
            self.condition.notify()
        self.prestart()

    def _retire(self, worker: _Worker) -> None:  # under the condition
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
    deadline = time.monotonic() + max(budget.step_seconds, _STARTUP_SECONDS)
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
    except _Lost as lost:
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
