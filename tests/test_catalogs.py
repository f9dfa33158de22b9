"""The application's own messages: what `pybabel extract` finds in the templates and the code
is in the Dutch and French catalogs, translated and not fuzzy, and the compiled catalogs the
app reads are those of the committed .po files."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "webapp" / "translations"
# The same keywords as `make catalogs` (Makefile: BABEL_KEYWORDS).
KEYWORDS = ["-k", "_l", "-k", "lazy_gettext"]
LANGUAGES = ["nl", "fr"]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The message template `pybabel extract` makes from babel.cfg (templates and code)."""
    target = tmp_path_factory.mktemp("catalogs") / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run([str(pybabel), "-q", "extract", "-F", "babel.cfg", *KEYWORDS,
                    "-o", str(target), "."], cwd=ROOT, check=True)
    with target.open("rb") as handle:
        return read_po(handle)


def _catalog(language):
    with (CATALOGS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def _key(message):
    return (message.context, message.id if isinstance(message.id, str) else message.id[0])


def test_extraction_finds_the_messages_of_templates_code_and_pictures(extracted):
    found = {_key(m)[1] for m in extracted if m.id}
    assert {"Your settings", "Log in to mawflow", "Coordinators", "Network map",
            "Characters left: {count}."} <= found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(extracted, language):
    catalog = _catalog(language)
    known = {_key(m): m for m in catalog if m.id}
    missing, fuzzy, empty = [], [], []
    for message in extracted:
        if not message.id:
            continue
        found = known.get(_key(message))
        strings = [] if found is None else (
            list(found.string) if isinstance(found.string, list | tuple) else [found.string])
        if found is None:
            missing.append(_key(message)[1])
        elif found.fuzzy:
            fuzzy.append(_key(message)[1])
        elif not all(strings):
            empty.append(_key(message)[1])
    assert (missing, fuzzy, empty) == ([], [], []), (
        f"{language}: run `make catalogs`, then translate in "
        f"webapp/translations/{language}/LC_MESSAGES/messages.po")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_is_the_committed_one(language):
    """`make install` compiles the .mo files (they are not committed); the app must not read
    a catalog older than its .po."""
    mo_path = CATALOGS / language / "LC_MESSAGES" / "messages.mo"
    assert mo_path.exists(), "run `make translations` (part of `make install`)"
    with mo_path.open("rb") as handle:
        compiled = {_entry(m) for m in read_mo(handle) if m.id}
    assert compiled == {_entry(m) for m in _catalog(language) if m.id and not m.fuzzy}, \
        "run `make translations`: the .mo is stale"


def _entry(message):
    """(context, id, translation) with plural forms as tuples."""
    return message.context, _tuple(message.id), _tuple(message.string)


def _tuple(value):
    return tuple(value) if isinstance(value, list | tuple) else value
