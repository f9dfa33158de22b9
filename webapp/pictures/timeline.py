"""The biographical timeline: dated events in order, marked positive, difficult or neutral for
the person (colour and a distinct marker shape, readable in black-and-white print)."""

from __future__ import annotations

from .svg import BAD, GOOD, INK, MUTED, attrs, document, num, text, wrap
from .words import ENGLISH, N_, Words

WIDTH = 820
AXIS_X = 150
TONES = {
    "positive": (N_("Positive"), GOOD, "up"),
    "difficult": (N_("Difficult"), BAD, "down"),
    "neutral": (N_("Neutral"), MUTED, "dot"),
}


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "up":
        points = f"{num(x)},{num(y - 9)} {num(x + 9)},{num(y + 7)} {num(x - 9)},{num(y + 7)}"
        return "<polygon " + attrs(points=points, fill=colour) + "/>"
    if shape == "down":
        points = f"{num(x - 9)},{num(y - 7)} {num(x + 9)},{num(y - 7)} {num(x)},{num(y + 9)}"
        return "<polygon " + attrs(points=points, fill=colour) + "/>"
    return "<circle " + attrs(cx=num(x), cy=num(y), r=7, fill="#ffffff", stroke=colour,
                              stroke_width=3) + "/>"


def render(rows: list[dict], ident: str = "timeline", words: Words = ENGLISH) -> str:
    """The timeline of ``rows`` (date, event, tone) as SVG text, oldest first."""
    _ = words.gettext
    rows = sorted((r for r in rows if isinstance(r, dict) and r.get("date")),
                  key=lambda r: str(r["date"]))
    body, y, year = [], 36, None
    rows_out = []
    for row in rows:
        this_year = str(row["date"])[:4]
        if year is not None and this_year != year:  # a faint line between the years
            body.append("<line " + attrs(x1=30, y1=y - 17, x2=WIDTH - 30, y2=y - 17,
                                         stroke="#e9ecef") + "/>")
            y += 6
        year = this_year
        lines = wrap(row.get("event", ""), WIDTH - AXIS_X - 70, 14, 3)
        rows_out.append((row, y, lines))
        y += 18 * len(lines) + 16
    top, bottom = 20, max(y - 20, 60)
    body.insert(0, "<line " + attrs(x1=AXIS_X, y1=top, x2=AXIS_X, y2=bottom, stroke="#adb5bd",
                                    stroke_width=3) + "/>")
    for row, ry, lines in rows_out:
        name, colour, shape = TONES.get(row.get("tone"), TONES["neutral"])
        body.append(text(AXIS_X - 22, ry + 5, words.date(row["date"]), size=13, anchor="end",
                         fill=INK))
        body.append(_marker(shape, AXIS_X, ry, colour))
        body.append(text(AXIS_X + 24, ry + 5, lines, size=14, fill=INK, line_height=1.3))
    height = bottom + 70
    legend_y = height - 28
    x = AXIS_X
    for name, colour, shape in TONES.values():
        body.append(_marker(shape, x, legend_y, colour))
        body.append(text(x + 16, legend_y + 5, _(name), size=13))
        x += 140
    summary = "; ".join(f"{words.date(r['date'])}: {r.get('event', '')}" for r in rows)
    description = words.ngettext("%(num)d event: %(summary)s.",
                                 "%(num)d events, oldest first: %(summary)s.",
                                 len(rows), summary=summary)
    return document(WIDTH, height, _("Biographical timeline"), description, body, ident)
