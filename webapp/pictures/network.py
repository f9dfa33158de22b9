"""The network map: the person in the middle, the people, groups and organisations around them
on three rings of closeness, each line showing whether the tie is supportive, harmful or
ambivalent (colour, dash pattern and a sign, so it also reads in black-and-white print)."""

from __future__ import annotations

import math

from .svg import BAD, GOOD, INK, LINE, MIXED, MUTED, attrs, document, num, text, wrap
from .words import ENGLISH, N_, Words

WIDTH, HEIGHT = 900, 760
CX, CY = WIDTH / 2, 360
RINGS = {1: 120, 2: 200, 3: 275}
QUALITY = {
    "supportive": (N_("Supportive"), GOOD, None, "+"),
    "harmful": (N_("Harmful"), BAD, "9 5", "−"),
    "ambivalent": (N_("Ambivalent"), MIXED, "2 4", "±"),
}
UNKNOWN = (N_("Unknown"), LINE, "1 3", "?")
KINDS = {"person": N_("Person"), "organisation": N_("Organisation"), "group": N_("Group")}


def _closeness(row: dict) -> int:
    try:
        value = int(row.get("closeness") or 2)
    except (TypeError, ValueError):
        value = 2
    return min(3, max(1, value))


def _shape(kind: str, x: float, y: float, colour: str) -> str:
    common = {"fill": "#ffffff", "stroke": colour, "stroke_width": 2.5}
    if kind == "organisation":
        return "<rect " + attrs(x=num(x - 13), y=num(y - 13), width=26, height=26, rx=4,
                                **common) + "/>"
    if kind == "group":
        points = " ".join(
            f"{num(x + 15 * math.cos(math.radians(a)))},{num(y + 15 * math.sin(math.radians(a)))}"
            for a in range(0, 360, 60)
        )
        return "<polygon " + attrs(points=points, **common) + "/>"
    return "<circle " + attrs(cx=num(x), cy=num(y), r=13, **common) + "/>"


def render(rows: list[dict], ident: str = "network-map", words: Words = ENGLISH) -> str:
    """The network map of ``rows`` (who, kind, relation, quality, closeness) as SVG text."""
    _ = words.gettext
    rows = [r for r in rows if isinstance(r, dict) and r.get("who")]
    rows.sort(key=_closeness)
    body = []
    for radius in RINGS.values():
        body.append("<circle " + attrs(cx=CX, cy=CY, r=radius, fill="none", stroke="#dee2e6",
                                       stroke_width=1) + "/>")
    count = max(1, len(rows))
    nodes = []
    for index, row in enumerate(rows):
        angle = -math.pi / 2 + 2 * math.pi * index / count + (math.pi / count if count > 8 else 0)
        radius = RINGS[_closeness(row)]
        x, y = CX + radius * math.cos(angle), CY + radius * math.sin(angle)
        name, colour, dash, sign = QUALITY.get(row.get("quality"), UNKNOWN)
        body.append("<line " + attrs(x1=num(CX), y1=num(CY), x2=num(x), y2=num(y), stroke=colour,
                                     stroke_width=2.5, stroke_dasharray=dash) + "/>")
        mx, my = CX + (radius - 38) * math.cos(angle), CY + (radius - 38) * math.sin(angle)
        body.append("<circle " + attrs(cx=num(mx), cy=num(my), r=9, fill="#ffffff",
                                       stroke=colour, stroke_width=1.5) + "/>")
        body.append(text(mx, my + 4.5, sign, size=13, anchor="middle", weight="bold", fill=colour))
        nodes.append((row, x, y, angle, colour))
    for row, x, y, angle, colour in nodes:
        body.append(_shape(row.get("kind", "person"), x, y, colour))
        body.append(_label(row, x, y, angle, words))
    body.append("<circle " + attrs(cx=CX, cy=CY, r=30, fill=INK) + "/>")
    body.append(text(CX, CY + 5, _("Person"), size=13, anchor="middle", weight="bold",
                     fill="#ffffff"))
    body.extend(_legend(words))
    summary = ", ".join(
        f"{r['who']} ({_(QUALITY.get(r.get('quality'), UNKNOWN)[0]).lower()})" for r in rows
    )
    description = words.ngettext(
        "%(num)d person, group or organisation around the person: %(summary)s.",
        "%(num)d people, groups and organisations around the person: %(summary)s.",
        len(rows), summary=summary)
    return document(WIDTH, HEIGHT, _("Network map"), description, body, ident)


def _label(row: dict, x: float, y: float, angle: float, words: Words) -> str:
    cos, sin = math.cos(angle), math.sin(angle)
    if cos > 0.35:
        anchor, lx = "start", x + 20
    elif cos < -0.35:
        anchor, lx = "end", x - 20
    else:
        anchor, lx = "middle", x
    lines = wrap(row["who"], 130, 13, 2)
    kind = words.gettext(KINDS[row["kind"]]) if row.get("kind") in KINDS else ""
    extra = " · ".join(p for p in (kind, row.get("relation") or "") if p)
    height = 16 * len(lines) + (14 if extra else 0)
    if anchor == "middle":
        ly = y + 32 if sin > 0 else y - 18 - height + 14
    else:
        ly = y + 4 - (height - 16) / 2
    out = text(lx, ly, lines, size=13, anchor=anchor, weight="600", line_height=1.2)
    if extra:
        out += text(lx, ly + 16 * len(lines), wrap(extra, 200, 11, 1), size=11, anchor=anchor,
                    fill=MUTED)
    return out


def _legend(words: Words) -> list[str]:
    _ = words.gettext
    y = HEIGHT - 60
    out = ["<line " + attrs(x1=40, y1=y - 22, x2=WIDTH - 40, y2=y - 22, stroke="#dee2e6") + "/>"]
    x = 50
    for name, colour, dash, sign in QUALITY.values():
        out.append("<line " + attrs(x1=x, y1=y, x2=x + 46, y2=y, stroke=colour, stroke_width=2.5,
                                    stroke_dasharray=dash) + "/>")
        out.append(text(x + 54, y + 4.5, f"{sign} {_(name)}", size=13, fill=INK))
        x += 170
    x = 50
    y += 32
    for kind, name in KINDS.items():
        out.append(_shape(kind, x + 12, y, MUTED))
        out.append(text(x + 34, y + 4.5, _(name), size=13))
        x += 170
    out.append(text(WIDTH - 40, y + 4.5, _("inner ring: close · outer ring: distant"), size=12,
                    anchor="end", fill=MUTED))
    return out
