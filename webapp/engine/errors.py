"""Exceptions raised by the engine; the web layer maps them to messages and status codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .phrases import Phrase


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a process bundle, phrased for a process owner. A ``warning`` is
    worth a look but does not keep the bundle from running (e.g. a variable that may be
    unset); any other problem does.

    ``message`` is in English (the command line, logs and stored drafts read it);
    ``phrase`` is the same message kept translatable, which pages show in the reader's
    language (see engine.phrases). Make one with :meth:`of`."""

    file: str
    element_id: str | None
    message: str
    warning: bool = False
    phrase: Phrase | None = field(default=None, compare=False, hash=False)

    @classmethod
    def of(cls, file: str, element_id: str | None, text: str, /, *, warning: bool = False,
           **values: Any) -> Problem:
        """A problem saying ``text`` (marked with ``N_``) filled with ``values``."""
        phrase = Phrase(text, values)
        return cls(file, element_id, phrase.english(), warning, phrase)

    def __str__(self) -> str:
        if self.element_id is None:
            return f"{self.file}: {self.message}"
        return f"{self.file}, element '{self.element_id}': {self.message}"


class BundleInvalid(EngineError):
    """The bundle cannot be deployed; ``problems`` lists every problem found (errors only),
    ``warnings`` what was found worth a look besides."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None):
        self.problems = list(problems)
        self.warnings = list(warnings or [])
        super().__init__("\n".join(str(p) for p in self.problems))


class TaskNotReady(EngineError):
    """The task does not exist, is not ready, or is not a user task."""


class NotWaiting(EngineError):
    """The case waits for no event of that name (it moved on, or its process has none)."""


class ScriptError(EngineError):
    """A script, condition, decision table, timer or expression failed at run time."""

    def __init__(
        self,
        message: str,
        *,
        task_name: str | None = None,
        task_title: str | None = None,
        line_number: int | None = None,
    ):
        self.message = message
        self.task_name = task_name
        self.task_title = task_title
        self.line_number = line_number
        where = ""
        if task_name:
            where = f"element '{task_name}'"
            if task_title and task_title != task_name:
                where += f" ({task_title})"
            if line_number:
                where += f", line {line_number}"
            where += ": "
        super().__init__(where + message)


class DataRejected(EngineError):
    """Submitted data is not plain JSON or contains a reserved key."""


class StateError(EngineError):
    """A stored workflow state cannot be loaded."""
