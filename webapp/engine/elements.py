"""What in a diagram mawflow cannot run: refused at validation, naming the element and what to
do instead, rather than accepted and failing in a running case.

Diagrams made for other SpiffWorkflow tools carry elements and ``spiffworkflow:*`` extensions
that those tools act on (service connectors, signal buttons, guest access). The registries
below say which mawflow does not run; any other extension element is kept and ignored. Message
and signal events run when something sends them: another part of the bundle, or (messages)
the application (``messages.APP_MESSAGES``).
"""

from __future__ import annotations

from collections import defaultdict

from lxml import etree

from .errors import Problem
from .messages import APP_MESSAGES, describe_app_messages

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}

#: BPMN elements mawflow does not run, and what to use instead.
UNSUPPORTED_ELEMENTS = {
    "serviceTask": "a service task calls another system (spiff-arena's connectors); mawflow "
                   "calls no other systems. Use a script task for a calculation, or a user "
                   "task for the person who does the work",
    "complexGateway": "complex gateways do not run here; use an inclusive or a parallel gateway",
    "dataStoreReference": "mawflow has no data stores; keep the value in the case data (a "
                          "form field or a script variable)",
}

#: ``spiffworkflow:*`` extension elements other tools act on and mawflow does not.
UNSUPPORTED_EXTENSIONS = {
    "serviceTaskOperator": "it names a service connector, and mawflow calls no other systems",
    "signalButtonLabel": "mawflow shows no button that sends a signal; let a user task's "
                         "answer lead the process (a gateway after it) instead",
    "allowGuest": "mawflow has no guest access: every task is done by a signed-in member of "
                  "the network",
    "guestConfirmation": "mawflow has no guest access: every task is done by a signed-in "
                         "member of the network",
}

_CATCHING = ("intermediateCatchEvent", "boundaryEvent", "startEvent", "receiveTask")
_THROWING = ("intermediateThrowEvent", "endEvent", "sendTask")


def _label(node: etree._Element) -> str:
    name = node.get("name")
    kind = etree.QName(node).localname
    return f"the {kind} '{name}'" if name else f"this {kind}"


def _unsupported(path: str, tree: etree._Element) -> list[Problem]:
    problems = []
    for local, why in UNSUPPORTED_ELEMENTS.items():
        for node in tree.iterfind(f".//bpmn:{local}", NS):
            problems.append(Problem(path, node.get("id"), f"{_label(node)} cannot run here: "
                                    f"{why}."))  # fmt: skip
    for node in tree.iterfind(".//bpmn:extensionElements/spiff:*", NS):
        local = etree.QName(node).localname
        why = UNSUPPORTED_EXTENSIONS.get(local)
        if why is None or etree.QName(node.getparent().getparent()).localname == "serviceTask":
            continue  # the service task itself is named already
        owner = node.getparent().getparent()
        problems.append(Problem(path, owner.get("id"), f"{_label(owner)} uses "
                                f"spiffworkflow:{local}, which mawflow does not run: {why}. "
                                "Remove it."))  # fmt: skip
    return problems


def _event_names(trees: dict[str, etree._Element], kind: str):
    """{name: [(file, element)]} of the elements catching and throwing messages or signals."""
    definitions = {}
    for tree in trees.values():
        for node in tree.iterfind(f".//bpmn:{kind}", NS):
            definitions[node.get("id")] = node.get("name") or node.get("id")
    caught, thrown = defaultdict(list), defaultdict(list)
    ref = "messageRef" if kind == "message" else "signalRef"
    for path, tree in trees.items():
        for locals_, found in ((_CATCHING, caught), (_THROWING, thrown)):
            for local in locals_:
                for node in tree.iterfind(f".//bpmn:{local}", NS):
                    refs = [node.get(ref)] if node.get(ref) else []
                    refs += [d.get(ref) for d in node.iterfind(f"bpmn:{kind}EventDefinition", NS)]
                    for name in (definitions.get(r, r) for r in refs if r):
                        found[name].append((path, node))
    return caught, thrown


def _events(trees: dict[str, etree._Element]) -> list[Problem]:
    problems = []
    for kind, app_sent in (("message", APP_MESSAGES), ("signal", {})):
        caught, thrown = _event_names(trees, kind)
        for name, places in caught.items():
            if name in thrown or name in app_sent:
                continue
            sent = (f" The application sends only: {describe_app_messages()}."
                    if kind == "message" else "")
            for path, node in places:
                problems.append(Problem(path, node.get("id"), f"{_label(node)} waits for the "
                    f"{kind} '{name}', which nothing sends: no part of the process sends it."
                    f"{sent} Send it from the process, or wait for a timer or a user task "
                    "instead."))  # fmt: skip
        for name, places in thrown.items():
            if name in caught:
                continue
            for path, node in places:
                problems.append(Problem(path, node.get("id"), f"{_label(node)} sends the "
                    f"{kind} '{name}', which no part of the process waits for, and mawflow "
                    f"sends no {kind}s to other systems. Remove it, or add the event that "
                    "waits for it."))  # fmt: skip
    return problems


def duplicate_processes(trees: dict[str, etree._Element]) -> list[Problem]:
    """Two processes with the same id: SpiffWorkflow would take one of them, unannounced."""
    where = defaultdict(list)
    for path, tree in sorted(trees.items()):
        for node in tree.iterfind(".//bpmn:process", NS):
            where[node.get("id")].append(path)
    return [
        Problem(paths[0], pid, f"the process id '{pid}' is used by more than one process "
                f"(in {' and '.join(paths)}); give each process its own id, or remove the "
                "duplicate file")
        for pid, paths in where.items() if len(paths) > 1
    ]  # fmt: skip


def check_elements(trees: dict[str, etree._Element]) -> list[Problem]:
    """Unsupported elements and extensions, and messages or signals nothing sends or waits
    for, in the BPMN files of ``trees`` ({path: parsed XML})."""
    bpmn = {p: t for p, t in trees.items() if p.endswith(".bpmn")}
    problems = []
    for path, tree in sorted(bpmn.items()):
        problems += _unsupported(path, tree)
    return problems + _events(bpmn)
