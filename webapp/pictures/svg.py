"""A few helpers to write SVG as text: every piece of user text goes through :func:`esc`."""

from __future__ import annotations

import textwrap
from xml.sax.saxutils import escape, quoteattr

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
INK, MUTED, LINE, PAPER = "#212529", "#5c636a", "#adb5bd", "#ffffff"
#: Influence / tone colours that stay apart in greyscale print thanks to the dash patterns.
GOOD, BAD, MIXED = "#1b7a3d", "#b02a37", "#9a6700"


def esc(value: object) -> str:
    """Text content, escaped for XML."""
    return escape(str(value))


def attrs(**values: object) -> str:
    """XML attributes from keyword arguments (``stroke_width`` -> ``stroke-width``)."""
    parts = []
    for key, value in values.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        parts.append(f"{name}={quoteattr(str(value))}")
    return " ".join(parts)


def num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def wrap(text: str, width_px: float, size: float, max_lines: int = 3) -> list[str]:
    """Split text into lines that fit ``width_px`` at font ``size`` (estimated widths)."""
    chars = max(4, int(width_px / (size * 0.56)))
    lines = textwrap.wrap(" ".join(str(text).split()), chars) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(1, chars - 1)].rstrip() + "…"
    return lines


def text(x: float, y: float, lines: list[str] | str, *, size: float = 13, anchor: str = "start",
         weight: str | None = None, fill: str = INK, line_height: float = 1.25) -> str:
    """A <text> element; several lines become <tspan>s below each other."""
    if isinstance(lines, str):
        lines = [lines]
    spans = []
    for index, line in enumerate(lines):
        dy = 0 if index == 0 else size * line_height
        spans.append("<tspan " + attrs(x=num(x), dy=num(dy)) + ">" + esc(line) + "</tspan>")
    head = attrs(x=num(x), y=num(y), font_size=num(size), text_anchor=anchor,
                 font_weight=weight, fill=fill)
    return "<text " + head + ">" + "".join(spans) + "</text>"


def document(width: float, height: float, title: str, description: str, body: list[str],
             ident: str = "picture") -> str:
    """A standalone, printable SVG with an accessible title and description."""
    box = "0 0 " + num(width) + " " + num(height)
    head = attrs(xmlns="http://www.w3.org/2000/svg", viewBox=box, width=num(width),
                 height=num(height), role="img", font_family=FONT,
                 aria_labelledby=ident + "-title " + ident + "-desc", class_="case-picture")
    return (
        "<svg " + head + ">"
        + "<title " + attrs(id=ident + "-title") + ">" + esc(title) + "</title>"
        + "<desc " + attrs(id=ident + "-desc") + ">" + esc(description) + "</desc>"
        + "<rect " + attrs(x=0, y=0, width=num(width), height=num(height), fill=PAPER) + "/>"
        + "".join(body)
        + "</svg>"
    )
