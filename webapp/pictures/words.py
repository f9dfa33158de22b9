"""The words of the pictures, in the reader's language.

The pictures know no Flask: the caller hands them ``Words`` (the request's gettext and date
format); alone they speak English. Texts are marked with ``N_`` so that ``pybabel extract``
finds them, and translated when a picture is drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    return text


def _english(text: str, **values) -> str:
    return text % values if values else text


def _english_plural(singular: str, plural: str, num: int, **values) -> str:
    return (singular if num == 1 else plural) % {"num": num, **values}


_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _english_date(value: str) -> str:
    parts = str(value).split("-")
    if len(parts) == 3 and parts[1].isdigit() and 1 <= int(parts[1]) <= 12:
        return f"{int(parts[2])} {_MONTHS[int(parts[1]) - 1]} {parts[0]}"
    return str(value)


@dataclass(frozen=True)
class Words:
    """``gettext(text, **values)``, ``ngettext(singular, plural, num, **values)`` and
    ``date(iso_date)`` of the reader."""

    gettext: Callable[..., str] = field(default=_english)
    ngettext: Callable[..., str] = field(default=_english_plural)
    date: Callable[[str], str] = field(default=_english_date)


ENGLISH = Words()
