"""The process bundle's texts in a reader's language, for pages that list tasks of many
cases (inboxes, case lists) without knowing each case's process version."""

from threading import Lock

from sqlalchemy import select

from webapp.engine.translation import Translator, translator
from webapp.extensions import db
from webapp.models import ProcessVersion
from webapp.services import bundles

_names: dict[str, tuple[tuple[int, ...], dict[str, str]]] = {}
_lock = Lock()


def translator_for(version: ProcessVersion, language: str | None, default_source: str,
                   locale: str | None = None) -> Translator:
    """The bundle of ``version`` in ``language`` (made once per bundle and language;
    ``locale`` writes the dates of its instructions)."""
    bundle = bundles.bundle_for(version)
    return translator(bundle.files, bundle.hash, language, default_source, locale)


def step_names(language: str, default_source: str) -> dict[str, str]:
    """{step name as stored: name in ``language``} over every deployed version, the newest
    version's translation first. Worked out again only when a version was published."""
    versions = db.session.execute(
        select(ProcessVersion.id).order_by(ProcessVersion.id.desc())).scalars().all()
    key = tuple(versions)
    known = _names.get(language)
    if known is not None and known[0] == key:
        return known[1]
    merged: dict[str, str] = {}
    for version_id in versions:
        version = db.session.get(ProcessVersion, version_id)
        for source, target in translator_for(version, language, default_source).names().items():
            merged.setdefault(source, target)
    with _lock:
        _names[language] = (key, merged)
    return merged
