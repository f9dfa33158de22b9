"""The workflow engine: process bundles, a sandboxed SpiffWorkflow runner, case states.

Knows nothing of Flask, HTTP or SQLAlchemy: it takes files and data and returns data.
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
from .runner import (
    CompletedInfo,
    PendingTimer,
    Step,
    complete,
    fire_timers,
    send_message,
    snapshot,
    start,
    waiting,
)
from .taskinfo import ReadyTask
from .validate import compile_bundle
from .waiting import WaitingEvent

__all__ = [
    "Bundle", "BundleInvalid", "CompletedInfo", "DataRejected", "EngineError", "NotWaiting",
    "PendingTimer", "Problem", "ReadyTask", "ScriptError", "StateError", "Step", "TaskNotReady",
    "WaitingEvent", "bundle_hash", "compile_bundle", "complete", "fire_timers",
    "read_bundle_dir", "send_message", "snapshot", "start", "waiting",
]  # fmt: skip
