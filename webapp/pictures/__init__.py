"""Pictures of a case drawn on the server as SVG text: the network map, the biographical
timeline and the inclusion chart recorded at a case consultation.

Pure Python, no external services: the output is a string of escaped SVG that can be inlined in
a page (printable) or served as an image. Nothing here knows Flask or the database.
"""

from __future__ import annotations

from . import inclusion, network, timeline
from .words import ENGLISH, N_, Words

__all__ = ["PICTURES", "Words", "latest_with_pictures", "pictures_from", "render", "title"]

#: Which field of the consultation form holds each picture, its title (translated when
#: shown, see words.py) and how to draw it.
PICTURES = {
    "network_map": (N_("Network map"), network.render),
    "timeline": (N_("Biographical timeline"), timeline.render),
    "inclusion": (N_("Inclusion chart"), inclusion.render),
}


def render(kind: str, rows: list[dict], words: Words = ENGLISH) -> str:
    """One picture as SVG text. Raises KeyError for an unknown kind."""
    return PICTURES[kind][1](rows, words=words)


def title(kind: str, words: Words = ENGLISH) -> str:
    """A picture's title in the reader's words."""
    return words.gettext(PICTURES[kind][0])


def pictures_from(data: dict | None, words: Words = ENGLISH) -> dict[str, str]:
    """The pictures that ``data`` (a consultation's form data) has rows for, as SVG text."""
    data = data or {}
    return {
        kind: draw(data[kind], words=words)
        for kind, (_, draw) in PICTURES.items()
        if isinstance(data.get(kind), list) and data[kind]
    }


def latest_with_pictures(contributions) -> object | None:
    """The most recent contribution whose data has rows for any picture (or None)."""
    for contribution in reversed(list(contributions)):
        data = getattr(contribution, "data", None) or {}
        if any(isinstance(data.get(kind), list) and data[kind] for kind in PICTURES):
            return contribution
    return None
