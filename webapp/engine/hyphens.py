"""Soft hyphens in long words, so a diagram breaks them where the language allows.

bpmn-js draws a name inside its box and breaks lines at spaces; a word wider than the box it
cuts anywhere ("Afsluitingsbesp / reking"), which Dutch, French and German compounds often
are. It also breaks at a soft hyphen (U+00AD) and then shows a hyphen, so the names of a
diagram that is shown (never the bundle's own files) get soft hyphens in their long words,
at the places the language's hyphenation dictionary (Pyphen, LibreOffice's patterns) allows.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pyphen

SOFT_HYPHEN = "\u00ad"
#: Words at least this long get soft hyphens. Shorter ones fit a line of a task's box, and
#: bpmn-js fills lines greedily: given the chance it would break "De casus eva- / lueren"
#: where "De casus / evalueren" reads better.
LONG_WORD = 13
_LONG_WORD = re.compile(rf"[^\W\d_]{{{LONG_WORD},}}")


@lru_cache(maxsize=16)
def _dictionary(language: str | None) -> pyphen.Pyphen | None:
    """The hyphenation patterns of ``language`` (``nl``, ``fr_BE``...), or None when Pyphen
    has none: the text then stays as it is."""
    found = pyphen.language_fallback(language.replace("-", "_")) if language else None
    return pyphen.Pyphen(lang=found, left=3, right=3) if found else None


def soft_hyphens(text: str, language: str | None) -> str:
    """``text`` with soft hyphens where its long words may break; the same text otherwise."""
    dictionary = _dictionary(language)
    if dictionary is None or not text or SOFT_HYPHEN in text:
        return text
    return _LONG_WORD.sub(lambda word: dictionary.inserted(word.group(), SOFT_HYPHEN), text)
