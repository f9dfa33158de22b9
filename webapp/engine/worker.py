"""The engine's worker process: every engine call (and so all code a process owner wrote) runs
here, under hard limits of CPU time and memory, never in a web or timer process.

Started by engine.isolation as ``python -m webapp.engine.worker WHERE_FD MEMORY_MB``. It reads
requests and writes replies as length-prefixed pickles on its stdin/stdout (both moved away
from fd 0/1 first, so a stray print cannot garble the protocol), keeps the parsed bundles it
was sent (by hash, so a process version is parsed once per worker), and before each call sets
its CPU limit to what it has used plus the call's budget: the kernel then stops a call that
computes for too long even when the parent does not. Which element's code runs is written to
the shared page WHERE_FD, so the parent can name it when it has to stop the worker.
"""

from __future__ import annotations

import math
import mmap
import os
import pickle
import resource
import struct
import sys
from collections import OrderedDict

from . import advice, channel, runner, sandbox
from .bundle import Bundle
from .errors import EngineError

#: Bundles kept per worker (trial runs of drafts add one per change).
KEEP_BUNDLES = 16

OPERATIONS = {
    "start": runner.start,
    "complete": runner.complete,
    "fire_timers": runner.fire_timers,
    "send_message": runner.send_message,
    "snapshot": runner.snapshot,
    "advance": runner.advance,
    "advise": advice.advise,
}


class _Where:
    """Writes the element whose owner code runs now into the page shared with the parent."""

    def __init__(self, page: mmap.mmap) -> None:
        self.page = page
        self.last: str | None = None

    def __call__(self, element: str) -> None:
        if element is self.last:
            return
        self.last = element
        raw = element.encode("utf-8", "replace")[: channel.WHERE_SIZE - 2]
        self.page[2:2 + len(raw)] = raw
        struct.pack_into("<H", self.page, 0, len(raw))

    def clear(self) -> None:
        self.last = None
        struct.pack_into("<H", self.page, 0, 0)


def _limit_memory(megabytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a killed worker leaves no core file
    if megabytes > 0 and hasattr(resource, "RLIMIT_AS"):
        cap = megabytes * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _limit_cpu(seconds: float) -> None:
    """From now on, at most ``seconds`` (rounded up, plus one for the rounding of the clock)
    more CPU time; past it the kernel ends this process (SIGXCPU)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = int(used) + math.ceil(seconds) + 1
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


class Worker:
    def __init__(self, where: _Where) -> None:
        self.where = where
        self.bundles: OrderedDict[str, Bundle] = OrderedDict()

    def bundle(self, digest: str, payload) -> Bundle | None:
        if payload is not None:
            files, spec_json = payload
            self.bundles[digest] = Bundle.from_stored(files, spec_json)
            while len(self.bundles) > KEEP_BUNDLES:
                self.bundles.popitem(last=False)
        found = self.bundles.get(digest)
        if found is not None:
            self.bundles.move_to_end(digest)
        return found

    def handle(self, request) -> tuple:
        """One call: ("ok", result), ("error", EngineError) or ("need", hash) when the
        parent must send the bundle along."""
        operation, digest, payload, args, kwargs, (step_seconds, script_seconds) = request
        self.where.clear()
        _limit_cpu(step_seconds)
        for engine in (runner._SCRIPT_ENGINE, advice._SCRIPT_ENGINE):
            engine.environment.time_limit = script_seconds
        try:
            bundle = self.bundle(digest, payload)
        except EngineError as error:
            return ("error", error)
        if bundle is None:
            return ("need", digest)
        try:
            return ("ok", OPERATIONS[operation](bundle, *args, **kwargs))
        except EngineError as error:
            return ("error", error)


def _reply(out: int, reply: tuple, retire: bool = False) -> bool:
    """Send a reply, saying whether this worker stops after it (its memory ran out: better a
    fresh one); returns whether it goes on."""
    try:
        body = pickle.dumps((*reply, retire), protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        body, reply, retire = None, ("error", EngineError(channel.MEMORY_MESSAGE)), True
    except Exception as error:  # noqa: BLE001 - a value that cannot travel is the step's fault
        body = None
        reply = ("error", EngineError(f"the step produced a value that cannot be kept: {error}"))
    if body is not None and len(body) > channel.MAX_REPLY_BYTES:
        body, reply = None, ("error", EngineError(channel.TOO_BIG_MESSAGE))
    if body is None:
        body = pickle.dumps((*reply, retire), protocol=pickle.HIGHEST_PROTOCOL)
    channel.write_frame(out, body)
    return not retire


def main(argv: list[str]) -> int:
    where_fd, memory_mb = int(argv[1]), int(argv[2])
    requests, replies = os.dup(0), os.dup(1)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)  # a stray print goes to the log, never into a reply
    _limit_memory(memory_mb)
    where = _Where(mmap.mmap(where_fd, channel.WHERE_SIZE))
    os.close(where_fd)
    sandbox.set_where_reporter(where)
    worker = Worker(where)
    channel.write_frame(replies, channel.READY)
    while True:
        body = channel.read_frame(requests, None)
        if body is None:  # the parent went away
            return 0
        retire = False
        try:
            reply = worker.handle(pickle.loads(body))  # noqa: S301 - from our own parent
        except MemoryError:
            reply, retire = ("error", EngineError(channel.MEMORY_MESSAGE)), True
        except Exception as error:  # noqa: BLE001 - report it; the parent decides
            reply = ("error", EngineError(f"the engine failed: {type(error).__name__}: {error}"))
        if not _reply(replies, reply, retire):
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
