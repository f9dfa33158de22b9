"""Process bundles: reading the files, hashing them, parsing them into specs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from lxml import etree
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from . import serializer
from .formoptions import data_variable, fields_with_data_options

#: (folder, suffix) of the files that make up a bundle.
BUNDLE_PARTS = (
    ("processes", ".bpmn"), ("rules", ".dmn"), ("forms", ".json"), ("i18n", ".json"),
)


def read_bundle_dir(root: Path) -> dict[str, str]:
    """Read a bundle from disk: ``{"processes/a.bpmn": text, "rules/x.dmn": text, ...}``.

    Only ``*.bpmn`` in processes/, ``*.dmn`` in rules/, ``*.json`` in forms/ and the
    translation catalogs ``*.json`` in i18n/ are read (not recursively).
    Raises OSError / UnicodeDecodeError when a file cannot be read."""
    root = Path(root)
    files: dict[str, str] = {}
    for folder, suffix in BUNDLE_PARTS:
        directory = root / folder
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if path.is_file() and path.name.endswith(suffix):
                files[f"{folder}/{path.name}"] = path.read_text(encoding="utf-8")
    return files


def bundle_hash(files: dict[str, str]) -> str:
    """A stable sha256 (hex) over the sorted (path, content) pairs of a bundle."""
    digest = hashlib.sha256()
    for path in sorted(files):
        for part in (path, files[path]):
            raw = part.encode("utf-8")
            digest.update(len(raw).to_bytes(8, "big"))
            digest.update(raw)
    return digest.hexdigest()


def safe_xml_parser() -> etree.XMLParser:
    """An lxml parser that never resolves entities, loads DTDs or touches the network."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_comments=True,
    )  # fmt: skip


def parse_xml(text: str) -> etree._Element:
    """Parse XML text with :func:`safe_xml_parser`. Raises etree.XMLSyntaxError."""
    return etree.fromstring(text.encode("utf-8"), parser=safe_xml_parser())


class Bundle:
    """A compiled process version: its files and the parsed specs, shareable between cases."""

    def __init__(self, files: dict[str, str], spec, subprocess_specs: dict, spec_json=None):
        self.files = dict(files)
        self.hash = bundle_hash(self.files)
        self.spec = spec
        self.subprocess_specs = subprocess_specs
        self.process_id = spec.name
        self.process_name = spec.description or spec.name
        self._spec_json = spec_json
        self._forms: dict[str, dict | None] = {}
        self._choice_variables: dict[str, tuple[str, ...]] = {}
        # What validation found worth a look (compile_bundle sets it; engine.Problem list).
        self.warnings: list = []

    def form(self, filename: str) -> dict | None:
        """The parsed JSON of ``forms/<filename>``, or None if there is no such (valid) file."""
        if filename not in self._forms:
            text = self.files.get(f"forms/{filename}")
            try:
                self._forms[filename] = json.loads(text) if text is not None else None
            except ValueError:
                self._forms[filename] = None
        return self._forms[filename]

    def choice_variables(self, filename: str) -> tuple[str, ...]:
        """The task data variables the form ``forms/<filename>`` takes choices from
        (engine.formoptions); () for most forms."""
        names = self._choice_variables.get(filename)
        if names is None:
            sources = fields_with_data_options(self.form(filename) or {}).values()
            names = tuple(sorted({data_variable(source) for source in sources}))
            self._choice_variables[filename] = names
        return names

    def task_properties(self, element_id: str) -> dict:
        """The ``spiffworkflow:properties`` of the task with BPMN id ``element_id`` in any
        process of this version (empty when there is no such task or it has none)."""
        for process in [self.spec, *self.subprocess_specs.values()]:
            for name in (element_id, f"{element_id} [child]"):
                spec = process.task_specs.get(name)
                props = (getattr(spec, "extensions", None) or {}).get("properties")
                if props:
                    return dict(props)
        return {}

    def lane_name(self, element_id: str) -> str | None:
        """The diagram's name of the lane the task with BPMN id ``element_id`` is in (e.g.
        "Table", whose tasks go to coordinators), or None."""
        for process in [self.spec, *self.subprocess_specs.values()]:
            for name in (element_id, f"{element_id} [child]"):
                spec = process.task_specs.get(name)
                if spec is not None and getattr(spec, "lane", None):
                    return spec.lane
        return None

    def spec_json(self) -> str:
        """The serialized specs (main + subprocesses), to be stored once per process version."""
        if self._spec_json is None:
            self._spec_json = serializer.dump_specs(self.spec, self.subprocess_specs)
        return self._spec_json

    @classmethod
    def from_stored(cls, files: dict[str, str], spec_json: str) -> Bundle:
        """Rebuild a deployed version from its files and :meth:`spec_json`, without validating.

        Raises StateError when ``spec_json`` cannot be loaded."""
        spec, subs = serializer.load_specs(spec_json)
        return cls(files, spec, subs, spec_json)


def new_parser(files: dict[str, str], validate: bool = True) -> SpiffBpmnParser:
    """A SpiffBpmnParser fed with every BPMN and DMN file of ``files`` (XSD-checked if
    ``validate``). Raises the parser's exceptions (lxml or SpiffWorkflow ValidationException)."""
    from SpiffWorkflow.spiff.parser.process import VALIDATOR

    parser = SpiffBpmnParser(validator=VALIDATOR if validate else None)
    for path in sorted(files):
        if path.startswith("processes/") and path.endswith(".bpmn"):
            parser.add_bpmn_xml(parse_xml(files[path]), path)
        elif path.startswith("rules/") and path.endswith(".dmn"):
            parser.add_dmn_xml(parse_xml(files[path]), path)
    return parser


def process_name(files: dict[str, str], process_id: str) -> str | None:
    """The name the bundle's diagrams give the process ``process_id`` (None when it has none
    or no readable diagram draws it)."""
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    for path in sorted(files):
        if not (path.startswith("processes/") and path.endswith(".bpmn")):
            continue
        if f'"{process_id}"' not in files[path]:
            continue
        try:
            tree = parse_xml(files[path])
        except etree.XMLSyntaxError:
            continue
        for proc in tree.iterfind(".//bpmn:process", ns):
            if proc.get("id") == process_id and (proc.get("name") or "").strip():
                return proc.get("name").strip()
    return None


def executable_roots(trees: Iterable[etree._Element]) -> list[str]:
    """Ids of executable processes that no call activity calls (candidates for the main one)."""
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    executable, called = [], set()
    for tree in trees:
        for proc in tree.iterfind(".//bpmn:process", ns):
            if proc.get("isExecutable", "false").lower() == "true":
                executable.append(proc.get("id"))
        called.update(el.get("calledElement") for el in tree.iterfind(".//bpmn:callActivity", ns))
    return list(dict.fromkeys(pid for pid in executable if pid not in called))


def build_bundle(files: dict[str, str], process_id: str | None = None) -> Bundle:
    """Parse ``files`` into a Bundle WITHOUT the checks of ``compile_bundle`` (tests, tools).

    Raises the parser's exceptions or ValueError when the main process is ambiguous."""
    parser = new_parser(files, validate=False)
    if process_id is None:
        trees = [parse_xml(t) for p, t in files.items() if p.startswith("processes/")]
        roots = executable_roots(trees)
        if len(roots) != 1:
            raise ValueError(f"cannot tell the main process among {roots}")
        process_id = roots[0]
    return Bundle(files, parser.get_spec(process_id), parser.get_subprocess_specs(process_id))
