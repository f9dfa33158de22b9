"""The inclusion chart: how connected the person is to each sphere of life, on the 0-4 scale of
the consultation form, as horizontal bars with the table's note beside each bar."""

from __future__ import annotations

from .svg import INK, MUTED, attrs, document, num, text, wrap
from .words import ENGLISH, N_, Words

WIDTH = 820
LABEL_W, BAR_X, BAR_W = 150, 170, 320
SCALE = [N_("not at all"), N_("a little"), N_("partly"), N_("mostly"), N_("fully")]
SPHERES = {
    "family": N_("Family"), "school_work": N_("School or work"), "peers": N_("Peers"),
    "community": N_("Community"), "institutions": N_("Institutions"), "leisure": N_("Leisure"),
}  # fmt: skip
#: From "not connected" (warm) to "fully connected" (cool); bars also carry their number.
SHADES = ["#b02a37", "#d9822b", "#c9a227", "#5a9e6f", "#1b7a3d"]


def _rating(row: dict) -> int:
    try:
        return min(4, max(0, int(row.get("rating"))))
    except (TypeError, ValueError):
        return 0


def _sphere(code, words: Words) -> str:
    if code in SPHERES:
        return words.gettext(SPHERES[code])
    return str(code).replace("_", " ").capitalize()


def render(rows: list[dict], ident: str = "inclusion-chart", words: Words = ENGLISH) -> str:
    """The inclusion chart of ``rows`` (sphere, rating 0-4, note) as SVG text."""
    _ = words.gettext
    rows = [r for r in rows if isinstance(r, dict) and r.get("sphere")]
    body, y = [], 64
    step = BAR_W / 4
    for value, name in enumerate(SCALE):
        x = BAR_X + value * step
        body.append(text(x, 40, f"{value}", size=13, anchor="middle", weight="bold"))
        body.append(text(x, 54, _(name), size=11, anchor="middle", fill=MUTED))
    grid_top = y
    placed = []
    for row in rows:
        note = wrap(row.get("note") or "", WIDTH - BAR_X - BAR_W - 40, 13, 2)
        height = max(34, 17 * len(note) + 14)
        placed.append((row, y, note, height))
        y += height + 10
    for value in range(5):
        x = BAR_X + value * step
        body.append("<line " + attrs(x1=num(x), y1=grid_top - 4, x2=num(x), y2=num(y),
                                     stroke="#dee2e6") + "/>")
    for row, ry, note, height in placed:
        rating = _rating(row)
        label = _sphere(row["sphere"], words)
        mid = ry + height / 2
        body.append(text(LABEL_W, mid + 5, wrap(label, LABEL_W, 14, 1), size=14, anchor="end",
                         weight="600"))
        body.append("<rect " + attrs(x=BAR_X, y=num(mid - 12), width=num(BAR_W), height=24,
                                     fill="#f1f3f5", rx=3) + "/>")
        if rating:
            body.append("<rect " + attrs(x=BAR_X, y=num(mid - 12), width=num(rating * step),
                                         height=24, fill=SHADES[rating], rx=3) + "/>")
        body.append(text(BAR_X + rating * step + (10 if rating < 4 else -10), mid + 5,
                         f"{rating} · {_(SCALE[rating])}", size=13,
                         anchor="start" if rating < 4 else "end",
                         fill=INK if rating < 4 else "#ffffff", weight="600"))
        if note and note != [""]:
            body.append(text(BAR_X + BAR_W + 24, mid + 5 - 8.5 * (len(note) - 1), note, size=13,
                             fill=MUTED, line_height=1.3))
    summary = "; ".join(
        _("%(sphere)s: %(rating)d of 4", sphere=_sphere(r["sphere"], words), rating=_rating(r))
        for r in rows
    )
    return document(WIDTH, y + 20, _("Inclusion chart"),
                    _("How connected the person is (0 not at all, 4 fully): %(summary)s.",
                      summary=summary), body, ident)
