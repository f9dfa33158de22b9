"""Documents attached to an answer or an action report.

A file is checked before anything is stored: its size (per file, streamed with a cap, and
per case), and its type, recognised from its content (the ``filetype`` package reads the
magic bytes), never from its name: a program or a web page renamed to ``.pdf`` is refused.
Until the form is sent a file is *pending*: its uploader's only, tied to the inbox row; the
completed task hands it to the contribution, whose visibility it then has exactly. When an
inbox row goes without being completed by the uploader (a colleague answered, a timer took
the task away), its pending files go with it. Retention and erasure delete the files.

Stored in the database (AttachmentContent) or, with ``ATTACHMENT_FOLDER`` set, in that folder
under a random name; files are written before the commit and removed again if the
transaction rolls back, and deleted files leave the folder only once the deletion committed.
"""

import hashlib
import os
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import filetype
from filetype.types import archive, document, image
from flask import current_app
from flask_babel import format_decimal, lazy_gettext
from flask_babel import gettext as _
from sqlalchemy import delete, event, func, select, update
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from webapp.extensions import db
from webapp.models import Attachment, AttachmentContent, Case, Contribution, Task, utcnow
from webapp.services import bundles, policy
from webapp.services.audit import Actor, record
from webapp.services.errors import InvalidInput, NotFound

#: What may be attached, recognised by content: PDF, images, office documents.
ALLOWED = (
    archive.Pdf(), archive.Rtf(),
    image.Jpeg(), image.Png(), image.Gif(), image.Webp(), image.Tiff(), image.Heic(),
    document.Doc(), document.Docx(), document.Odt(), document.Xls(), document.Xlsx(),
    document.Ods(), document.Ppt(), document.Pptx(), document.Odp(),
)
ALLOWED_IN_WORDS = (
    "PDF, RTF, JPEG, PNG, GIF, WebP, TIFF, HEIC, Word, Excel, PowerPoint, OpenDocument")
_CHUNK = 64 * 1024
_SNIFF = 8192
_MB = 1024 * 1024
_WRITTEN = "attachment_files_written"
_TO_UNLINK = "attachment_files_to_unlink"
NOT_FOUND = lazy_gettext("This attachment does not exist or is not yours to see.")


@dataclass(frozen=True)
class Limits:
    file_bytes: int
    case_bytes: int
    files_per_send: int
    folder: str | None


def limits() -> Limits:
    config = current_app.config
    return Limits(config["ATTACHMENT_MAX_FILE_MB"] * _MB, config["ATTACHMENT_MAX_CASE_MB"] * _MB,
                  config["ATTACHMENT_MAX_FILES"], config.get("ATTACHMENT_FOLDER") or None)


def chosen(uploads: Iterable[FileStorage]) -> list[FileStorage]:
    """The file inputs in which a file was chosen (browsers send an empty part otherwise)."""
    return [u for u in uploads if u is not None and (u.filename or "").strip()]


def clean_filename(name: str) -> str:
    """The name as the user's device called it, without folders or control characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base)
                   if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    if not base:
        return "attachment"
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 199 - len(ext)] + dot + ext) if dot and len(ext) < 10 else base[:200]
    return base


def _read_capped(upload: FileStorage, cap: int, name: str) -> bytes:
    """The file's bytes, read in chunks; refused as soon as it passes ``cap``."""
    parts, size = [], 0
    try:
        while chunk := upload.stream.read(_CHUNK):
            size += len(chunk)
            if size > cap:
                raise InvalidInput(_("“%(name)s” is larger than %(mb)d MB, so it was not "
                                     "attached. Nothing was saved.", name=name, mb=cap // _MB))
            parts.append(chunk)
    finally:
        upload.close()
    return b"".join(parts)


def sniff(content: bytes) -> str | None:
    """The MIME type of an allowed kind of document, from its first bytes; None otherwise."""
    kind = filetype.match(content[:_SNIFF], matchers=ALLOWED)
    return kind.mime if kind is not None else None


def store_pending(actor: Actor, task: Task, uploads: list[FileStorage]) -> list[Attachment]:
    """Check and keep the files chosen in a task form, pending until the form is sent.

    All files are checked before any is stored. Raises InvalidInput naming the file: too many
    files, one too large, one of a type not allowed (by its content), or the case's total
    over its limit."""
    uploads = chosen(uploads)
    if not uploads:
        return []
    if not accepts_files(task):
        raise InvalidInput(_("This step does not take attachments. Nothing was saved."))
    limit = limits()
    if len(uploads) > limit.files_per_send:
        raise InvalidInput(_("Attach at most %(n)d files at a time. Nothing was saved.",
                             n=limit.files_per_send))
    checked = []
    for upload in uploads:
        name = clean_filename(upload.filename)
        content = _read_capped(upload, limit.file_bytes, name)
        if not content:
            raise InvalidInput(_("“%(name)s” is empty, so it was not attached.", name=name))
        mime = sniff(content)
        if mime is None:
            raise InvalidInput(_(
                "“%(name)s” is not a document of a kind that can be attached (by its content, "
                "whatever its name says). Allowed: %(kinds)s. Nothing was saved.",
                name=name, kinds=ALLOWED_IN_WORDS))
        checked.append((name, mime, content))
    used = db.session.scalar(select(func.coalesce(func.sum(Attachment.size), 0))
                             .where(Attachment.case_id == task.case_id))
    if used + sum(len(c) for _n, _m, c in checked) > limit.case_bytes:
        raise InvalidInput(_("This case holds %(used)s of attachments and may hold at most "
                             "%(mb)d MB, so these files were not attached. Nothing was saved.",
                             used=size_in_words(used), mb=limit.case_bytes // _MB))
    return [_store(actor, task, name, mime, content, limit.folder)
            for name, mime, content in checked]


def form_accepts_files(schema: dict | None) -> bool:
    """Whether a form takes attachments (its JSON Schema has ``x-attachments``)."""
    return isinstance((schema or {}).get("x-attachments"), dict)


def accepts_files(task: Task) -> bool:
    case = db.session.get(Case, task.case_id)
    return form_accepts_files(
        bundles.bundle_for(case.process_version).form(task.form) if task.form else None)


def remove_all_pending(actor: Actor, task: Task) -> int:
    """Take every file off this user's form of this task (the draft is discarded)."""
    rows = pending(task.id, actor.user.id)
    for row in rows:
        record(actor, "attachment_removed", case_id=task.case_id, task_ref=task.spiff_task_id,
               step=task.title, attachment_id=row.id)
    _delete(rows)
    return len(rows)


def size_in_words(n: int) -> str:
    """``1,5 MB``, ``12 KB``: a file's size as the reader's language writes it."""
    if n >= _MB:
        return _("%(size)s MB", size=format_decimal(round(n / _MB, 1), format="0.0"))
    return _("%(size)s KB", size=format_decimal(max(1, round(n / 1024))))


def _store(actor: Actor, task: Task, name: str, mime: str, content: bytes,
           folder: str | None) -> Attachment:
    key = secrets.token_hex(16)
    row = Attachment(case_id=task.case_id, task_id=task.id, uploaded_by_id=actor.user.id,
                     filename=name, content_type=mime, size=len(content),
                     sha256=hashlib.sha256(content).hexdigest(),
                     storage="folder" if folder else "database", storage_key=key,
                     uploaded_at=utcnow())
    db.session.add(row)
    db.session.flush()
    if folder:
        _write_file(Path(folder), key, content)
    else:
        db.session.add(AttachmentContent(attachment_id=row.id, data=content))
    record(actor, "attachment_uploaded", case_id=task.case_id, task_ref=task.spiff_task_id,
           step=task.title, attachment_id=row.id, content_type=mime, size=len(content))
    return row


def _write_file(folder: Path, key: str, content: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / key
    temporary = folder / f".{key}.part"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    temporary.replace(path)
    db.session.info.setdefault(_WRITTEN, []).append(path)


def pending(task_id: int, user_id: int) -> list[Attachment]:
    """The files this user attached to the form of this task and has not sent yet."""
    return list(db.session.scalars(
        select(Attachment).where(Attachment.task_id == task_id,
                                 Attachment.uploaded_by_id == user_id,
                                 Attachment.contribution_id.is_(None))
        .order_by(Attachment.id)))


def remove_pending(actor: Actor, task: Task, attachment_id: int) -> Attachment:
    """Take a file off a form not sent yet (its uploader). Raises NotFound."""
    row = db.session.get(Attachment, attachment_id)
    if (row is None or row.task_id != task.id or row.contribution_id is not None
            or row.uploaded_by_id != actor.user.id):
        raise NotFound(str(NOT_FOUND))
    record(actor, "attachment_removed", case_id=task.case_id, task_ref=task.spiff_task_id,
           step=task.title, attachment_id=row.id)
    _delete([row])
    return row


def attach_pending(task_id: int, user_id: int, contribution_id: int) -> None:
    """Hand the user's pending files of this task to the contribution that completed it."""
    db.session.execute(
        update(Attachment).where(Attachment.task_id == task_id,
                                 Attachment.uploaded_by_id == user_id,
                                 Attachment.contribution_id.is_(None))
        .values(contribution_id=contribution_id, task_id=None)
        .execution_options(synchronize_session=False))


def drop_pending(task_ids: Iterable[int]) -> int:
    """Delete the pending files of inbox rows that are gone (their forms will never be sent).
    Give only rows whose forms take files: most steps then ask nothing."""
    ids = list(task_ids)
    if not ids:
        return 0
    rows = list(db.session.scalars(select(Attachment).where(
        Attachment.task_id.in_(ids), Attachment.contribution_id.is_(None))))
    _delete(rows)
    return len(rows)


def sweep_orphans() -> int:
    """Pending files whose inbox row no longer exists (a safety net for the worker)."""
    rows = list(db.session.scalars(select(Attachment).where(
        Attachment.contribution_id.is_(None),
        ~select(Task.id).where(Task.id == Attachment.task_id).exists())))
    _delete(rows)
    return len(rows)


def of_contribution(contribution_id: int) -> list[Attachment]:
    return list(db.session.scalars(
        select(Attachment).where(Attachment.contribution_id == contribution_id)
        .order_by(Attachment.id)))


def of_case_contributions(case_id: int) -> dict[int, list[Attachment]]:
    """The documents attached to the sent contributions of a case, per contribution id."""
    found: dict[int, list[Attachment]] = {}
    for row in db.session.scalars(
            select(Attachment).where(Attachment.case_id == case_id,
                                     Attachment.contribution_id.is_not(None))
            .order_by(Attachment.id)):
        found.setdefault(row.contribution_id, []).append(row)
    return found


def delete_for_case(case: Case) -> int:
    """Every attachment of a case (retention, erasure). Returns how many."""
    rows = list(db.session.scalars(select(Attachment).where(Attachment.case_id == case.id)))
    _delete(rows)
    return len(rows)


def _delete(rows: list[Attachment]) -> None:
    if not rows:
        return
    ids = [row.id for row in rows]
    db.session.execute(delete(AttachmentContent).where(AttachmentContent.attachment_id.in_(ids))
                       .execution_options(synchronize_session=False))
    folder = limits().folder
    for row in rows:
        if row.storage == "folder" and folder:
            db.session.info.setdefault(_TO_UNLINK, []).append(Path(folder) / row.storage_key)
        db.session.delete(row)
    db.session.flush()


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    content: bytes


def download(actor: Actor, attachment_id: int) -> Download:
    """The file for a download, if the user may see the contribution it belongs to (or it is
    their own pending file); audited. Anything else, missing or not theirs, raises the same
    NotFound."""
    row = db.session.get(Attachment, attachment_id)
    if row is None:
        raise NotFound(str(NOT_FOUND))
    contribution = (db.session.get(Contribution, row.contribution_id)
                    if row.contribution_id is not None else None)
    if not policy.may_download_attachment(actor.user, contribution, row.uploaded_by_id):
        raise NotFound(str(NOT_FOUND))
    content = _content(row)
    if content is None:
        raise NotFound(str(NOT_FOUND))
    record(actor, "attachment_downloaded", case_id=row.case_id,
           task_ref=contribution.spiff_task_id if contribution else None,
           step=contribution.title if contribution else None, attachment_id=row.id,
           content_type=row.content_type, size=row.size)
    return Download(row.filename, row.content_type, content)


def _content(row: Attachment) -> bytes | None:
    if row.storage == "database":
        stored = db.session.get(AttachmentContent, row.id)
        return stored.data if stored is not None else None
    folder = limits().folder
    if not folder:
        return None
    try:
        return (Path(folder) / row.storage_key).read_bytes()
    except FileNotFoundError:
        return None


def for_subject_access(case: Case) -> tuple[list[dict], int]:
    """The attachments of the case's contributions (file name, type, size, who, when), and
    how many were withheld because their contribution is under professional secrecy."""
    rows = db.session.execute(
        select(Attachment, Contribution).join(Contribution,
                                              Contribution.id == Attachment.contribution_id)
        .where(Attachment.case_id == case.id).order_by(Attachment.uploaded_at, Attachment.id)
    ).all()
    listed = [{
        "file_name": a.filename, "type": a.content_type, "size_bytes": a.size,
        "step": c.title, "organisation": c.organisation.name if c.organisation else None,
        "attached_at": a.uploaded_at.isoformat(),
    } for a, c in rows if not c.professional_secrecy]
    return listed, sum(1 for _a, c in rows if c.professional_secrecy)


@event.listens_for(Session, "after_commit")
def _unlink_deleted(session) -> None:
    session.info.pop(_WRITTEN, None)
    for path in session.info.pop(_TO_UNLINK, []):
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_rollback")
def _forget_written(session) -> None:
    """A rolled-back upload leaves no file behind; a rolled-back deletion deletes nothing."""
    session.info.pop(_TO_UNLINK, None)
    for path in session.info.pop(_WRITTEN, []):
        path.unlink(missing_ok=True)
