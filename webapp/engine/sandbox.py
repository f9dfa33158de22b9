"""The restricted script engine: every Python snippet of a process runs through RestrictedPython.

Diagram editors must not be able to run arbitrary code on the server: scripts get a small set
of builtins, no imports, no names or attributes starting with ``_``, guarded item/attribute
access, and a wall-clock budget enforced with a trace function.

The trace function only fires between Python steps: one long C-level operation (a huge power,
a giant string) escapes it. The hard limits on time and memory are those of the worker process
every engine call runs in (engine.isolation); the trace function stays as the first, friendly
line of defence (it names the line, and the worker survives).
"""

from __future__ import annotations

import copy
import functools
import operator
import re
import sys
import time
import warnings
from datetime import UTC, date, datetime, timedelta
from types import CodeType
from typing import Any

from RestrictedPython import RestrictingNodeTransformer, compile_restricted, safe_builtins
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from RestrictedPython.PrintCollector import PrintCollector
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from .scriptfunctions import for_task

SCRIPT_FILENAME = "<string>"  # SpiffWorkflow looks for this name to report the failing line
DEFAULT_TIME_LIMIT = 2.0
MAX_RANGE = 100_000


class ScriptTimeout(Exception):
    """A script ran longer than its time budget."""


#: Called with the BPMN element id whose owner code is about to run (engine.worker writes it
#: where the parent process can read it if the worker has to be stopped). None: not reported.
_where_reporter = None


def set_where_reporter(reporter) -> None:
    """Tell the sandbox whom to tell which element's code runs next (or None)."""
    global _where_reporter
    _where_reporter = reporter


def report_where(element: str) -> None:
    """Say that the owner code of ``element`` (a BPMN element id) runs from now on."""
    if _where_reporter is not None:
        _where_reporter(element)


class _Policy(RestrictingNodeTransformer):
    def visit_Import(self, node):
        self.error(node, "Imports are not allowed in process scripts.")

    visit_ImportFrom = visit_Import

    def visit_ClassDef(self, node):
        self.error(node, "Defining classes is not allowed in process scripts.")


@functools.lru_cache(maxsize=4096)
def compile_script(source: str, mode: str = "exec") -> CodeType:
    """Compile ``source`` under the restrictions ('exec' for scripts, 'eval' for expressions).

    Raises SyntaxError for syntax errors and for anything the sandbox refuses statically
    (imports, names or attributes starting with ``_``, ...). Cached: scripts repeat a lot."""
    try:
        with warnings.catch_warnings():
            # RestrictedPython warns about e.g. unused print output; not our users' problem.
            warnings.simplefilter("ignore")
            return compile_restricted(source, SCRIPT_FILENAME, mode, policy=_Policy)
    except SyntaxError as err:
        if not isinstance(err.msg, tuple | list):
            raise
        # RestrictedPython packs all its messages in a tuple; SpiffWorkflow wants a string.
        message = " ".join(str(m) for m in err.msg)
        found = re.match(r"Line (\d+)", message)
        lineno = int(found.group(1)) if found else 1
        raise SyntaxError(message, (SCRIPT_FILENAME, lineno, 1, None)) from None


def check_script(source: str, mode: str = "exec") -> str | None:
    """Return a readable reason why ``source`` is refused, or None when it compiles."""
    try:
        compile_script(source, mode)
    except SyntaxError as err:
        return _describe_syntax_error(err)
    return None


def _describe_syntax_error(err: SyntaxError) -> str:
    text = str(err.msg or err)
    if text.startswith(("Line ", "(")) or "\n" in text:
        return text.replace("\n", " ").strip()
    return f"line {err.lineno}: {text}" if err.lineno else text


def _safe_range(*args: int) -> range:
    r = range(*args)
    if len(r) > MAX_RANGE:
        raise ValueError(f"range() is limited to {MAX_RANGE} items in process scripts")
    return r


_INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
    "|=": operator.ior, "&=": operator.iand, "^=": operator.ixor,
}  # fmt: skip


def _inplacevar(op: str, x: Any, y: Any) -> Any:
    return _INPLACE[op](x, y)


def _build_builtins() -> dict[str, Any]:
    allowed = dict(safe_builtins)
    for name in ("__build_class__", "id", "hash", "pow", "complex", "setattr", "delattr"):
        allowed.pop(name, None)
    allowed.update(
        len=len, min=min, max=max, sum=sum, sorted=sorted, any=any, all=all, range=_safe_range,
        enumerate=enumerate, zip=zip, str=str, int=int, float=float, bool=bool, list=list,
        dict=dict, round=round, abs=abs, isinstance=isinstance, reversed=reversed, set=set,
        tuple=tuple, datetime=datetime, date=date, timedelta=timedelta, UTC=UTC,
    )  # fmt: skip
    return allowed


_GUARDS: dict[str, Any] = {
    "__builtins__": _build_builtins(),
    "__name__": "process_script",
    "_getattr_": safer_getattr,
    "_getitem_": lambda ob, index: ob[index],
    "_write_": full_write_guard,
    "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_inplacevar_": _inplacevar,
    "_apply_": lambda f, *a, **kw: f(*a, **kw),
    "_print_": PrintCollector,
}


def _run_with_budget(func, seconds: float):
    """Call ``func()`` and raise ScriptTimeout from inside the script once ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    previous = sys.gettrace()

    def local(frame, event, arg):
        if time.monotonic() > deadline:
            raise ScriptTimeout(f"the script ran longer than {seconds:g} seconds and was stopped")
        return local

    def global_trace(frame, event, arg):
        if frame.f_code.co_filename == SCRIPT_FILENAME:
            # Opcode events: a one-line loop (`while True: pass`) emits no line events.
            frame.f_trace_opcodes = True
            return local(frame, event, arg)
        return None

    sys.settrace(global_trace)
    try:
        return func()
    finally:
        sys.settrace(previous)


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates expressions and executes scripts on task data under RestrictedPython."""

    def __init__(self, time_limit: float = DEFAULT_TIME_LIMIT):
        super().__init__({})
        self.time_limit = time_limit

    def evaluate(self, expression, context, external_context=None):
        code = compile_script(expression.strip(), "eval")
        scope = {**context, **(external_context or {}), **_GUARDS}
        return _run_with_budget(lambda: eval(code, scope), self.time_limit)  # noqa: S307

    def execute(self, script, context, external_context=None):
        code = compile_script(script, "exec")
        # Work on a copy: nested data is shared between tasks, and a failing script must
        # leave the task's data as it was.
        scope = {**copy.deepcopy(context), **(external_context or {}), **_GUARDS}
        _run_with_budget(lambda: exec(code, scope), self.time_limit)  # noqa: S102
        skip = set(_GUARDS) | set(external_context or {})
        for key in [k for k in context if k not in scope and not k.startswith("_")]:
            del context[key]
        for key, value in scope.items():
            if key not in skip and not key.startswith("_") and not callable(value):
                context[key] = value
        return True


def _with_functions(task, external_context: dict | None) -> dict:
    """The script functions (engine.scriptfunctions) next to what the caller passes."""
    if getattr(task, "workflow", None) is None:
        return external_context or {}
    return {**for_task(task), **(external_context or {})}


class RestrictedScriptEngine(PythonScriptEngine):
    """SpiffWorkflow script engine whose every evaluation goes through the sandbox, and which
    reports the element whose code runs (see report_where)."""

    def __init__(self, time_limit: float = DEFAULT_TIME_LIMIT):
        super().__init__(environment=RestrictedEnvironment(time_limit))

    @staticmethod
    def _where(task) -> None:
        spec = getattr(task, "task_spec", None)
        if spec is not None and _where_reporter is not None:
            _where_reporter(spec.bpmn_id or spec.name.removesuffix(" [child]"))

    def evaluate(self, task, expression, external_context=None):
        self._where(task)
        return super().evaluate(task, expression, _with_functions(task, external_context))

    def execute(self, task, script, external_context=None):
        self._where(task)
        return super().execute(task, script, _with_functions(task, external_context))

    def evaluate_expression(self, expression: str, data: dict) -> Any:
        """Evaluate one of our own expressions (assignedOrganisation, dueIn) on ``data``.

        Raises whatever the expression raises (SyntaxError, ScriptTimeout, ...)."""
        return self.environment.evaluate(expression, data)
