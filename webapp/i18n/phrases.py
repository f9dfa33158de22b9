"""The engine's messages (engine.phrases) in the reader's language.

Validation problems and scenario outcomes are kept (on drafts, on scenarios) as their English
text with the message id and values that made it; a page translates them when it shows them.
Anything kept before messages carried their id is shown as it was written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from flask_babel import gettext

from webapp.engine.formdata import FieldError
from webapp.engine.phrases import FieldProblem, Language, Phrase
from webapp.i18n.locale import language_in_reader_words
from webapp.taskforms.messages import field_message


def translate(phrase: Phrase | Mapping[str, Any]) -> str:
    """A phrase (or one kept as JSON: ``{"text", "values"}``) in the reader's language; in
    English when its translation does not fit its values (a translator's slip is no 500)."""
    text, values = _parts(phrase)
    filled = {name: _value(value) for name, value in values.items()}
    try:
        return gettext(text, **filled)
    except (KeyError, ValueError, TypeError):
        return text % filled if filled else text


def message(kept: Mapping[str, Any] | None) -> str:
    """What a kept problem or scenario outcome says, in the reader's language: its
    ``phrase`` translated, else its ``message`` as written."""
    if not kept:
        return ""
    phrase = kept.get("phrase")
    if isinstance(phrase, Mapping) and isinstance(phrase.get("text"), str):
        return translate(phrase)
    return str(kept.get("message") or "")


def translated_problems(problems) -> list[dict]:
    """Problems (kept dicts or engine.Problem) as dicts whose ``message`` is in the reader's
    language, for pages and for the editors' JSON."""
    shown = []
    for problem in problems:
        kept = problem if isinstance(problem, Mapping) else asdict(problem)
        shown.append({**kept, "message": message(kept)})
    return shown


def _parts(phrase) -> tuple[str, Mapping[str, Any]]:
    if isinstance(phrase, Phrase):
        return phrase.text, phrase.values
    return str(phrase.get("text") or ""), phrase.get("values") or {}


def _field_problem(kept: Mapping[str, Any]) -> str:
    return field_message(FieldError((), str(kept.get("message") or ""), kept["rule"],
                                    kept.get("values") or {}))


def _value(value: Any) -> Any:
    if isinstance(value, Phrase):
        return translate(value)
    if isinstance(value, FieldProblem):
        return _field_problem(asdict(value))
    if isinstance(value, Language):
        return language_in_reader_words(value.language)
    if isinstance(value, Mapping):
        if isinstance(value.get("text"), str):
            return translate(value)
        if isinstance(value.get("language"), str):
            return language_in_reader_words(value["language"])
        if isinstance(value.get("rule"), str) and "message" in value:
            return _field_problem(value)
        return str(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(_value(item)) for item in value)
    return value
