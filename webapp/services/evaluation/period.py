"""The period and process version a report is about, and the conditions they put on rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from sqlalchemy import and_, case, literal

from webapp.i18n.formatting import format_month, format_months
from webapp.models import CaseEvent

MAX_MONTHS = 60


def month_start(day: date, shift: int = 0) -> date:
    """The first day of ``day``'s month, moved by ``shift`` months."""
    index = day.year * 12 + day.month - 1 + shift
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Whole months from ``start`` (inclusive) to ``end`` (exclusive), optionally one process
    version. Events count in the period in which they happened."""

    start: date
    end: date
    version_id: int | None = None

    @classmethod
    def default(cls, today: date) -> Period:
        """The last twelve months, this one included."""
        return cls(month_start(today, -11), month_start(today, 1))

    @classmethod
    def from_args(cls, args, today: date) -> tuple[Period, str | None]:
        """The period asked for in ``start``/``end`` (YYYY-MM, ``end`` included) and
        ``version``; the default period and a message when they make no sense."""
        default = cls.default(today)
        version = args.get("version") or ""
        version_id = int(version) if version.isdigit() and len(version) < 10 else None
        raw_start, raw_end = (args.get("start") or "").strip(), (args.get("end") or "").strip()
        if not raw_start and not raw_end:
            return cls(default.start, default.end, version_id), None
        try:
            start = datetime.strptime(raw_start or default.start.strftime("%Y-%m"), "%Y-%m").date()
            last = datetime.strptime(raw_end or default.end.strftime("%Y-%m"), "%Y-%m").date()
        except ValueError:
            return cls(default.start, default.end, version_id), _(
                "Give the months as YYYY-MM; the last twelve months are shown.")
        end = month_start(last, 1)
        months = (end.year - start.year) * 12 + end.month - start.month
        if months < 1 or months > MAX_MONTHS or start.year < 2000:
            return cls(default.start, default.end, version_id), _(
                "A period runs from 1 to %(most)d months, from its first month to its last; "
                "the last twelve months are shown.", most=MAX_MONTHS)
        return cls(start, end, version_id), None

    @property
    def starts_at(self) -> datetime:
        return datetime(self.start.year, self.start.month, 1, tzinfo=UTC)

    @property
    def ends_at(self) -> datetime:
        return datetime(self.end.year, self.end.month, 1, tzinfo=UTC)

    def months(self) -> list[date]:
        out, month = [], self.start
        while month < self.end:
            out.append(month)
            month = month_start(month, 1)
        return out

    def month_choices(self, today: date) -> list[tuple[str, str]]:
        """The months a period may start or end in, newest first, as (``YYYY-MM``, ``maart
        2026``): the last MAX_MONTHS months, stretched to this period's months when they lie
        outside. Named in the reader's language, where a browser's month field would name
        them in the browser's."""
        first = min(self.start, month_start(today, 1 - MAX_MONTHS))
        month, choices = max(month_start(today), month_start(self.end, -1)), []
        while month >= first:
            choices.append((month.strftime("%Y-%m"), format_month(month)))
            month = month_start(month, -1)
        return choices

    def label(self) -> str:
        """``januari–maart 2026``: the months in the reader's language."""
        return format_months(self.start, month_start(self.end, -1))

    def args(self) -> dict:
        values = {"start": self.start.strftime("%Y-%m"),
                  "end": month_start(self.end, -1).strftime("%Y-%m")}
        if self.version_id:
            values["version"] = str(self.version_id)
        return values

    def events(self, *kinds: str):
        """Conditions for events of ``kinds`` in the period (and version)."""
        conditions = [CaseEvent.kind.in_(kinds) if len(kinds) > 1 else CaseEvent.kind == kinds[0],
                      CaseEvent.at >= self.starts_at, CaseEvent.at < self.ends_at]
        if self.version_id:
            conditions.append(CaseEvent.process_version_id == self.version_id)
        return and_(*conditions)

    def month_of(self, column):
        """An SQL expression: the index of the period's month ``column`` falls in (the same
        on every database: comparisons with the months' first instants)."""
        bounds = [datetime(m.year, m.month, 1, tzinfo=UTC) for m in self.months()[1:]]
        if not bounds:
            return literal(0)
        return case(*[(column < bound, index) for index, bound in enumerate(bounds)],
                    else_=len(bounds))
