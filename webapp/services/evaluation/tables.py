"""A report table: what the page shows, the chart draws and the CSV exports, all alike."""

from __future__ import annotations

from dataclasses import dataclass, field

from webapp.services.csvsafe import to_csv
from webapp.services.suppression import Count


@dataclass
class Table:
    """Rows of cells (text or Count); the first column names the row."""

    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""
    total: list | None = None

    def csv(self) -> str:
        rows = [[_text(c) for c in row] for row in self.rows]
        if self.total:
            rows.append([_text(c) for c in self.total])
        return to_csv([str(c) for c in self.columns], rows)

    def any_suppressed(self) -> bool:
        cells = [c for row in [*self.rows, self.total or []] for c in row]
        return any(isinstance(c, Count) and not c.shown for c in cells)


def _text(cell) -> str:
    if isinstance(cell, Count):
        return cell.text()
    return "" if cell is None else str(cell)
