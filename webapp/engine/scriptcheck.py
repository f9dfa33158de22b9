"""Static checks on the XML of a bundle: every script and expression compiles in the sandbox,
and every business rule task names an existing decision."""

from __future__ import annotations

from lxml import etree

from .errors import Problem
from .phrases import N_, say
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
    (".//bpmn:scriptTask/bpmn:script", "exec", N_("the script")),
    (".//spiff:preScript", "exec", N_("the pre-script")),
    (".//spiff:postScript", "exec", N_("the post-script")),
    (".//bpmn:sequenceFlow/bpmn:conditionExpression", "eval", N_("the condition")),
    (".//bpmn:timerEventDefinition/*", "eval", N_("the timer expression")),
    (".//bpmn:loopCardinality", "eval", N_("the loop cardinality")),
    (".//bpmn:completionCondition", "eval", N_("the completion condition")),
)


def _owner(node: etree._Element) -> etree._Element:
    """The nearest enclosing element that a process owner sees in the diagram."""
    while node is not None and (
        node.get("id") is None
        or etree.QName(node).localname.endswith(("EventDefinition", "LoopCharacteristics"))
    ):
        node = node.getparent()
    return node


def _named(owner: etree._Element | None, text: str, **values) -> tuple[str, dict]:
    """``text`` preceded by the name of the element it is about (``'Check': ...``), if any:
    the message id and its values for Problem.of."""
    name = owner.get("name") if owner is not None else None
    if not name:
        return text, values
    return N_("'%(name)s': %(problem)s"), {"name": name, "problem": say(text, **values)}


def _snippet_problem(path, node, source, mode, what) -> Problem | None:
    if not source or not source.strip():
        return None
    reason = check_script(source.strip() if mode == "eval" else source, mode)
    if reason is None:
        return None
    owner = _owner(node)
    element = owner.get("id") if owner is not None else None
    text, values = _named(owner, N_("%(what)s is not allowed or does not parse: %(reason)s"),
                          what=say(what) if isinstance(what, str) else what, reason=reason)
    return Problem.of(path, element, text, **values)


def _bpmn_problems(path: str, tree: etree._Element, decisions: set[str]) -> list[Problem]:
    problems = [
        _snippet_problem(path, node, node.text, mode, what)
        for xpath, mode, what in _BPMN_SNIPPETS
        for node in tree.iterfind(xpath, NS)
    ]
    problems += [
        _snippet_problem(path, prop, prop.get("value"), "eval",
                         say(N_("the expression of %(property)s"), property=prop.get("name")))
        for prop in tree.iterfind(".//spiff:property", NS)
        if prop.get("name") in _EXPRESSION_PROPERTIES
    ]
    for node in tree.iterfind(".//bpmn:process/*[@id]", NS):
        if node.get("id") in _RESERVED_IDS:
            text, values = _named(node, N_("the id '%(id)s' is reserved by the engine; rename "
                                           "it"), id=node.get("id"))
            problems.append(Problem.of(path, node.get("id"), text, **values))
    for node in tree.iterfind(".//spiff:calledDecisionId", NS):
        owner = _owner(node)
        if (node.text or "").strip() not in decisions:
            text, values = _named(owner, N_("the decision '%(decision)s' does not exist in "
                                            "rules/ (known: %(known)s)"),
                                  decision=node.text or "",
                                  known=sorted(decisions) or say(N_("none")))
            problems.append(Problem.of(path, owner.get("id"), text, **values))
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
                        problems.append(Problem.of(path, rule.get("id"),
                                                   N_("output cell: %(reason)s"), reason=reason))
        for text in inputs:
            reason = check_script(text.strip(), "eval") if text.strip() else None
            if reason:
                problems.append(Problem.of(path, table.get("id"),
                                           N_("input expression: %(reason)s"), reason=reason))
    return problems


def _check_cell(path, rule, input_expr, text, problems) -> None:
    match = text.replace("?", "dmninputexpr")
    candidates = [f"({input_expr}) == ({match})", f"({input_expr}) {match}", match]
    reasons = [check_script(c, "eval") for c in candidates]
    if all(reasons):
        problems.append(Problem.of(path, rule.get("id"), N_("input cell '%(cell)s': %(reason)s"),
                                   cell=text, reason=reasons[0]))


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
