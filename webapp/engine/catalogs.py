"""Translation catalogs of a process bundle (``i18n/<language>.json``) and what they lack.

A catalog maps, per file of the bundle, a text in the bundle's own language (the *source*)
to its translation::

    {"source_language": "en",
     "texts": {"processes/case.bpmn": {"Register signal": "Signaal registreren"},
               "forms/register-signal.schema.json": {"Observed concerns": "Geziene zorgen"}}}

Keyed by the text itself (as gettext does), a translation survives what process owners do
most: moving a field, reordering choices, renaming an id, copying a form. A source text that
changes needs a new translation, which validation then lists. A text is looked up under its
own file first, then under any file of the catalog (the same words are translated once).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from jinja2 import TemplateError, nodes
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from .bundle import parse_xml
from .dataflow import START_DATA, names_set
from .errors import Problem
from .phrases import N_, Language
from .texts import Text, bundle_texts, file_texts, output_strings

CATALOG_FOLDER = "i18n"
_CATALOG_NAME = re.compile(r"^i18n/([a-z]{2,3}(?:_[A-Z]{2})?)\.json$")


def catalog_path(language: str) -> str:
    """Where a language's catalog lives in a bundle: ``i18n/<language>.json``."""
    return f"{CATALOG_FOLDER}/{language}.json"


def catalog_language(path: str) -> str | None:
    """The language a bundle path is the catalog of, or None."""
    match = _CATALOG_NAME.match(path)
    return match.group(1) if match else None


@dataclass(frozen=True)
class Catalog:
    """One language's translations of a bundle's texts."""

    language: str
    source_language: str | None
    texts: Mapping[str, Mapping[str, str]]

    def lookup(self, file: str, source: str) -> str | None:
        """The translation of ``source`` found in ``file``, or None."""
        found = self.texts.get(file, {}).get(source)
        if found:
            return found
        return self._anywhere().get(source)

    def _anywhere(self) -> dict[str, str]:
        merged = self.__dict__.get("_merged")
        if merged is None:
            merged = {}
            for file in sorted(self.texts):
                for source, target in self.texts[file].items():
                    if target:
                        merged.setdefault(source, target)
            object.__setattr__(self, "_merged", merged)
        return merged


def parse_catalog(path: str, content: str) -> tuple[Catalog | None, list[Problem]]:
    """Read one catalog file; (None, problems) when it cannot be used at all."""
    language = catalog_language(path)
    if language is None:
        return None, [Problem.of(path, None, N_("a translation catalog is named "
                                                "i18n/<language>.json, e.g. i18n/nl.json"))]
    try:
        data = json.loads(content)
    except ValueError as err:
        return None, [Problem.of(path, None, N_("the catalog is not valid JSON: %(error)s"),
                                 error=str(err))]
    texts = data.get("texts") if isinstance(data, dict) else None
    if not isinstance(texts, dict) or not all(
        isinstance(f, dict) and all(isinstance(k, str) and isinstance(v, str)
                                    for k, v in f.items()) for f in texts.values()):
        return None, [Problem.of(path, None, N_(
            'the catalog must be {"source_language": "en", "texts": {"<file>": '
            '{"<source text>": "<translation>"}}}'))]
    source = data.get("source_language")
    return Catalog(language, source if isinstance(source, str) else None, texts), []


def read_catalogs(files: Mapping[str, str]) -> dict[str, Catalog]:
    """The usable catalogs of a bundle, by language (unusable ones are left out)."""
    catalogs = {}
    for path in sorted(files):
        if path.startswith(f"{CATALOG_FOLDER}/"):
            catalog, _ = parse_catalog(path, files[path])
            if catalog is not None:
                catalogs[catalog.language] = catalog
    return catalogs


def source_language(catalogs: Mapping[str, Catalog], default: str) -> str:
    """The language a bundle is written in: what its catalogs say, else ``default``."""
    for catalog in catalogs.values():
        if catalog.source_language:
            return catalog.source_language
    return default


# --- what is missing -----------------------------------------------------------------------


@dataclass(frozen=True)
class Missing:
    """A text of the bundle without a translation in ``language``."""

    language: str
    text: Text

    def problem(self) -> Problem:
        shown = self.text.source if len(self.text.source) <= 60 else \
            self.text.source[:57].rstrip() + "…"
        return Problem.of(self.text.file, self.text.element,
                          N_("no %(language)s translation of “%(text)s”"),
                          language=Language(self.language), text=shown)


def missing_translations(
    files: Mapping[str, str], languages: Iterable[str], default_source: str
) -> list[Missing]:
    """Every text of the bundle that has no translation in one of ``languages`` (the
    bundle's own language needs none). Texts in file order, per language in the given
    order."""
    catalogs = read_catalogs(files)
    source = source_language(catalogs, default_source)
    texts = bundle_texts(dict(files))
    missing = []
    for language in languages:
        if language == source:
            continue
        catalog = catalogs.get(language)
        missing += [Missing(language, t) for t in texts
                    if catalog is None or not catalog.lookup(t.file, t.source)]
    return missing


def catalog_errors(files: Mapping[str, str]) -> list[Problem]:
    """Catalogs that cannot be read at all (a broken file, like a broken form, is refused)."""
    problems: list[Problem] = []
    for path in sorted(files):
        if path.startswith(f"{CATALOG_FOLDER}/"):
            problems += parse_catalog(path, files[path])[1]
    return problems


def catalog_warnings(files: Mapping[str, str]) -> list[Problem]:
    """What is wrong in the catalogs themselves, without stopping the bundle: catalogs that
    disagree on the bundle's language, and translated instructions that are not valid
    templates or that leave out or add placeholders of the source."""
    problems: list[Problem] = []
    catalogs = read_catalogs(files)
    named = {c.source_language for c in catalogs.values() if c.source_language}
    if len(named) > 1:
        problems.append(Problem.of(f"{CATALOG_FOLDER}/", None, N_(
            "the catalogs name different source languages (%(languages)s)"),
            languages=", ".join(sorted(named))))
    if catalogs:
        known = _names_the_process_sets(files)
        for language, catalog in sorted(catalogs.items()):
            problems += _check_templates(catalog_path(language), catalog, files, known)
    return problems


def translation_warnings(
    files: Mapping[str, str], languages: Iterable[str], default_source: str
) -> list[Problem]:
    """What a process owner should know about the translations, without being stopped:
    catalog_warnings, then every text without a translation in one of ``languages``."""
    problems = catalog_warnings(files)
    for item in missing_translations(files, languages, default_source):
        problems.append(item.problem())
    return problems


def _check_templates(path: str, catalog: Catalog, files: Mapping[str, str],
                     known: set[str]) -> list[Problem]:
    """Translated instructions must still be templates the task page can fill, with the
    placeholders of the source: one left out hides what the source shows (or a misspelt
    copy of it prints nothing), one added prints nothing unless the data has it."""
    problems = []
    for file in sorted(f for f in files if f.startswith("processes/")):
        for text in file_texts(file, files[file]):
            if not text.element.endswith("(instructions)"):
                continue
            target = catalog.lookup(file, text.source)
            if not target or target == text.source:
                continue
            try:
                read = _placeholders(_SYNTAX.parse(target))
            except TemplateError as err:
                problems.append(Problem.of(path, text.element, N_(
                    "the translated instructions are not a valid template: %(error)s"),
                    warning=True, error=str(err)))
                continue
            try:
                source = _placeholders(_SYNTAX.parse(text.source))
            except TemplateError:
                continue  # validation of the diagram reports the source
            left_out = sorted(p for p in source if not any(r[:len(p)] == p for r in read))
            added = sorted({p for p in read if p[0] not in {s[0] for s in source}
                            and p[0] not in known}) if ANY_NAME not in known else []
            if left_out:
                problems.append(Problem.of(path, text.element, N_(
                    "the translated instructions leave out %(placeholders)s"),
                    warning=True, placeholders=_shown(left_out)))
            if added:
                problems.append(Problem.of(path, text.element, N_(
                    "the translated instructions use %(placeholders)s, which the source does "
                    "not use and no step of the process sets"),
                    warning=True, placeholders=_shown(added)))
    return problems


_SYNTAX = SandboxedEnvironment()
#: what dataflow.names_set holds when a message may put any name in the data
ANY_NAME = "*"


def _shown(paths: Iterable[tuple[str, ...]]) -> str:
    return ", ".join(f"{{{{ {'.'.join(p)} }}}}" for p in paths)


def _placeholders(template: nodes.Template) -> set[tuple[str, ...]]:
    """The data a template reads, as paths (``request.question`` -> ("request",
    "question")): names it sets itself (loop variables, ``set``, ``loop``) are not data;
    a method called on a value (``domains.items()``) reads the value."""
    local = {n.name for n in template.find_all(nodes.Name) if n.ctx != "load"} | {"loop"}
    found: set[tuple[str, ...]] = set()

    def visit(node: nodes.Node) -> None:
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr):
            visit(node.node.node)  # the method's value, then its arguments
            for child in node.iter_child_nodes(exclude=("node",)):
                visit(child)
            return
        read = _path(node)
        if read is not None:
            if getattr(node, "ctx", "load") == "load" and read[0] not in local:
                found.add(read)
            return
        for child in node.iter_child_nodes():
            visit(child)

    visit(template)
    return found


def _path(node: nodes.Node) -> tuple[str, ...] | None:
    """``a.b["c"]`` as ("a", "b", "c"); None for anything else."""
    if isinstance(node, nodes.Name):
        return (node.name,)
    if isinstance(node, nodes.Getattr):
        base = _path(node.node)
        return base + (node.attr,) if base else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) \
            and isinstance(node.arg.value, str):
        base = _path(node.node)
        return base + (node.arg.value,) if base else None
    return None


def _names_the_process_sets(files: Mapping[str, str]) -> set[str]:
    """Every name a case's data can hold: what forms, scripts, decisions, multi-instance
    items and messages set (dataflow.names_set), data objects, and what the application
    sets when a case starts."""
    trees = {}
    for path, content in files.items():
        if path.endswith((".bpmn", ".dmn")):
            try:
                trees[path] = parse_xml(content)
            except etree.XMLSyntaxError:
                continue
    names = set(START_DATA) | names_set(trees, dict(files))
    for element in (e for t in trees.values() for e in t.iter("{*}dataObject")):
        names.add(element.get("name") or element.get("id"))
    return names


def decision_value_texts(files: Mapping[str, str]) -> frozenset[str]:
    """The strings the bundle's decision tables can return (see texts.output_strings)."""
    values = set()
    for path, content in files.items():
        if path.startswith("rules/") and path.endswith(".dmn"):
            try:
                tree = parse_xml(content)
            except etree.XMLSyntaxError:
                continue
            for entry in tree.iter("{*}outputEntry"):
                body = next((c for c in entry if etree.QName(c.tag).localname == "text"), None)
                values.update(output_strings(body.text if body is not None else ""))
    return frozenset(values)
