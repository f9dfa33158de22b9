"""Static checks on the XML of a bundle: every script and expression compiles in the sandbox,
and every business rule task names an existing decision."""

from __future__ import annotations

from lxml import etree

from .errors import Problem
from .sandbox import check_script

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
_RESERVED_IDS = {"Start", "End", "Root"}
_EXPRESSION_PROPERTIES = ("assignedOrganisation", "dueIn", "dueAt", "summary", "urgentWhen",
                          "discloseIdentity", "partnerQuestion", "sharedContext")
# (xpath, mode, what) for snippets inside BPMN elements
_BPMN_SNIPPETS = (
    (".//bpmn:scriptTask/bpmn:script", "exec", "script"),
    (".//spiff:preScript", "exec", "pre-script"),
    (".//spiff:postScript", "exec", "post-script"),
    (".//bpmn:sequenceFlow/bpmn:conditionExpression", "eval", "condition"),
    (".//bpmn:timerEventDefinition/*", "eval", "timer expression"),
    (".//bpmn:loopCardinality", "eval", "loop cardinality"),
    (".//bpmn:completionCondition", "eval", "completion condition"),
)


def _owner(node: etree._Element) -> etree._Element:
    """The nearest enclosing element that a process owner sees in the diagram."""
    while node is not None and (
        node.get("id") is None
        or etree.QName(node).localname.endswith(("EventDefinition", "LoopCharacteristics"))
    ):
        node = node.getparent()
    return node


def _describe(owner: etree._Element) -> str:
    name = owner.get("name") if owner is not None else None
    return f"'{name}': " if name else ""


def _snippet_problem(path, node, source, mode, what) -> Problem | None:
    if not source or not source.strip():
        return None
    reason = check_script(source.strip() if mode == "eval" else source, mode)
    if reason is None:
        return None
    owner = _owner(node)
    element = owner.get("id") if owner is not None else None
    return Problem(path, element, f"{_describe(owner)}the {what} is not allowed or does not "
                   f"parse: {reason}")  # fmt: skip


def _bpmn_problems(path: str, tree: etree._Element, decisions: set[str]) -> list[Problem]:
    problems = [
        _snippet_problem(path, node, node.text, mode, what)
        for xpath, mode, what in _BPMN_SNIPPETS
        for node in tree.iterfind(xpath, NS)
    ]
    problems += [
        _snippet_problem(path, prop, prop.get("value"), "eval", f"expression of {prop.get('name')}")
        for prop in tree.iterfind(".//spiff:property", NS)
        if prop.get("name") in _EXPRESSION_PROPERTIES
    ]
    problems += [
        Problem(path, node.get("id"), f"{_describe(node)}the id '{node.get('id')}' is reserved "
                "by the engine; rename it")
        for node in tree.iterfind(".//bpmn:process/*[@id]", NS)
        if node.get("id") in _RESERVED_IDS
    ]  # fmt: skip
    for node in tree.iterfind(".//spiff:calledDecisionId", NS):
        owner = _owner(node)
        if (node.text or "").strip() not in decisions:
            problems.append(
                Problem(
                    path,
                    owner.get("id"),
                    f"{_describe(owner)}the decision '{node.text}' does not "
                    f"exist in rules/ (known: {', '.join(sorted(decisions)) or 'none'})",
                )
            )
    return [p for p in problems if p is not None]


def _dmn_problems(path: str, tree: etree._Element) -> list[Problem]:
    problems = []
    for table in tree.iter("{*}decisionTable"):
        inputs = [el.text or "" for el in table.iterfind("{*}input/{*}inputExpression/{*}text")]
        for rule in table.iterfind("{*}rule"):
            entries = rule.findall("{*}inputEntry")
            for index, entry in enumerate(entries):
                text = (entry.findtext("{*}text") or "").strip()
                if text and text != "-" and index < len(inputs):
                    _check_cell(path, rule, inputs[index], text, problems)
            for entry in rule.iterfind("{*}outputEntry"):
                text = (entry.findtext("{*}text") or "").strip()
                if text:
                    reason = check_script(text, "eval")
                    if reason:
                        problems.append(Problem(path, rule.get("id"), f"output cell: {reason}"))
        for text in inputs:
            reason = check_script(text.strip(), "eval") if text.strip() else None
            if reason:
                problems.append(Problem(path, table.get("id"), f"input expression: {reason}"))
    return problems


def _check_cell(path, rule, input_expr, text, problems) -> None:
    match = text.replace("?", "dmninputexpr")
    candidates = [f"({input_expr}) == ({match})", f"({input_expr}) {match}", match]
    reasons = [check_script(c, "eval") for c in candidates]
    if all(reasons):
        problems.append(Problem(path, rule.get("id"), f"input cell '{text}': {reasons[0]}"))


def decision_ids(trees: dict[str, etree._Element]) -> set[str]:
    """Ids of the decisions defined in the DMN files."""
    return {
        el.get("id")
        for path, tree in trees.items()
        if path.endswith(".dmn")
        for el in tree.iter("{*}decision")
    }


def check_expressions(trees: dict[str, etree._Element]) -> list[Problem]:
    """Problems with scripts, expressions, DMN cells and decision references in parsed XML."""
    decisions = decision_ids(trees)
    problems: list[Problem] = []
    for path, tree in sorted(trees.items()):
        if path.endswith(".bpmn"):
            problems += _bpmn_problems(path, tree, decisions)
        else:
            problems += _dmn_problems(path, tree)
    return problems
