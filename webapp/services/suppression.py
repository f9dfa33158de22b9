"""Small-count suppression for every figure the evaluation shows or exports.

A count from 1 to ``MIN_COUNT - 1`` could point at a person ("the one case from the school
in March"), so it is shown as "fewer than N". Where a group of counts is shown with its total
(or the total is shown elsewhere), one hidden cell could be worked out by subtraction, so one
more cell of the group is hidden too (the smallest other non-zero one: the *complementary*
cell), marked differently because it need not be small. Zero is shown: it points at nobody.
A median or 90th percentile over fewer than ``MIN_COUNT`` durations is hidden as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from webapp.i18n.formatting import format_number

DEFAULT_MIN_COUNT = 5
SHOWN, SMALL, HIDDEN = "shown", "small", "hidden"


def min_count() -> int:
    """``MAWFLOW_REPORT_MIN_COUNT`` (default 5); never below 1."""
    try:
        return max(1, int(current_app.config.get("REPORT_MIN_COUNT", DEFAULT_MIN_COUNT)))
    except (TypeError, ValueError):
        return DEFAULT_MIN_COUNT


@dataclass(frozen=True)
class Count:
    """A count as it may be shown: ``value`` is None unless ``state`` is SHOWN."""

    state: str
    value: int | None
    threshold: int

    @property
    def shown(self) -> bool:
        return self.state == SHOWN

    def text(self) -> str:
        """``fewer than 5``, ``hidden`` or the number, in the reader's language."""
        if self.state == SMALL:
            return ngettext("fewer than %(num)d", "fewer than %(num)d", self.threshold)
        if self.state == HIDDEN:
            return _("hidden")
        return format_number(self.value)

    def short(self) -> str:
        """The text where there is room for a few characters (a chart, a diagram): ``<5``,
        ``–`` or the number."""
        if self.state == SMALL:
            return f"<{self.threshold}"
        if self.state == HIDDEN:
            return "–"
        return format_number(self.value)

    def __str__(self) -> str:
        return self.text()


def one(value: int, k: int | None = None) -> Count:
    """A count shown on its own (no total it adds up to)."""
    k = k or min_count()
    value = int(value or 0)
    return Count(SMALL, None, k) if 0 < value < k else Count(SHOWN, value, k)


def group(values: Mapping[str, int], k: int | None = None) -> dict[str, Count]:
    """Counts that add up to a total that is shown: primary and complementary suppression.

    The total itself is ``one(sum(values))``: when it is small, every non-zero cell is too."""
    k = k or min_count()
    values = {key: int(v or 0) for key, v in values.items()}
    out = {key: one(v, k) for key, v in values.items()}
    small = [key for key, c in out.items() if c.state == SMALL]
    if len(small) == 1:
        others = sorted((v, key) for key, v in values.items() if out[key].shown and v > 0)
        if not others:
            others = sorted((v, key) for key, v in values.items() if out[key].shown)
        if others:
            out[others[0][1]] = Count(HIDDEN, None, k)
    return out


def enough(count: int, k: int | None = None) -> bool:
    """Whether a figure computed over ``count`` cases (a median, a percentile) may be shown."""
    return count >= (k or min_count())
