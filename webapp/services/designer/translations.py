"""Translating a draft: its texts beside their translations, saved as the draft's catalogs
(``i18n/<language>.json``, see engine/catalogs.py) through the same checks as any save."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

from webapp.engine.catalogs import catalog_path, read_catalogs, source_language
from webapp.engine.texts import Text, bundle_texts
from webapp.models import ProcessDraft
from webapp.services.audit import Actor
from webapp.services.errors import InvalidInput

from .drafts import MAX_FILE_CHARS, open_draft, save_file


@dataclass(frozen=True)
class Row:
    """One text of the draft and its translation in the language being edited ("" if none)."""

    text: Text
    translation: str

    @property
    def key(self) -> str:
        return json.dumps([self.text.file, self.text.source], ensure_ascii=False)


@dataclass(frozen=True)
class Sheet:
    """What the translation page shows for one language."""

    source_language: str
    language: str
    rows: list[Row]

    @property
    def missing(self) -> int:
        return sum(1 for row in self.rows if not row.translation)


def sheet(files: Mapping[str, str], language: str, default_source: str) -> Sheet:
    """The draft's texts (each source text of a file once) with their ``language``
    translation. Raises InvalidInput when ``language`` is the bundle's own."""
    catalogs = read_catalogs(files)
    source = source_language(catalogs, default_source)
    if language == source:
        raise InvalidInput(_("The bundle is written in this language: it needs no "
                             "translation."))
    catalog = catalogs.get(language)
    rows, seen = [], set()
    for text in bundle_texts(dict(files)):
        if (text.file, text.source) in seen:
            continue
        seen.add((text.file, text.source))
        found = catalog.lookup(text.file, text.source) if catalog is not None else None
        rows.append(Row(text, found or ""))
    return Sheet(source, language, rows)


def save_sheet(actor: Actor, process_id: str, language: str, default_source: str,
               entries: Iterable[tuple[str, str]]) -> ProcessDraft:
    """Store translations into the draft's ``i18n/<language>.json`` and validate the draft.

    ``entries`` are (Row.key, translation) pairs from the page; an empty translation removes
    the entry; entries of texts the draft no longer has are kept (a text may come back).
    Raises InvalidInput for a malformed key or a catalog that would be too large."""
    draft = open_draft(actor, process_id)
    files = dict(draft.files)
    sheet(files, language, default_source)  # refuses the bundle's own language
    path = catalog_path(language)
    catalogs = read_catalogs(files)
    current = catalogs.get(language)
    texts: dict[str, dict[str, str]] = {f: dict(e) for f, e in
                                        (current.texts if current else {}).items()}
    for key, translation in entries:
        try:
            file, source = json.loads(key)
        except (ValueError, TypeError) as error:
            raise InvalidInput(_("The page sent a text it does not know.")) from error
        if not isinstance(file, str) or not isinstance(source, str):
            raise InvalidInput(_("The page sent a text it does not know."))
        translation = (translation or "").replace("\r\n", "\n").strip()
        if translation:
            texts.setdefault(file, {})[source] = translation
        elif source in texts.get(file, {}):
            del texts[file][source]
    content = json.dumps({"source_language": source_language(catalogs, default_source),
                          "texts": {f: dict(sorted(e.items())) for f, e in sorted(texts.items())
                                    if e}},
                         ensure_ascii=False, indent=2) + "\n"
    if len(content) > MAX_FILE_CHARS:
        raise InvalidInput(_("The translations are too large."))
    return save_file(actor, process_id, path, content)


def source_of(files: Mapping[str, str], default_source: str) -> str:
    """The language the draft is written in."""
    return source_language(read_catalogs(files), default_source)
