"""The pipe between this process and one engine worker process (engine.worker): starting the
worker with its memory cap, framing requests and replies, reading back only our own types,
and where in the owner's code the worker is (a shared page), for the message when it is
stopped. The pool that hands workers out and the time budgets are in engine.isolation.
"""

from __future__ import annotations

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
import time

from .errors import EngineError

WHERE_SIZE = 256
READY = b"mawflow-engine-worker-ready"
#: A reply bigger than this (a state, data) is refused: no case needs it, and it would cost
#: the web process the memory the worker's cap saved.
MAX_REPLY_BYTES = 32 * 1024 * 1024
MEMORY_MESSAGE = "the step needed more memory than a process step may use, so it was stopped"
TOO_BIG_MESSAGE = "the step produced more data than a case may hold, so it was stopped"
_HEADER = struct.Struct("<Q")
STARTUP_SECONDS = 60.0  # a worker's start (imports) on a busy machine


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


def load_reply(body: bytes):
    return _ReplyUnpickler(io.BytesIO(body)).load()


# --- one worker process -------------------------------------------------------------------------
class Lost(Exception):
    """The worker ended, or was stopped, before it replied."""

    def __init__(self, overran: bool):
        super().__init__("overran" if overran else "ended")
        self.overran = overran


def worker_environment() -> dict[str, str]:
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


class WorkerProcess:
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
                env=worker_environment(), start_new_session=True,
            )
        except OSError as error:
            raise EngineError(f"the process engine could not start a worker: {error}") from error
        finally:
            os.close(fd)
        try:
            ready = read_frame(self.proc.stdout.fileno(), time.monotonic() + STARTUP_SECONDS)
        except TimeoutError:
            ready = None
        if ready != READY:
            self.kill()
            raise EngineError("the process engine could not start a worker")

    def call(self, body: bytes, seconds: float):
        """Send one request and wait up to ``seconds`` for the reply. Raises Lost."""
        try:
            write_frame(self.proc.stdin.fileno(), body)
            reply = read_frame(self.proc.stdout.fileno(), time.monotonic() + seconds,
                               MAX_REPLY_BYTES)
        except TimeoutError:
            raise Lost(overran=True) from None
        except (OSError, ValueError):
            raise Lost(overran=False) from None
        if reply is None:  # the worker ended: the kernel's CPU limit, or it crashed
            raise Lost(overran=self._cpu_limit_hit())
        try:
            return load_reply(reply)
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
