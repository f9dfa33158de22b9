"""What changed between two bundles: diagram elements, forms and rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from webapp.engine.bundle import parse_xml

_BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_DI = ("http://www.omg.org/spec/BPMN/20100524/DI", "http://www.omg.org/spec/DD/20100524/DI",
       "http://www.omg.org/spec/DD/20100524/DC")
_SKIP_TAGS = {"incoming", "outgoing"}


@dataclass
class BundleDiff:
    elements_added: list[str] = field(default_factory=list)
    elements_removed: list[str] = field(default_factory=list)
    elements_changed: list[str] = field(default_factory=list)
    files_added: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(vars(self).values())


def _signature(el: etree._Element) -> str:
    """The element without layout (DI) and without its incoming/outgoing refs."""
    copy = etree.fromstring(etree.tostring(el))
    for child in list(copy.iter()):
        if not isinstance(child.tag, str):
            continue
        ns, _, local = child.tag[1:].partition("}")
        if (ns in _DI or local in _SKIP_TAGS) and child.getparent() is not None:
            child.getparent().remove(child)
    for child in list(copy):
        if isinstance(child.tag, str) and child.get("id"):  # nested elements compared alone
            copy.remove(child)
    return etree.tostring(copy, method="c14n").decode()


def _elements(files: dict[str, str]) -> dict[str, tuple[str, str]]:
    """{element id: (label, signature)} for every BPMN element with an id (not layout)."""
    found = {}
    for path, text in files.items():
        if not path.endswith(".bpmn"):
            continue
        try:
            tree = parse_xml(text)
        except etree.XMLSyntaxError:
            continue
        for el in tree.iter():
            if not isinstance(el.tag, str) or not el.get("id"):
                continue
            if not el.tag.startswith("{" + _BPMN):
                continue
            local = etree.QName(el).localname
            if local in ("definitions",):
                continue
            label = f"{el.get('name') or el.get('id')} ({local}, {el.get('id')})"
            found[el.get("id")] = (label, _signature(el))
    return found


def diff_bundles(old: dict[str, str], new: dict[str, str]) -> BundleDiff:
    result = BundleDiff()
    a, b = _elements(old), _elements(new)
    result.elements_added = sorted(b[k][0] for k in b.keys() - a.keys())
    result.elements_removed = sorted(a[k][0] for k in a.keys() - b.keys())
    result.elements_changed = sorted(b[k][0] for k in a.keys() & b.keys() if a[k][1] != b[k][1])
    others_old = {p for p in old if not p.endswith(".bpmn")}
    others_new = {p for p in new if not p.endswith(".bpmn")}
    result.files_added = sorted(others_new - others_old)
    result.files_removed = sorted(others_old - others_new)
    result.files_changed = sorted(p for p in others_old & others_new if old[p] != new[p])
    return result
