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
from .phrases import N_, Phrase, say

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}

#: BPMN elements mawflow does not run, and what to use instead.
UNSUPPORTED_ELEMENTS = {
    "serviceTask": N_("a service task calls another system (spiff-arena's connectors); "
                      "mawflow calls no other systems. Use a script task for a calculation, or "
                      "a user task for the person who does the work"),
    "complexGateway": N_("complex gateways do not run here; use an inclusive or a parallel "
                         "gateway"),
    "dataStoreReference": N_("mawflow has no data stores; keep the value in the case data (a "
                             "form field or a script variable)"),
}

#: ``spiffworkflow:*`` extension elements other tools act on and mawflow does not.
UNSUPPORTED_EXTENSIONS = {
    "serviceTaskOperator": N_("it names a service connector, and mawflow calls no other "
                              "systems"),
    "signalButtonLabel": N_("mawflow shows no button that sends a signal; let a user task's "
                            "answer lead the process (a gateway after it) instead"),
    "allowGuest": N_("mawflow has no guest access: every task is done by a signed-in member "
                     "of the network"),
    "guestConfirmation": N_("mawflow has no guest access: every task is done by a signed-in "
                            "member of the network"),
}

_CATCHING = ("intermediateCatchEvent", "boundaryEvent", "startEvent", "receiveTask")
_THROWING = ("intermediateThrowEvent", "endEvent", "sendTask")


def _label(node: etree._Element) -> Phrase:
    """``the userTask 'Check'`` (the BPMN kind as the diagram's XML names it)."""
    name = node.get("name")
    kind = etree.QName(node).localname
    return say(N_("the %(kind)s '%(name)s'"), kind=kind, name=name) if name else \
        say(N_("this %(kind)s"), kind=kind)


def _unsupported(path: str, tree: etree._Element) -> list[Problem]:
    problems = []
    for local, why in UNSUPPORTED_ELEMENTS.items():
        for node in tree.iterfind(f".//bpmn:{local}", NS):
            problems.append(Problem.of(path, node.get("id"), N_("%(element)s cannot run "
                                       "here: %(why)s."), element=_label(node),
                                       why=say(why)))  # fmt: skip
    for node in tree.iterfind(".//bpmn:extensionElements/spiff:*", NS):
        local = etree.QName(node).localname
        why = UNSUPPORTED_EXTENSIONS.get(local)
        if why is None or etree.QName(node.getparent().getparent()).localname == "serviceTask":
            continue  # the service task itself is named already
        owner = node.getparent().getparent()
        problems.append(Problem.of(path, owner.get("id"), N_("%(element)s uses "
                                   "spiffworkflow:%(extension)s, which mawflow does not run: "
                                   "%(why)s. Remove it."), element=_label(owner),
                                   extension=local, why=say(why)))  # fmt: skip
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
            for path, node in places:
                problems.append(_never_sent(path, node, kind, name))
        for name, places in thrown.items():
            if name in caught:
                continue
            for path, node in places:
                problems.append(_never_caught(path, node, kind, name))
    return problems


def _never_sent(path: str, node: etree._Element, kind: str, name: str) -> Problem:
    if kind == "message":
        return Problem.of(path, node.get("id"), N_(
            "%(element)s waits for the message '%(name)s', which nothing sends: no part of the "
            "process sends it. The application sends only: %(sent)s. Send it from the process, "
            "or wait for a timer or a user task instead."),
            element=_label(node), name=name, sent=describe_app_messages())
    return Problem.of(path, node.get("id"), N_(
        "%(element)s waits for the signal '%(name)s', which nothing sends: no part of the "
        "process sends it. Send it from the process, or wait for a timer or a user task "
        "instead."), element=_label(node), name=name)


def _never_caught(path: str, node: etree._Element, kind: str, name: str) -> Problem:
    if kind == "message":
        return Problem.of(path, node.get("id"), N_(
            "%(element)s sends the message '%(name)s', which no part of the process waits for, "
            "and mawflow sends no messages to other systems. Remove it, or add the event that "
            "waits for it."), element=_label(node), name=name)
    return Problem.of(path, node.get("id"), N_(
        "%(element)s sends the signal '%(name)s', which no part of the process waits for, and "
        "mawflow sends no signals to other systems. Remove it, or add the event that waits "
        "for it."), element=_label(node), name=name)


def duplicate_processes(trees: dict[str, etree._Element]) -> list[Problem]:
    """Two processes with the same id: SpiffWorkflow would take one of them, unannounced."""
    where = defaultdict(list)
    for path, tree in sorted(trees.items()):
        for node in tree.iterfind(".//bpmn:process", NS):
            where[node.get("id")].append(path)
    return [
        Problem.of(paths[0], pid, N_("the process id '%(id)s' is used by more than one process "
                   "(in %(files)s); give each process its own id, or remove the duplicate "
                   "file"), id=pid,
                   files=say(N_("%(files)s and %(last)s"), files=paths[:-1], last=paths[-1]))
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
