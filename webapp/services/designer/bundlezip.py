"""Import and export a bundle as a zip, safely: size limits, no paths outside the bundle,
XML parsed without external entities (the engine's parser never resolves them).

Zips from other SpiffWorkflow tools keep everything in one folder; files are sorted into
processes/, rules/ and forms/ by their suffix, so those diagrams and forms import as they are."""

from __future__ import annotations

import io
import posixpath
import re
import zipfile

from flask_babel import gettext as _
from lxml import etree
from sqlalchemy import select

from webapp.engine.bundle import executable_roots, parse_xml
from webapp.engine.catalogs import catalog_language
from webapp.extensions import db
from webapp.i18n.formatting import format_datetime
from webapp.models import ProcessDraft, ProcessVersion, utcnow
from webapp.services.audit import Actor
from webapp.services.errors import InvalidInput

from .drafts import FILE_NAME, check_owner, replace_files

MAX_ZIP_BYTES = 5_000_000
MAX_FILES = 200
MAX_TOTAL_BYTES = 20_000_000
MAX_FILE_BYTES = 2_000_000
_FOLDERS = {".bpmn": "processes", ".dmn": "rules", ".json": "forms"}
_IGNORED = {"process_model.json", "process_group.json"}  # spiff-arena metadata, not forms


def export_zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            archive.writestr(path, files[path])
    return buffer.getvalue()


def read_zip(data: bytes) -> dict[str, str]:
    """The bundle files of a zip. Raises InvalidInput naming what is wrong."""
    if len(data) > MAX_ZIP_BYTES:
        raise InvalidInput(_("The zip file is too large (at most %(size)s MB).",
                             size=MAX_ZIP_BYTES // 1_000_000))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as err:
        raise InvalidInput(_("This is not a zip file.")) from err
    entries = [i for i in archive.infolist() if not i.is_dir()]
    if len(entries) > MAX_FILES:
        raise InvalidInput(_("The zip holds more than %(num)d files.", num=MAX_FILES))
    files: dict[str, str] = {}
    total = 0
    for info in entries:
        path = _bundle_path(info.filename)
        if path is None:
            continue
        if path in files:
            raise InvalidInput(_("The zip holds two files named '%(name)s'.",
                                 name=path.split("/")[1]))
        with archive.open(info) as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # the header's size can lie
        total += len(raw)
        if len(raw) > MAX_FILE_BYTES or total > MAX_TOTAL_BYTES:
            raise InvalidInput(_("The files in the zip are too large."))
        try:
            files[path] = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise InvalidInput(_("'%(file)s' is not UTF-8 text.", file=path)) from err
    if not any(p.endswith(".bpmn") for p in files):
        raise InvalidInput(_("The zip holds no BPMN diagram (.bpmn)."))
    return files


def _bundle_path(filename: str) -> str | None:
    """Where a zip entry goes in the bundle (None: not a bundle file). Raises InvalidInput."""
    name = filename.replace("\\", "/")
    if name.startswith("/") or ".." in name.split("/") or ":" in name:
        raise InvalidInput(_("The zip holds a file outside the bundle: '%(file)s'.",
                             file=filename))
    base = posixpath.basename(name)
    suffix = posixpath.splitext(base)[1].lower()
    if suffix not in _FOLDERS or base in _IGNORED or base.startswith("."):
        return None
    # Translation catalogs (i18n/nl.json): by their folder, or in a flat zip by their name.
    catalog = posixpath.basename(posixpath.dirname(name)) == "i18n" or \
        catalog_language(f"i18n/{base}") is not None
    path = f"{'i18n' if catalog else _FOLDERS[suffix]}/{base}"
    if not FILE_NAME.match(path):
        raise InvalidInput(_("'%(file)s' is not a valid file name (letters, digits, '.-_').",
                             file=base))
    return path


def main_process_id(files: dict[str, str]) -> str:
    trees = []
    for path, text in files.items():
        if path.endswith(".bpmn"):
            try:
                trees.append(parse_xml(text))
            except etree.XMLSyntaxError as err:
                raise InvalidInput(_("%(file)s is not well-formed XML: %(error)s", file=path,
                                     error=str(err))) from err
    roots = executable_roots(trees)
    if len(roots) != 1:
        raise InvalidInput(_("Cannot tell which process to start: mark exactly one process "
                             "executable (found: %(found)s).",
                             found=", ".join(roots) or _("none")))
    return roots[0]


class ImportClash(InvalidInput):
    """The zip's process has a draft already: the process owner chooses to replace it or to
    import the zip as a new process. ``process_id`` is the zip's process."""

    def __init__(self, process_id: str, draft: ProcessDraft):
        who = draft.updated_by.display_name if draft.updated_by else _("the system")
        super().__init__(_("A draft of '%(process)s' exists already (changed by %(who)s on "
                           "%(when)s). Choose whether the zip replaces that draft or becomes a "
                           "new process, and import it again.", process=process_id, who=who,
                           when=format_datetime(draft.updated_at)))
        self.process_id = process_id
        self.suggestion = _free_id(process_id)


_PROCESS_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,199}$")


def _taken(process_id: str) -> bool:
    return db.session.scalar(select(ProcessDraft.id).where(
        ProcessDraft.process_id == process_id)) is not None or db.session.scalar(
        select(ProcessVersion.id).where(ProcessVersion.process_id == process_id).limit(1)
    ) is not None


def _free_id(process_id: str) -> str:
    number = 2
    while _taken(f"{process_id}_{number}"):
        number += 1
    return f"{process_id}_{number}"


def import_zip(actor: Actor, data: bytes, process_id: str | None = None, *,
               choice: str | None = None, new_id: str | None = None) -> ProcessDraft:
    """Put the bundle of a zip into a draft: the given process's (the draft page imports into
    its own draft), or the draft of the process the zip starts, created if new. When that
    process has a draft already, ``choice`` says what to do: "replace" it, or "new": import
    the zip as the new process ``new_id`` (its process id renamed in the diagrams). Nothing
    is replaced silently: without a choice, ImportClash is raised. Publishing is a separate
    step. Raises InvalidInput naming what is wrong."""
    check_owner(actor)
    files = read_zip(data)
    if process_id is not None:
        return replace_files(actor, process_id, files)
    target = main_process_id(files)
    draft = db.session.scalar(select(ProcessDraft).where(ProcessDraft.process_id == target))
    if draft is not None and choice not in ("replace", "new"):
        raise ImportClash(target, draft)
    renamed = draft is not None and choice == "new"
    if renamed:
        new_id = (new_id or "").strip()
        if not _PROCESS_ID.match(new_id):
            raise InvalidInput(_("A process id starts with a letter and uses letters, digits, "
                                 "'_' and '-' (e.g. maw_case_pilot)."))
        if _taken(new_id):
            raise InvalidInput(_("'%(id)s' is the id of a process already; choose another.",
                                 id=new_id))
        files, target = rename_process(files, target, new_id), new_id
    known = db.session.scalar(
        select(ProcessVersion.id).where(ProcessVersion.process_id == target).limit(1))
    if renamed or (draft is None and known is None):
        db.session.add(ProcessDraft(process_id=target, files={}, problems=[],
                                    updated_by_id=actor.user.id, updated_at=utcnow()))
        db.session.flush()
    return replace_files(actor, target, files)


_KEEP_COMMENTS = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                 huge_tree=False)
_REFS = (("bpmn:process", "id"), ("bpmn:participant", "processRef"),
         ("bpmn:callActivity", "calledElement"), ("bpmndi:BPMNPlane", "bpmnElement"))
_NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
       "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}


def rename_process(files: dict[str, str], old: str, new: str) -> dict[str, str]:
    """The bundle with the process id ``old`` renamed to ``new`` wherever a diagram names it
    (the process, its pool, call activities calling it, its diagram plane)."""
    renamed = dict(files)
    for path, text in files.items():
        if not path.endswith(".bpmn"):
            continue
        tree = etree.fromstring(text.encode("utf-8"), parser=_KEEP_COMMENTS)
        changed = False
        for xpath, attribute in _REFS:
            for node in tree.iterfind(f".//{xpath}", _NS):
                if node.get(attribute) == old:
                    node.set(attribute, new)
                    changed = True
        if changed:
            renamed[path] = etree.tostring(tree, xml_declaration=True,
                                           encoding="UTF-8").decode("utf-8")
    return renamed
