"""A process bundle seen in one language: translated texts, forms, diagrams and instructions,
each made once per bundle and language (see catalogs.py for the catalog format).

Everything here returns new objects and keeps the bundle as it is: a translation changes
what people read, never what is stored (answers keep their codes).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date as _date
from threading import Lock
from typing import Any

from babel import dates
from jinja2.sandbox import ImmutableSandboxedEnvironment
from lxml import etree

from .bundle import parse_xml
from .catalogs import Catalog, decision_value_texts, read_catalogs, source_language
from .formlabels import choice_labels
from .hyphens import soft_hyphens
from .taskinfo import render_instructions_checked
from .texts import BPMN, NOT_SHOWN, file_texts, form_texts


class Translator:
    """A bundle seen in one language: translated texts, forms and diagrams, each made once.

    For the bundle's own language (or a language without a catalog) every text is the
    source. Safe to share between threads; results must not be changed by callers."""

    def __init__(self, files: Mapping[str, str], language: str | None, catalog: Catalog | None,
                 locale: str | None = None, source: str | None = None):
        self.language = language
        self.source = source  # the language the bundle is written in
        self._locale = locale or language or "en"
        self._files = files
        self._catalog = catalog
        self._forms: dict[str, Any] = {}
        self._xml: dict[str, str] = {}
        self._lock = Lock()
        self._labels: dict[str, str] | None = None
        self._env: ImmutableSandboxedEnvironment | None = None
        self._values: dict[str, str] | None = None

    @property
    def active(self) -> bool:
        """False when every text stays as written (no catalog for this language)."""
        return self._catalog is not None

    def text(self, file: str, source: str) -> str:
        """The translation of ``source`` (a text of ``file``), else ``source`` itself."""
        if self._catalog is None or not isinstance(source, str):
            return source
        return self._catalog.lookup(file, source) or source

    def name(self, source: str) -> str:
        """A diagram name (a task's title, a lane, a process) in this language."""
        return self.text("processes/", source)

    def names(self) -> dict[str, str]:
        """{source: translation} of every name in the bundle's diagrams that has one."""
        if self._catalog is None:
            return {}
        found = {}
        for path in sorted(self._files):
            if path.startswith("processes/"):
                for text in file_texts(path, self._files[path]):
                    translated = self.text(path, text.source)
                    if translated != text.source and text.element.endswith("(name)"):
                        found.setdefault(text.source, translated)
        return found

    def decision_text(self, source: str) -> str:
        """A decision table's name, output label or output value in this language."""
        return self.text("rules/", source)

    def form(self, filename: str, original: Any) -> Any:
        """A translated copy of ``forms/<filename>`` (its parsed JSON ``original``); the
        same object for the same file every time, so caches keyed by identity keep working.
        Without a catalog, ``original`` itself."""
        if self._catalog is None or not isinstance(original, dict):
            return original
        made = self._forms.get(filename)
        if made is None:
            path = f"forms/{filename}"
            made = _translate_form(path, original, lambda s: self.text(path, s))
            with self._lock:
                made = self._forms.setdefault(filename, made)
                _ORIGINALS[id(made)] = (made, original)
        return made

    def diagram(self, path: str) -> str:
        """The BPMN XML of ``path`` as a diagram shows it: the names drawn (tasks, lanes,
        events, flows, text annotations) translated, and their long words given soft hyphens
        where their language may break them (engine.hyphens), the ids as they are."""
        made = self._xml.get(path)
        if made is None:
            shown = self.language if self._catalog is not None else self.source
            made = _translate_bpmn(self._files[path],
                                   lambda s: soft_hyphens(self.text(path, s), shown))
            with self._lock:
                made = self._xml.setdefault(path, made)
        return made

    # --- instructions -------------------------------------------------------------------

    def labels(self) -> dict[str, str]:
        """{stored code: label} from the choices of the bundle's forms, in this language
        (the first form in file order that lists a code gives its label)."""
        if self._labels is None:
            found: dict[str, str] = {}
            for path in sorted(self._files):
                if path.startswith("forms/") and path.endswith(".schema.json"):
                    try:
                        schema = json.loads(self._files[path])
                    except ValueError:
                        continue
                    translated = self.form(path.removeprefix("forms/"), schema)
                    for code, label in _choices(translated):
                        found.setdefault(str(code), label)
            self._labels = found
        return self._labels

    def _decision_values(self) -> dict[str, str]:
        if self._values is None:
            self._values = {value: self.decision_text(value)
                            for value in decision_value_texts(self._files)} \
                if self._catalog is not None else {}
        return self._values

    def label(self, value: Any) -> Any:
        """The ``label`` filter of instructions: a stored code (or each of a list of codes)
        as the forms show it, in this language; anything else as it is."""
        if isinstance(value, list | tuple):
            return [self.label(v) for v in value]
        if isinstance(value, str | int) and not isinstance(value, bool):
            return self.labels().get(str(value), value)
        return value

    def date(self, value: Any) -> Any:
        """The ``date`` filter of instructions: an ISO date (``2026-04-15``) as this
        language writes it (``15 apr 2026``); anything else as it is."""
        try:
            day = _date.fromisoformat(str(value)[:10])
        except ValueError:
            return value
        return dates.format_date(day, "medium", locale=self._locale)

    def _finalize(self, value: Any) -> Any:
        """What ``{{ }}`` prints: a value a decision table gave is shown translated."""
        if isinstance(value, str) and self._catalog is not None:
            return self._decision_values().get(value, value)
        return value

    @property
    def environment(self) -> ImmutableSandboxedEnvironment:
        """The immutable sandboxed, autoescaping Jinja of instructions in this language (a
        template cannot change the data it reads)."""
        if self._env is None:
            env = ImmutableSandboxedEnvironment(autoescape=True, finalize=self._finalize)
            env.filters["label"] = self.label
            env.filters["date"] = self.date
            self._env = env
        return self._env

    def instructions(self, source: str, data: dict,
                     file: str = "processes/") -> tuple[str, str | None]:
        """Instructions (the source Markdown template) translated, then filled from ``data``
        in the immutable sandbox: (text, None), or (the translated text as written, why it
        could not be filled in). Owner code: call it only in an engine worker process
        (see instruction_renderer)."""
        return render_instructions_checked(self.text(file, source), data, self.environment)


_catalog_languages: dict[str, list[str]] = {}


def instruction_renderer(files: Mapping[str, str], bundle_hash: str,
                         default_source: str = "en"):
    """For runner: fills in a task's instructions in the bundle's own language and in every
    language it has a catalog for, once, when the task becomes ready (in the engine's worker
    process, under its limits); the web process then only picks the reader's language."""
    languages = _catalog_languages.get(bundle_hash)
    if languages is None:
        languages = _catalog_languages.setdefault(bundle_hash, sorted(read_catalogs(files)))

    def render(source: str, data: dict) -> dict[str, tuple[str, str | None]]:
        shown = {"": translator(files, bundle_hash, None, default_source).instructions(
            source, data)}
        for language in languages:
            seen = translator(files, bundle_hash, language, default_source)
            if seen.active:
                shown[language] = seen.instructions(source, data)
        return shown

    return render


def _choices(schema: Any) -> Iterable[tuple[Any, str]]:
    """(code, label) of every choice list in a form schema, nested rows included."""
    if not isinstance(schema, dict):
        return
    for prop in (schema.get("properties") or {}).values():
        if not isinstance(prop, dict):
            continue
        yield from choice_labels(prop)
        items = prop.get("items")
        if isinstance(items, dict):
            yield from choice_labels(items)
            yield from _choices(items)


#: id of a translated form -> (that form, the form it translates); both stay alive with the
#: translator that made them, so an id is never reused while it is listed here.
_ORIGINALS: dict[int, tuple[Any, Any]] = {}


def original_of(form: Any) -> Any:
    """The bundle's own form that ``form`` is a translation of (``form`` itself if it is
    none): data checked against a translated form was checked against the original's rules."""
    entry = _ORIGINALS.get(id(form))
    return entry[1] if entry is not None and entry[0] is form else form


#: How a caller hands over "the bundle of this process version in the reader's language"
#: (the web layer knows the reader; services and the engine do not).
Texts = Callable[[Any], Translator]

_translators: dict[tuple[str, str | None], Translator] = {}
_translators_lock = Lock()


def translator(files: Mapping[str, str], bundle_hash: str, language: str | None,
               default_source: str = "en", locale: str | None = None) -> Translator:
    """The bundle (``files``, identified by ``bundle_hash``) seen in ``language``; None or
    the bundle's own language: as written. Made once per bundle and language; ``locale``
    (e.g. ``nl_BE``, the language's by default) writes dates in instructions."""
    key = (bundle_hash, language)
    found = _translators.get(key)
    if found is None:
        catalogs = read_catalogs(files)
        source = source_language(catalogs, default_source)
        catalog = None if language in (None, source) else catalogs.get(language)
        with _translators_lock:
            found = _translators.setdefault(key, Translator(files, language, catalog, locale,
                                                            source))
    return found


def _translate_form(path: str, form: Any, tr) -> Any:
    """A deep copy of a parsed form file with every text (texts.form_texts) translated."""
    out = copy.deepcopy(form)
    for where, source in form_texts(path, form):
        *parents, last = [_unescape(part) for part in where.split("/")[1:]]
        node = out
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = tr(source)
        else:
            node[last] = tr(source)
    return out


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


def _translate_bpmn(xml: str, tr) -> str:
    """``xml`` with its shown texts passed through ``tr``; the very same text when ``tr``
    changed none."""
    try:
        tree = parse_xml(xml)
    except etree.XMLSyntaxError:
        return xml
    changed = False
    for element in tree.iter(f"{{{BPMN}}}*"):
        if etree.QName(element.tag).localname in NOT_SHOWN:
            continue
        if name := element.get("name"):
            shown = tr(name)
            if shown != name:
                element.set("name", shown)
                changed = True
        if etree.QName(element.tag).localname == "textAnnotation":
            body = element.find(f"{{{BPMN}}}text")
            shown = tr(body.text) if body is not None and body.text else None
            if shown is not None and shown != body.text:
                body.text = shown
                changed = True
    return etree.tostring(tree, encoding="unicode") if changed else xml


