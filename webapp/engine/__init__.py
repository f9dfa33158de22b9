"""The workflow engine: process bundles, a sandboxed SpiffWorkflow runner, case states.

Knows nothing of Flask, HTTP or SQLAlchemy: it takes files and data and returns data. Every
call that runs a case (start, complete, fire_timers, snapshot, advance, advise) runs in a
worker process with limits on time and memory (engine.isolation); engine.runner holds the
same calls in-process, for the workers themselves and for measuring the engine's own cost.
"""

from .bundle import Bundle, bundle_hash, read_bundle_dir
from .errors import (
    BundleInvalid,
    DataRejected,
    EngineError,
    NotWaiting,
    Problem,
    ScriptError,
    StateError,
    TaskNotReady,
)
from .isolation import advance, advise, complete, fire_timers, send_message, snapshot, start
from .runner import CompletedInfo, PendingTimer, Step, waiting
from .taskinfo import ReadyTask
from .validate import compile_bundle
from .waiting import WaitingEvent

__all__ = [
    "Bundle", "BundleInvalid", "CompletedInfo", "DataRejected", "EngineError", "NotWaiting",
    "PendingTimer", "Problem", "ReadyTask", "ScriptError", "StateError", "Step", "TaskNotReady",
    "WaitingEvent", "advance", "advise", "bundle_hash", "compile_bundle", "complete",
    "fire_timers", "read_bundle_dir", "send_message", "snapshot", "start", "waiting",
]  # fmt: skip
