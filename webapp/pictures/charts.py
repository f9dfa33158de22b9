"""Charts of the evaluation, drawn as SVG text: bars for the funnel, small multiples for the
months, the coverage grid and a case's life-domain gaps. Each takes plain values (label,
number or None for a hidden count, the text to print) and knows nothing of Flask or the
database. Every chart has a table behind it on the page; the SVG's description says so.
The words are the reader's (``Words``, see words.py).
"""

from __future__ import annotations

import re

from .svg import BAD, GOOD, INK, LINE, MIXED, MUTED, attrs, document, num, text, wrap
from .words import ENGLISH, N_, Words

WIDTH = 860
BAR = "#3d5a80"
SOFT = "#e9ecef"
HATCH = "#ced4da"
_NUMBER = re.compile(r"\d+")
BEHIND = N_("The table below the chart holds the same figures.")


def _rect(x, y, w, h, fill, **extra) -> str:
    return "<rect " + attrs(x=num(x), y=num(y), width=num(max(0, w)), height=num(h), fill=fill,
                            **extra) + "/>"


def bars(title: str, groups: list[tuple[str, list[tuple[str, int | None, str]]]],
         ident: str = "funnel", words: Words = ENGLISH) -> str:
    """Horizontal bars in titled groups: (group title, [(label, value or None, text)]).
    A hidden count is drawn as a short grey stub with its text ("fewer than 5")."""
    label_w, bar_x = 300, 320
    bar_w = WIDTH - bar_x - 150
    top = max([v for _, rows in groups for _, v, _ in rows if v is not None] or [1]) or 1
    body, y = [], 18
    for heading, rows in groups:
        body.append(text(16, y + 14, heading, size=15, weight="bold"))
        y += 30
        for label, value, shown in rows:
            body.append(text(label_w, y + 17, wrap(label, label_w - 20, 13, 1), size=13,
                             anchor="end"))
            body.append(_rect(bar_x, y + 2, bar_w, 22, SOFT))
            if value is None:
                body.append(_rect(bar_x, y + 2, 14, 22, HATCH))
                body.append(text(bar_x + 22, y + 18, shown, size=13, fill=MUTED))
            else:
                width = bar_w * value / top
                body.append(_rect(bar_x, y + 2, width, 22, BAR))
                body.append(text(bar_x + width + 8, y + 18, shown, size=13, weight="600"))
            y += 30
        y += 10
    description = "; ".join(_figures(heading, [(label, shown) for label, _, shown in rows],
                                     words) for heading, rows in groups)
    return document(WIDTH, y + 8, title, _described(description, words), body, ident)


def _figures(heading: str, pairs: list[tuple[str, str]], words: Words) -> str:
    """``Closure: Closed: out of scope 9, Reopened 0`` for the charts' descriptions."""
    _ = words.gettext
    figures = [_("%(label)s %(figure)s", label=label, figure=figure) for label, figure in pairs]
    return _("%(heading)s: %(figures)s", heading=heading, figures=", ".join(figures))


def _described(description: str, words: Words) -> str:
    _ = words.gettext
    behind = _(BEHIND)
    return _("%(figures)s. %(table)s", figures=description, table=behind)


def _short(shown: str) -> str:
    """A hidden count's text where a column has room for a few characters: ``<5`` for
    "fewer than 5" in any language, ``–`` for one hidden so that it cannot be worked out."""
    found = _NUMBER.search(shown)
    return f"<{found.group()}" if found else "–"


def months(title: str, series: list[tuple[str, list[tuple[str, int | None, str]]]],
           ident: str = "trends", words: Words = ENGLISH) -> str:
    """One row of columns per series (small multiples), months along the bottom."""
    label_w, left = 170, 190
    count = max((len(points) for _, points in series), default=1) or 1
    step = (WIDTH - left - 20) / count
    row_h = 96
    body = []
    for index, (name, points) in enumerate(series):
        base = 20 + index * (row_h + 24) + row_h
        top = max([v for _, v, _ in points if v is not None] or [1]) or 1
        body.append(text(label_w, base - row_h / 2, wrap(name, label_w - 10, 14, 2), size=14,
                         anchor="end", weight="600"))
        body.append("<line " + attrs(x1=left, y1=base, x2=num(WIDTH - 20), y2=base,
                                     stroke=LINE) + "/>")
        for position, (_month, value, shown) in enumerate(points):
            x = left + position * step + step * 0.15
            width = step * 0.7
            if value is None:
                body.append(_rect(x, base - 10, width, 10, HATCH))
                body.append(text(x + width / 2, base - 14, _short(shown), size=11,
                                 anchor="middle", fill=MUTED))
            else:
                height = (row_h - 22) * value / top
                body.append(_rect(x, base - height, width, height, BAR))
                body.append(text(x + width / 2, base - height - 4, shown, size=11,
                                 anchor="middle"))
    bottom = 20 + len(series) * (row_h + 24)
    first = series[0][1] if series else []
    for position, (month, _value, _shown) in enumerate(first):
        body.append(text(left + position * step + step / 2, bottom, wrap(month, step, 11, 2),
                         size=11, anchor="middle", fill=MUTED, line_height=1.1))
    description = "; ".join(_figures(name, [(m, s) for m, _, s in points], words)
                            for name, points in series)
    return document(WIDTH, bottom + 30, title, _described(description, words), body, ident)


def coverage(title: str, domains: list[str], organisations: list[str],
             cells: dict[tuple[int, int], tuple[bool, int | None, str]],
             nobody: set[int], ident: str = "coverage", words: Words = ENGLISH) -> str:
    """Life domains (rows) x organisations (columns). A cell: the registry's word (a filled
    square: says it covers the domain) and the actions agreed in the period. Rows no one
    covers are red; "says so, never did" cells amber."""
    _ = words.gettext
    label_w, left = 220, 236
    col = max(70, min(130, (WIDTH - left - 10) / max(1, len(organisations))))
    width = left + col * len(organisations) + 10
    head = 64
    body = []
    for j, name in enumerate(organisations):
        body.append(text(left + j * col + col / 2, 22, wrap(name, col - 6, 12, 2), size=12,
                         anchor="middle", weight="600"))
    for i, domain in enumerate(domains):
        y = head + i * 40
        if i in nobody:
            body.append(_rect(4, y, width - 8, 36, "#f8d7da"))
        lines = wrap(domain, label_w - 10, 13, 2)
        body.append(text(label_w, y + 23 - 7 * (len(lines) - 1), lines, size=13,
                         anchor="end", weight="bold" if i in nobody else None,
                         fill=BAD if i in nobody else INK))
        for j in range(len(organisations)):
            says, value, shown = cells[(i, j)]
            x = left + j * col
            if says and not value:
                body.append(_rect(x + 2, y + 2, col - 4, 32, "#fff3cd"))
            body.append(_rect(x + 8, y + 11, 14, 14, GOOD if says else "#ffffff",
                              stroke=GOOD if says else MUTED, stroke_width=1.5))
            body.append(text(x + 28, y + 23, shown, size=12,
                             fill=MIXED if says and not value else INK,
                             weight="600" if value else None))
    legend_y = head + len(domains) * 40 + 22
    legend = [(GOOD, GOOD, _("in the registry")), ("#ffffff", MUTED, _("not in the registry")),
              ("#fff3cd", None, _("in the registry, no action in the period")),
              ("#f8d7da", None, _("nobody covers this domain"))]
    x, legend_w = 16, max(width, 800) - 16
    for fill, stroke, words_ in legend:  # side by side while they fit, else on a new line
        room = 30 + len(words_) * 12 * 0.56
        if x > 16 and x + room > legend_w:
            x, legend_y = 16, legend_y + 22
        body.append(_rect(x, legend_y - 12, 14, 14, fill, stroke=stroke))
        body.append(text(x + 20, legend_y, words_, size=12, fill=MUTED))
        x += room + 24
    rows = []
    for i, domain in enumerate(domains):
        pairs = []
        for j, organisation in enumerate(organisations):
            says, _value, shown = cells[(i, j)]
            pairs.append((organisation, _("registry yes, %(actions)s", actions=shown) if says
                          else _("registry no, %(actions)s", actions=shown)))
        rows.append(_figures(domain, pairs, words))
    description = _("Numbers are the actions agreed in action plans in the period. "
                    "%(figures)s", figures="; ".join(rows))
    return document(max(width, 800), legend_y + 14, title, description, body, ident)


def gaps(title: str, domains: list[tuple[str, bool, bool]], ident: str = "gaps",
         words: Words = ENGLISH) -> str:
    """A case's life domains: (label, flagged vulnerable, covered by an action). A gap
    (vulnerable, not covered) is red and says so in words."""
    _ = words.gettext
    body, y = [], 16
    body.append(text(300, y + 10, _("Screening"), size=12, anchor="middle", fill=MUTED))
    body.append(text(470, y + 10, _("Action plan"), size=12, anchor="middle", fill=MUTED))
    y += 22
    for label, vulnerable, covered in domains:
        gap = vulnerable and not covered
        if gap:
            body.append(_rect(4, y, 752, 30, "#f8d7da"))
        body.append(text(200, y + 20, label, size=13, anchor="end",
                         weight="bold" if gap else None, fill=BAD if gap else INK))
        body.append(text(300, y + 20, _("vulnerable") if vulnerable else "–", size=13,
                         anchor="middle", fill=INK if vulnerable else MUTED))
        body.append(text(470, y + 20, _("action agreed") if covered else _("no action"),
                         size=13, anchor="middle", fill=GOOD if covered else MUTED))
        if gap:
            body.append(text(600, y + 20, _("GAP: no action"), size=13, weight="bold",
                             fill=BAD))
        y += 34
    missing = [label for label, v, c in domains if v and not c]
    description = (_("Life domains flagged vulnerable in the screening that no action "
                     "covers: %(domains)s.", domains=", ".join(missing)) if missing else
                   _("No life domain flagged vulnerable in the screening is without an "
                     "action."))
    return document(760, y + 8, title, description, body, ident)
