"""The texts of a process bundle that people read, and so that a process owner translates.

A text is found in its file at an *element*: a BPMN or DMN element id (with what it is:
``name``, ``instructions``, ``label``, ``description``, ``output``) or the JSON Pointer of a
form's text. Only texts are listed: ids, codes that forms store (``const``, ``enum``),
variable names, expressions and scripts are never texts. The one exception is a decision
table's output value: it is shown as it is in the advice panel and in instructions
(``{{ triage_rule }}``), so a string it returns is a text too, whether it is a sentence or a
code such as ``close``; translating it changes what people read, never the stored value.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from .bundle import parse_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
#: BPMN elements whose ``name`` is a variable or is never drawn, not a text people read.
NOT_SHOWN = frozenset({
    "inputDataItem", "outputDataItem", "dataInput", "dataOutput", "property", "dataObject",
    "definitions", "collaboration", "laneSet", "ioSpecification",
    # message, signal, error and escalation names are codes the engine matches events by
    "message", "signal", "error", "escalation",
})  # fmt: skip
#: Keys of a JSON Schema object whose value is a text; ``enumNames`` is a list of texts.
SCHEMA_TEXTS = ("title", "description", "errorMessage")
#: Keys of a UI schema whose value is a text (or, for ui:enumNames, a list of texts).
UI_TEXTS = ("ui:title", "ui:description", "ui:help", "ui:placeholder")
_SUBSCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties")
_SUBSCHEMA_LISTS = ("oneOf", "anyOf", "allOf", "prefixItems")
_SUBSCHEMAS = ("items", "if", "then", "else", "not", "contains", "additionalProperties")


@dataclass(frozen=True)
class Text:
    """One translatable text: where it is (``file``, ``element``) and what it says."""

    file: str
    element: str
    source: str


def bundle_texts(files: dict[str, str]) -> list[Text]:
    """Every translatable text of a bundle, file by file in path order, each once per place.

    Files that cannot be parsed are skipped (validation reports them)."""
    found: list[Text] = []
    for path in sorted(files):
        found.extend(file_texts(path, files[path]))
    return found


def file_texts(path: str, content: str) -> list[Text]:
    """The translatable texts of one bundle file ([] for files without any, or unreadable)."""
    try:
        if path.startswith("processes/") and path.endswith(".bpmn"):
            pairs = list(_bpmn_texts(parse_xml(content)))
        elif path.startswith("rules/") and path.endswith(".dmn"):
            pairs = list(_dmn_texts(parse_xml(content)))
        elif path.startswith("forms/") and path.endswith(".json"):
            pairs = form_texts(path, json.loads(content))
        else:
            return []
    except (etree.XMLSyntaxError, ValueError):
        return []
    return [Text(path, element, source) for element, source in pairs if _is_text(source)]


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


# --- BPMN ----------------------------------------------------------------------------------


def _bpmn_texts(tree) -> Iterator[tuple[str, str]]:
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        qname = etree.QName(element.tag)
        if qname.namespace == BPMN and qname.localname not in NOT_SHOWN:
            ident = element.get("id") or qname.localname
            if element.get("name"):
                yield f"{ident} (name)", element.get("name")
            if qname.localname == "textAnnotation":
                body = element.find(f"{{{BPMN}}}text")
                if body is not None and body.text:
                    yield f"{ident} (text)", body.text
        elif qname.namespace == SPIFF and qname.localname == "instructionsForEndUser":
            owner = _owner_id(element)
            if element.text:
                yield f"{owner} (instructions)", element.text


def _owner_id(element) -> str:
    """The id of the BPMN element an extension element belongs to."""
    parent = element.getparent()
    while parent is not None and not parent.get("id"):
        parent = parent.getparent()
    return parent.get("id") if parent is not None else "?"


# --- DMN -----------------------------------------------------------------------------------


def _dmn_texts(tree) -> Iterator[tuple[str, str]]:
    for element in tree.iter():
        name = _local(element.tag)
        ident = element.get("id") or name
        if name == "decision" and element.get("name"):
            yield f"{ident} (name)", element.get("name")
        elif name == "output":
            yield f"{ident} (label)", element.get("label") or ""
        elif name == "rule":
            description = next((c for c in element if _local(c.tag) == "description"), None)
            if description is not None and description.text:
                yield f"{ident} (description)", description.text.strip()
        elif name == "outputEntry":
            body = next((c for c in element if _local(c.tag) == "text"), None)
            for value in output_strings(body.text if body is not None else ""):
                yield f"{ident} (output)", value


def output_strings(expression: str | None) -> list[str]:
    """The strings a decision cell can give as its value: a string literal, or the results
    of conditional expressions (``"a" if x else "b"``), never the strings it tests."""
    try:
        node = ast.parse((expression or "").strip(), mode="eval").body
    except SyntaxError:
        return []
    return [s for s in _results(node) if _is_text(s)]


def _results(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _results(node.body) + _results(node.orelse)
    if isinstance(node, ast.BoolOp):
        return [s for value in node.values for s in _results(value)]
    return []


# --- forms ---------------------------------------------------------------------------------


def pointer(base: str, key: str | int) -> str:
    """A JSON Pointer one step below ``base``."""
    return f"{base}/{str(key).replace('~', '~0').replace('/', '~1')}"


def _schema_texts(schema: Any, where: str) -> Iterator[tuple[str, str]]:
    if not isinstance(schema, dict):
        return
    for key in SCHEMA_TEXTS:
        if isinstance(schema.get(key), str):
            yield pointer(where, key), schema[key]
    if isinstance(schema.get("enumNames"), list):
        for index, name in enumerate(schema["enumNames"]):
            yield pointer(pointer(where, "enumNames"), index), name
    for path, sub in _subschemas(schema, where):
        yield from _schema_texts(sub, path)
    files = schema.get("x-attachments")  # the file field's legend and help (top level)
    if not where and isinstance(files, dict):
        for key in ("title", "description"):
            if isinstance(files.get(key), str):
                yield pointer(pointer(where, "x-attachments"), key), files[key]


def _subschemas(schema: dict, where: str) -> Iterator[tuple[str, Any]]:
    """(pointer, subschema) of the schemas directly inside a schema object."""
    for key in _SUBSCHEMA_MAPS:
        if isinstance(schema.get(key), dict):
            for name, sub in schema[key].items():
                yield pointer(pointer(where, key), name), sub
    for key in _SUBSCHEMA_LISTS:
        if isinstance(schema.get(key), list):
            for index, sub in enumerate(schema[key]):
                yield pointer(pointer(where, key), index), sub
    for key in _SUBSCHEMAS:
        yield pointer(where, key), schema.get(key)


def _ui_texts(ui: Any, where: str) -> Iterator[tuple[str, str]]:
    if not isinstance(ui, dict):
        return
    for key, value in ui.items():
        if key in UI_TEXTS and isinstance(value, str):
            yield pointer(where, key), value
        elif key == "ui:enumNames" and isinstance(value, list):
            for index, name in enumerate(value):
                yield pointer(pointer(where, key), index), name
        elif not key.startswith("ui:") and isinstance(value, dict):
            yield from _ui_texts(value, pointer(where, key))


def form_texts(path: str, form: Any) -> list[tuple[str, str]]:
    """(JSON Pointer, text) of a parsed form file (a UI schema when ``path`` ends in
    ``.uischema.json``)."""
    found = _ui_texts(form, "") if path.endswith(".uischema.json") else _schema_texts(form, "")
    return [(where, text) for where, text in found if _is_text(text)]
