"""What is wrong with an answer, in the reader's language.

The engine checks answers against the form's JSON Schema without knowing who reads the result
(it knows nothing of Flask): each ``FieldError`` carries its English message, the rule that
failed and the values the wording needs. Here those become the reader's words. A form's own
wording (``errorMessage`` in the schema) comes translated with the form's bundle, as is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from webapp.engine.formdata import FieldError
from webapp.i18n.formatting import format_number


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _characters(least: bool) -> Callable[[Mapping[str, Any]], str | None]:
    def say(values: Mapping[str, Any]) -> str | None:
        n = _count(values.get("limit"))
        if n is None:
            return None
        if least:
            if n == 1:
                return _("This field is required.")
            return ngettext("Enter at least %(num)d character.",
                            "Enter at least %(num)d characters.", n)
        return ngettext("Enter at most %(num)d character.", "Enter at most %(num)d characters.", n)
    return say


def _items(least: bool) -> Callable[[Mapping[str, Any]], str | None]:
    def say(values: Mapping[str, Any]) -> str | None:
        n = _count(values.get("limit"))
        if n is None:
            return None
        if values.get("rows"):
            if least:
                return ngettext("Fill in at least %(num)d row.", "Fill in at least %(num)d rows.",
                                n)
            return ngettext("Fill in at most %(num)d row.", "Fill in at most %(num)d rows.", n)
        if least:
            return ngettext("Choose at least %(num)d option.", "Choose at least %(num)d options.",
                            n)
        return ngettext("Choose at most %(num)d option.", "Choose at most %(num)d options.", n)
    return say


def _bound(text: Callable[[str], str]) -> Callable[[Mapping[str, Any]], str | None]:
    """A limit on a number: the number written the reader's way."""
    def say(values: Mapping[str, Any]) -> str | None:
        limit = values.get("limit")
        if isinstance(limit, bool) or not isinstance(limit, int | float):
            return None
        return text(format_number(limit))
    return say


def _type(values: Mapping[str, Any]) -> str:
    return {
        "integer": _("Enter a whole number."),
        "number": _("Enter a number."),
        "string": _("Enter text."),
        "boolean": _("Tick or untick the box."),
        "array": _("Enter a list of values."),
        "object": _("Enter a group of values."),
    }.get(values.get("type") or "", _("This value has the wrong type."))


def _format(values: Mapping[str, Any]) -> str:
    return {
        "date": _("Enter a valid date."),
        "date-time": _("Enter a valid date and time."),
        "email": _("Enter an e-mail address such as name@example.org."),
    }.get(values.get("limit"), _("Check the format."))


def _one_of(values: Mapping[str, Any]) -> str:
    return _("Choose one of the listed options.")


def _any_of(values: Mapping[str, Any]) -> str | None:
    titles = values.get("titles")
    if not titles:
        return None
    return _("Fill in at least one of: %(fields)s.", fields=", ".join(map(str, titles)))


#: The wording of each rule (the JSON Schema keyword that failed); None: the English message.
RULES: dict[str, Callable[[Mapping[str, Any]], str | None]] = {
    "required": lambda v: _("This field is required."),
    "additionalProperties": lambda v: _("This value is not part of the form."),
    "maxLength": _characters(least=False),
    "minLength": _characters(least=True),
    "enum": _one_of,
    "x-options": _one_of,
    "oneOf": _one_of,
    "const": lambda v: (_("This box must be ticked.") if v.get("limit") is True
                        else _("Enter the expected value.")),
    "format": _format,
    "minimum": _bound(lambda n: _("Enter a number of at least %(limit)s.", limit=n)),
    "maximum": _bound(lambda n: _("Enter a number of at most %(limit)s.", limit=n)),
    "exclusiveMinimum": _bound(lambda n: _("Enter a number greater than %(limit)s.", limit=n)),
    "exclusiveMaximum": _bound(lambda n: _("Enter a number less than %(limit)s.", limit=n)),
    "multipleOf": _bound(lambda n: _("Enter a multiple of %(limit)s.", limit=n)),
    "minItems": _items(least=True),
    "maxItems": _items(least=False),
    "uniqueItems": lambda v: _("Each value may be given only once."),
    "pattern": lambda v: _("Enter a value in the expected format."),
    "type": _type,
    "anyOf": _any_of,
    "check": lambda v: _("Check this value."),
}


def field_message(error: FieldError) -> str:
    """The message of a problem with an answer, in the reader's language."""
    say = RULES.get(error.rule)
    return (say(error.values) if say else None) or error.message
