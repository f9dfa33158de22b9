"""A static data-flow check: variables read by scripts, conditions and decision tables that no
earlier step can have set (a misspelt field name, a form field removed, a step moved).

Over the BPMN graph of the bundle (sequence flows, boundary events, embedded subprocesses and
call activities), a name is available at an element when the application sets it at start,
or an element from which this one can be reached sets it: a form (its fields, or its
``variableName``), a script (what it assigns), a decision table (its outputs), a multi-instance
activity (its item and collection) or a message. "Can have set" is generous on purpose: a
warning means no path at all sets the name, never that one path might not.
"""

from __future__ import annotations

import ast
import builtins
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree

from .errors import Problem
from .messages import APP_MESSAGES
from .phrases import N_, Phrase, say
from .scriptfunctions import SCRIPT_FUNCTIONS

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
#: What the application puts in the data when a case starts.
START_DATA = frozenset({"case_code"})
_ALWAYS = frozenset(dir(builtins)) | {"datetime", "date", "timedelta", "UTC"} | SCRIPT_FUNCTIONS
_ANYTHING = "*"  # a message whose whole payload lands in the data: it may set any name
_SCOPES = (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ListComp, ast.SetComp,
           ast.DictComp, ast.GeneratorExp)


class _Names(ast.NodeVisitor):
    """Names a snippet reads (not set by itself first) and names it sets at its top level."""

    def __init__(self) -> None:
        self.loaded: list[str] = []
        self.local: set[str] = set()
        self.assigned: set[str] = set()
        self.depth = 0

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.loaded.append(node.id)
        else:
            self.local.add(node.id)
            if self.depth == 0:
                self.assigned.add(node.id)

    def visit_arg(self, node: ast.arg) -> None:
        self.local.add(node.arg)

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.local.add(node.name)
            if self.depth == 0:
                self.assigned.add(node.name)
        scoped = isinstance(node, _SCOPES)
        self.depth += scoped
        super().generic_visit(node)
        self.depth -= scoped


def snippet_names(source: str | None, mode: str = "exec") -> tuple[set[str], set[str]]:
    """(read, set) of a script (``exec``) or an expression (``eval``); empty when it does not
    parse (validation reports that on its own)."""
    if not source or not source.strip():
        return set(), set()
    try:
        tree = ast.parse(source.strip() if mode == "eval" else source, mode=mode)
    except SyntaxError:
        return set(), set()
    names = _Names()
    names.visit(tree)
    reads = {n for n in names.loaded if n not in names.local and n not in _ALWAYS}
    return reads, names.assigned


@dataclass
class _Reader:
    key: tuple[str, str]
    file: str
    element: str | None
    what: Phrase
    names: set[str]
    own: set[str] = field(default_factory=set)  # set by the same element before it reads


@dataclass
class _Graph:
    edges: dict = field(default_factory=lambda: defaultdict(set))
    writes: dict = field(default_factory=lambda: defaultdict(set))
    readers: list[_Reader] = field(default_factory=list)
    labels: dict = field(default_factory=dict)

    def ancestors(self, key) -> set:
        back = defaultdict(set)
        for source, targets in self.edges.items():
            for target in targets:
                back[target].add(source)
        seen, todo = set(), [key]
        while todo:
            for source in back[todo.pop()]:
                if source not in seen:
                    seen.add(source)
                    todo.append(source)
        return seen


def _text(node, xpath: str) -> str | None:
    found = node.find(xpath, NS)
    return found.text if found is not None else None


def _form_fields(files: dict[str, str], name: str | None) -> set[str]:
    if not name:
        return set()
    try:
        schema = json.loads(files.get(f"forms/{name}", ""))
    except ValueError:
        return set()
    properties = schema.get("properties") if isinstance(schema, dict) else None
    return set(properties) if isinstance(properties, dict) else set()


def _decisions(trees) -> dict[str, tuple[str, etree._Element]]:
    return {d.get("id"): (path, d) for path, tree in trees.items() if path.endswith(".dmn")
            for d in tree.iter("{*}decision")}


def _label(node) -> str:
    name = node.get("name")
    return f"'{name}'" if name else f"'{node.get('id')}'"


def _what(text: str, node, **values) -> Phrase:
    """What reads a name, e.g. "the script of 'Check'" (``text`` has ``%(element)s``)."""
    return say(text, element=_label(node), **values)


class _Builder:
    def __init__(self, trees, files):
        self.trees = {p: t for p, t in trees.items() if p.endswith(".bpmn")}
        self.files = files
        self.decisions = _decisions(trees)
        self.graph = _Graph()
        self.processes = {}  # process id -> (path, element)
        for path, tree in self.trees.items():
            for proc in tree.iterfind(".//bpmn:process", NS):
                self.processes.setdefault(proc.get("id"), (path, proc))

    def build(self) -> _Graph:
        for path, tree in self.trees.items():
            for proc in tree.iterfind(".//bpmn:process", NS):
                self._scope(path, proc)
        return self.graph

    def _scope(self, path, scope) -> None:
        g = self.graph
        for flow in scope.iterfind("bpmn:sequenceFlow", NS):
            g.edges[(path, flow.get("sourceRef"))].add((path, flow.get("targetRef")))
            condition = _text(flow, "bpmn:conditionExpression")
            if condition:
                reads, _ = snippet_names(condition, "eval")
                what = _what(N_("the condition of the flow %(element)s"), flow)
                g.readers.append(_Reader((path, flow.get("sourceRef")), path, flow.get("id"),
                                         what, reads))
        for node in scope:
            if not isinstance(node.tag, str) or node.get("id") is None:
                continue
            local = etree.QName(node).localname
            key = (path, node.get("id"))
            g.labels[key] = node
            if local == "boundaryEvent":
                g.edges[(path, node.get("attachedToRef"))].add(key)
            if local == "subProcess":
                self._scope(path, node)
                self._enter(key, path, node)
            if local == "callActivity":
                target = self.processes.get(node.get("calledElement") or "")
                if target is not None:
                    self._enter(key, *target)
            self._element(path, key, node, local)

    def _enter(self, key, path, proc) -> None:
        """A subprocess (embedded or called) starts after ``key`` and ends into it."""
        for child in proc:
            if isinstance(child.tag, str) and child.get("id"):
                kind = etree.QName(child).localname
                if kind == "startEvent":
                    self.graph.edges[key].add((path, child.get("id")))
                elif kind == "endEvent":
                    self.graph.edges[(path, child.get("id"))].add(key)

    def _element(self, path, key, node, local) -> None:
        g = self.graph
        item = self._loop(key, node)
        pre = _text(node, "bpmn:extensionElements/spiff:preScript")
        post = _text(node, "bpmn:extensionElements/spiff:postScript")
        pre_reads, pre_writes = snippet_names(pre)
        post_reads, post_writes = snippet_names(post)
        form = self._form_writes(node)
        if pre:
            g.readers.append(_Reader(key, path, node.get("id"),
                                     _what(N_("the pre-script of %(element)s"), node),
                                     pre_reads, set(item)))
        if post:
            g.readers.append(_Reader(key, path, node.get("id"),
                                     _what(N_("the post-script of %(element)s"), node), post_reads,
                                     set(item) | pre_writes | form))
        g.writes[key] |= pre_writes | post_writes | form
        if local == "scriptTask":
            reads, writes = snippet_names(_text(node, "bpmn:script"))
            g.readers.append(_Reader(key, path, node.get("id"),
                                     _what(N_("the script of %(element)s"), node),
                                     reads, set(item) | pre_writes))
            g.writes[key] |= writes
        if local == "businessRuleTask":
            self._decision(key, node, set(item) | pre_writes)
        for prop in node.iterfind("bpmn:extensionElements/spiff:properties/spiff:property", NS):
            if prop.get("name") in ("assignedOrganisation", "dueIn", "dueAt"):
                reads, _ = snippet_names(prop.get("value"), "eval")
                g.readers.append(_Reader(key, path, node.get("id"),
                                         _what(N_("the %(property)s of %(element)s"), node,
                                               property=prop.get("name")), reads,
                                         set(item) | pre_writes))
        for timer in node.iterfind("bpmn:timerEventDefinition/*", NS):
            reads, _ = snippet_names(timer.text, "eval")
            g.readers.append(_Reader(key, path, node.get("id"),
                                     _what(N_("the timer of %(element)s"), node), reads))
        g.writes[key] |= self._message_writes(node) | self._signal_writes(node)

    def _loop(self, key, node) -> list[str]:
        """A multi-instance activity: reads its collection, sets its item inside and its
        output collection after. Returns the names available inside each instance."""
        loop = node.find("bpmn:multiInstanceLoopCharacteristics", NS)
        if loop is None:
            return []
        inside = [el.get("name") for el in (loop.find("bpmn:inputDataItem", NS),
                                            loop.find("bpmn:outputDataItem", NS))
                  if el is not None and el.get("name")]
        collection = _text(loop, "bpmn:loopDataInputRef")
        if collection:
            self.graph.readers.append(_Reader(key, key[0], node.get("id"),
                                              _what(N_("the multi-instance collection of "
                                                       "%(element)s"), node), {collection.strip()}))
        output = _text(loop, "bpmn:loopDataOutputRef")
        self.graph.writes[key] |= {output.strip()} if output else set()
        cardinality = _text(loop, "bpmn:loopCardinality")
        if cardinality:
            reads, _ = snippet_names(cardinality, "eval")
            what = _what(N_("the loop cardinality of %(element)s"), node)
            self.graph.readers.append(_Reader(key, key[0], node.get("id"), what, reads))
        # a called process starts with the item (its data is the instance's)
        self.graph.writes[("item", key)] = set(inside)
        return inside

    def _form_writes(self, node) -> set[str]:
        variable = _text(node, "bpmn:extensionElements/spiff:variableName")
        if variable:
            return {variable.strip()}
        props = {p.get("name"): p.get("value") for p in
                 node.iterfind("bpmn:extensionElements/spiff:properties/spiff:property", NS)}
        return _form_fields(self.files, props.get("formJsonSchemaFilename"))

    def _decision(self, key, node, own: set[str]) -> None:
        decision_id = (_text(node, "bpmn:extensionElements/spiff:calledDecisionId") or "").strip()
        found = self.decisions.get(decision_id)
        if found is None:
            return
        path, decision = found
        for output in decision.iter("{*}output"):
            if output.get("name"):
                self.graph.writes[key].add(output.get("name").split(".")[0])
        for entry in decision.iter("{*}inputExpression"):
            reads, _ = snippet_names(entry.findtext("{*}text"), "eval")
            holder = entry.getparent()
            what = _what(N_("the input %(input)s of the decision '%(decision)s' (called by "
                            "%(element)s in %(file)s)"), node,
                         input=repr(holder.get("label") or holder.get("id")),
                         decision=decision_id, file=key[0])
            self.graph.readers.append(_Reader(key, path, holder.get("id"), what, reads, own))

    def _message_writes(self, node) -> set[str]:
        written = set()
        for definition in node.iterfind("bpmn:messageEventDefinition", NS):
            ref = definition.get("messageRef")
            message = self._message(ref)
            variable = _text(message, ".//spiff:messageVariable") if message is not None else None
            if variable:
                written.add(variable.strip())
            elif message is not None and (message.get("name") or ref) in APP_MESSAGES:
                written |= set(APP_MESSAGES[message.get("name") or ref].variables)
            else:
                written.add(_ANYTHING)
        return written

    def _signal_writes(self, node) -> set[str]:
        """A catching signal event sets its signal's spiffworkflow:variableName (the payload
        the throwing side sent); the variable name is read from the signal as the file
        holding the event declares it."""
        written = set()
        tree = node.getroottree()
        for definition in node.iterfind("bpmn:signalEventDefinition", NS):
            for signal in tree.iterfind(".//bpmn:signal", NS):
                if signal.get("id") == definition.get("signalRef"):
                    variable = _text(signal, "bpmn:extensionElements/spiff:variableName")
                    if variable and variable.strip():
                        written.add(variable.strip())
        return written

    def _message(self, ref: str | None):
        for tree in self.trees.values():
            for message in tree.iterfind(".//bpmn:message", NS):
                if message.get("id") == ref:
                    return message
        return None


def names_set(trees: dict[str, etree._Element], files: dict[str, str]) -> set[str]:
    """Every name some element of the bundle can set (forms, scripts, decisions...)."""
    graph = _Builder(trees, files).build()
    return set().union(*graph.writes.values()) if graph.writes else set()


def check_data_flow(trees: dict[str, etree._Element], files: dict[str, str],
                    start_data: Iterable[str] = START_DATA) -> list[Problem]:
    """Warnings for names read where no element before can have set them."""
    graph = _Builder(trees, files).build()
    data_objects = {el.get("name") or el.get("id") for tree in trees.values()
                    for el in tree.iterfind(".//bpmn:dataObject", NS)}
    warnings: dict[tuple, Problem] = {}
    cache: dict = {}
    for reader in graph.readers:
        if reader.key not in cache:
            before = graph.ancestors(reader.key)
            known = set(start_data) | data_objects
            for key in before:
                known |= graph.writes.get(key, set()) | graph.writes.get(("item", key), set())
            cache[reader.key] = known
        known = cache[reader.key]
        if _ANYTHING in known:
            continue
        missing = sorted(reader.names - known - reader.own)
        for name in missing:
            at = (reader.file, reader.element, name)
            warnings.setdefault(at, Problem.of(reader.file, reader.element, N_(
                "%(what)s reads '%(name)s', which no step before it sets (no form field, "
                "script, decision or multi-instance item of that name). Check the spelling, or "
                "set it in an earlier step"), warning=True, what=reader.what,
                name=name))  # fmt: skip
    return list(warnings.values())
