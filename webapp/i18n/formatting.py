"""Dates, times, numbers and durations as the reader's language writes them, in the
deployment's time zone (template filters), and dates as people type them in forms."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from flask import current_app, g, has_app_context
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _

_DIGITS = re.compile(r"\d+")
_PATTERN_PARTS = re.compile(r"d+|M+|y+")


def _moment(value) -> datetime | date | None:
    """A datetime (aware, or naive meaning UTC), a date, or an ISO string of either."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return value
    text = str(value)
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        return None


def _local(moment: datetime) -> datetime:
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return moment.astimezone(_zone())


def _zone():
    """The deployment's time zone (UTC outside an application)."""
    if not has_app_context():
        return UTC
    return _zone_named(current_app.config["TIMEZONE"])


@lru_cache(maxsize=16)
def _zone_named(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _locale() -> Locale:
    """The request's locale (outside an application: English), looked up once a request:
    a page formats many dates."""
    if not has_app_context():
        return Locale.parse("en")
    locale = g.get("_mawflow_locale")
    if locale is None:
        locale = g._mawflow_locale = get_locale() or Locale.parse("en")
    return locale


@lru_cache(maxsize=8192)
def _day(day: date, locale: Locale, style: str) -> str:
    """A day as the locale writes it; the same days come back on every list page."""
    return dates.format_date(day, style, locale=locale)


def format_date(value, style: str = "medium") -> str:
    """``3 dec 2026``: the day (of a datetime: in the deployment's zone)."""
    moment = _moment(value)
    if moment is None:
        return "" if value is None else str(value)
    if isinstance(moment, datetime):
        moment = _local(moment).date()
    return _day(moment, _locale(), style)


def format_due(value, style: str = "medium") -> str:
    """A due date. A due day given as a date is kept as the end of that day UTC
    (engine.taskinfo); it is shown as that day, whatever the deployment's zone."""
    moment = _moment(value)
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        utc = moment.astimezone(UTC)
        if (utc.hour, utc.minute, utc.second) == (23, 59, 59):
            return _day(utc.date(), _locale(), style)
    return format_date(value, style)


def format_month(value: date, style: str = "wide") -> str:
    """``maart 2026`` (``mrt 2026`` with style "short"): a month as the reader's language
    names it, never ``strftime``'s English."""
    return dates.format_skeleton("yMMMM" if style == "wide" else "yMMM", value,
                                 locale=_locale())


def format_months(first: date, last: date) -> str:
    """``januari–maart 2026``, ``avril 2025 – mars 2026``: the months from ``first`` to
    ``last`` (both included) as the reader's language writes such a span."""
    if (first.year, first.month) == (last.year, last.month):
        return format_month(first)
    return dates.format_interval(first, last, "yMMMM", locale=_locale())


def format_time(value) -> str:
    """``14:05`` (or ``2:05 PM``) in the deployment's zone."""
    moment = _moment(value)
    if not isinstance(moment, datetime):
        return "" if value is None else str(value)
    return dates.format_time(_local(moment), "short", locale=_locale())


def format_datetime(value, seconds: bool = False) -> str:
    """``3 dec 2026, 14:05`` (``14:05:09`` with ``seconds``) in the deployment's zone."""
    moment = _moment(value)
    if not isinstance(moment, datetime):
        return format_date(value)
    local, locale = _local(moment), _locale()
    glue = str(dates.get_datetime_format("medium", locale=locale))
    day = _day(local.date(), locale, "medium")
    time = dates.format_time(local, "medium" if seconds else "short", locale=locale)
    return glue.replace("{1}", day).replace("{0}", time)


def format_number(value, digits: int | None = None) -> str:
    """``1.234,5`` / ``1 234,5`` / ``1,234.5``; anything not a number as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    if digits is not None:
        return numbers.format_decimal(round(value, digits), locale=_locale())
    return numbers.format_decimal(value, locale=_locale())


def format_duration(value, *, direction: bool = False) -> str:
    """``3 dagen``; with ``direction``: ``over 3 dagen`` / ``3 dagen geleden``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = timedelta(days=value)
    if not isinstance(value, timedelta):
        return "" if value is None else str(value)
    return dates.format_timedelta(value, threshold=1.5, add_direction=direction,
                                  locale=_locale())


def format_duration_in(value: timedelta, unit: str, width: str = "long") -> str:
    """``40 uur``, ``12 jours`` (``40 u``, ``12j`` with width "narrow"): a duration as a
    whole number of ``unit`` ("hour", "day"), never rounded up into a larger unit (a
    report's figures are compared side by side)."""
    return dates.format_timedelta(value, granularity=unit, threshold=10**9, format=width,
                                  locale=_locale())


# --- dates people type ---------------------------------------------------------------------


def date_pattern() -> str:
    """The numeric date pattern of the reader's language with a four-digit year and
    two-digit day and month (``dd/MM/yyyy`` in Belgium, ``dd-MM-yyyy`` in the Netherlands,
    ``MM/dd/yyyy`` in the USA)."""
    short = dates.get_date_format("short", locale=_locale()).pattern
    return _PATTERN_PARTS.sub(lambda m: {"d": "dd", "M": "MM", "y": "yyyy"}[m[0][0]], short)


def date_placeholder() -> str:
    """The pattern in the reader's words: ``dd/mm/yyyy``, ``dd-mm-jjjj``, ``jj/mm/aaaa``."""
    words = {"dd": pgettext("date pattern: day", "dd"),
             "MM": pgettext("date pattern: month", "mm"),
             "yyyy": pgettext("date pattern: year", "yyyy")}
    return _PATTERN_PARTS.sub(lambda m: words.get(m[0], m[0]), date_pattern())


def format_input_date(value) -> str:
    """An ISO date (or a date) as the reader types dates; other text as it is."""
    moment = _moment(value)
    if not isinstance(moment, date) or isinstance(moment, datetime):
        return "" if value is None else str(value)
    return dates.format_date(moment, date_pattern(), locale=_locale())


def parse_input_date(text: str) -> date:
    """A date typed in the reader's format (or as ISO ``2026-12-31``). Raises ValueError
    with a message for the person typing."""
    parts = _DIGITS.findall(text or "")
    if len(parts) == 3:
        if len(parts[0]) == 4:  # ISO: year first, whatever the language
            year, month, day = parts
        else:
            order = [m[0][0] for m in _PATTERN_PARTS.finditer(date_pattern())]
            found = dict(zip(order, parts, strict=True))
            year, month, day = found["y"], found["M"], found["d"]
        if len(year) == 4:
            try:
                return date(int(year), int(month), int(day))
            except ValueError:
                pass
    raise ValueError(_("Enter a date as %(pattern)s, for example %(example)s.",
                       pattern=date_placeholder(),
                       example=format_input_date(date(date.today().year, 12, 31))))
