"""Messages the engine writes for people, kept translatable.

The engine knows no Flask, and validation may run where no application is: it cannot
translate. So a message is kept as a :class:`Phrase`: its English text with named
placeholders (the message id the catalogs translate, marked with ``N_`` so that
``pybabel extract`` finds it) and the values to fill in. ``english()`` gives what the engine
has always said; a page translates the phrase when it shows it
(``webapp.i18n.phrases.translate``). A value may be a phrase itself ("the task 'X'" inside a
sentence), a list (shown joined with ", "), a :class:`Language` (a language code, named in
the reader's language), a :class:`FieldProblem` (a form answer's problem, worded as the task
form words it) or a plain string or number (shown as it is: ids, names, codes).

Phrases and their values are dataclasses, so ``dataclasses.asdict`` turns a problem into
plain JSON (a phrase becomes ``{"text", "values"}``, a language ``{"language"}``), which is
how drafts keep their problems.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from babel import Locale, UnknownLocaleError


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    return text


@dataclass(frozen=True)
class Language:
    """A language code inside a message, named in the reader's language where it is shown."""

    language: str

    def english(self) -> str:
        try:
            return Locale.parse(self.language).english_name or self.language
        except (ValueError, UnknownLocaleError):
            return self.language


@dataclass(frozen=True)
class Phrase:
    """An English message with ``%(name)s`` placeholders and the values that fill them."""

    text: str
    values: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def english(self) -> str:
        if not self.values:
            return self.text
        return self.text % {name: english(value) for name, value in self.values.items()}

    def __str__(self) -> str:
        return self.english()


@dataclass(frozen=True)
class FieldProblem:
    """A problem with a form answer inside a message (engine.formdata.FieldError's rule and
    values), worded in the reader's language where it is shown, as the task form words it."""

    rule: str
    values: Mapping[str, Any]
    message: str

    def english(self) -> str:
        return self.message


def say(text: str, **values: Any) -> Phrase:
    """A phrase; ``text`` must be marked for extraction where it is written (``N_``)."""
    return Phrase(text, values)


def english(value: Any) -> Any:
    """A value as English text (numbers stay numbers, for ``%(num)d``)."""
    if isinstance(value, Phrase | Language | FieldProblem):
        return value.english()
    if isinstance(value, list | tuple):
        return ", ".join(str(english(item)) for item in value)
    return value
