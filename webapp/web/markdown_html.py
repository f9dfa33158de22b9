"""Markdown written by process owners (task instructions) turned into safe HTML."""

import functools
import re
import threading

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "strong", "em", "ul", "ol", "li", "a", "code", "pre", "blockquote",
        "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_LOCAL = threading.local()


def _converter() -> markdown.Markdown:
    """This thread's Markdown converter (building one costs more than converting a text)."""
    if not hasattr(_LOCAL, "converter"):
        _LOCAL.converter = markdown.Markdown(extensions=["tables", "fenced_code"])
    return _LOCAL.converter


# Page and section titles belong to the page; Markdown's top headings become h3 and h4.
_TOP_HEADING = re.compile(r"<(/?)h([12])>")


@functools.lru_cache(maxsize=512)
def render_markdown(text: str) -> Markup:
    """Render Markdown to HTML keeping only a small set of tags; safe to put in a page.

    Scripts, event handler attributes, styles and ``javascript:`` links are removed;
    links get ``rel="noopener noreferrer"``. The same text gives the same HTML, so the
    last texts rendered (a task's instructions in each language) are kept.
    """
    html = _converter().reset().convert(text or "")
    html = _TOP_HEADING.sub(lambda m: f"<{m[1]}h{int(m[2]) + 2}>", html)
    return Markup(  # noqa: S704 - the HTML has just been sanitized by nh3
        nh3.clean(
            html,
            tags=set(ALLOWED_TAGS),
            attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
            url_schemes=set(URL_SCHEMES),
            link_rel="noopener noreferrer",
        )
    )
