"""Messages the application itself sends to running cases.

A BPMN message catch event (or receive task, or boundary event) waits for a message by name.
Within a case, another part of the process can send it (a message throw event or send task);
from outside, only the application can, and only the messages listed here. Validation refuses
a catch event waiting for any other name: nothing would ever send it.

To let the application send another message, add it here with what sends it (shown to process
owners in validation messages and in docs/process-conventions.md) and the data it brings into
the case (``variables``: names the data-flow check may then take as set after the event).
"""

from __future__ import annotations

from dataclasses import dataclass

from .phrases import N_, Phrase, say


@dataclass(frozen=True)
class AppMessage:
    """A message the application sends: when (marked for translation), and the case data it
    sets."""

    sent_when: str
    variables: tuple[str, ...] = ()


#: name -> AppMessage. The one place that lists them; extend it when the application learns to
#: send another message.
APP_MESSAGES: dict[str, AppMessage] = {
    "review_now": AppMessage(
        N_("a coordinator asks on the case page for the case to be reviewed now"),
    ),
}


def describe_app_messages() -> list[Phrase] | Phrase:
    """The names the application sends, for messages to process owners."""
    return [say(N_("'%(name)s' (%(when)s)"), name=name, when=say(m.sent_when))
            for name, m in sorted(APP_MESSAGES.items())] or say(N_("none"))
