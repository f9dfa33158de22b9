"""Deploying process bundles as immutable versions, and loading them once per process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from threading import Lock

from flask_babel import gettext as _
from sqlalchemy import func, select

from webapp import engine
from webapp.extensions import db
from webapp.models import NETWORK_ROLES, ROLES, ProcessVersion, WorkbenchSetting, utcnow
from webapp.services.audit import Actor, record
from webapp.services.errors import NotFound
from webapp.services.policy import TASK_ROLES

_cache: dict[str, engine.Bundle] = {}
_cache_lock = Lock()


def lane_reach() -> dict[str, str]:
    """How each role's lane reaches people, for validation (engine.taskcheck.REACH): network
    roles that do case work reach all their members, other case-work roles the members of the
    organisation a task names, the rest nobody (policy.TASK_ROLES)."""
    return {
        role: "none" if role not in TASK_ROLES else
        "network" if role in NETWORK_ROLES else "organisation"
        for role in ROLES
    }


#: The process "Register a case" starts until a process owner chooses one.
DEFAULT_CASE_PROCESS = "maw_case"
_CASE_PROCESS = "case_process"


def case_process_id() -> str:
    """The process "Register a case" and "Report a signal" start (its newest published
    version), as chosen in the workbench or by ``flask deploy --process``."""
    chosen = db.session.get(WorkbenchSetting, _CASE_PROCESS)
    return chosen.value if chosen is not None else DEFAULT_CASE_PROCESS


def set_case_process(actor: Actor, process_id: str) -> ProcessVersion:
    """Make new cases (registered or reported as a signal) start on the newest published
    version of ``process_id``. Returns that version. Raises NotFound when it has none. The
    caller checks that the actor may (a process owner, or the command line)."""
    version = latest_version(process_id)
    chosen = db.session.get(WorkbenchSetting, _CASE_PROCESS)
    previous = chosen.value if chosen is not None else None
    if chosen is None:
        chosen = WorkbenchSetting(key=_CASE_PROCESS)
        db.session.add(chosen)
    chosen.value = process_id
    chosen.updated_by_id = actor.user.id if actor.user else None
    chosen.updated_at = utcnow()
    db.session.flush()
    if previous != process_id:
        record(actor, "process_chosen_for_cases", process=process_id, previous=previous)
    return version


def deploy_bundle(
    actor: Actor, root: Path | str, process_id: str | None = None
) -> ProcessVersion:
    """Validate the bundle under `root` and publish it as a new version.

    Deploying content that is the newest version already publishes nothing and returns it.
    ``process_id`` names the process to start (among several executable ones) and makes it
    the one new cases start; without it, the first process deployed becomes that one.
    Raises engine.BundleInvalid with every problem found.
    """
    return deploy(actor, root, process_id).version


def deploy(actor: Actor, root: Path | str, process_id: str | None = None) -> Publication:
    """:func:`deploy_bundle`, saying whether anything was published."""
    published = publish(actor, engine.read_bundle_dir(Path(root)), process_id)
    if process_id is not None or db.session.get(WorkbenchSetting, _CASE_PROCESS) is None:
        set_case_process(actor, published.version.process_id)
    return published


@dataclass(frozen=True)
class Publication:
    """What publishing did: the version new cases of the process start on, and whether it is
    new (False: the files were the newest version's already, nothing was published); the
    bundle as compiled (its ``warnings``), and the newest version of the process before
    (None for its first)."""

    version: ProcessVersion
    changed: bool
    bundle: engine.Bundle
    previous: ProcessVersion | None


def publish_files(
    actor: Actor, files: dict[str, str], process_id: str | None = None
) -> ProcessVersion:
    """Validate a bundle given as ``{path: text}`` and publish it as a new version (the
    workbench publishes drafts this way); see :func:`publish`. Returns the version new cases
    of the process start on."""
    return publish(actor, files, process_id).version


def publish(actor: Actor, files: dict[str, str], process_id: str | None = None) -> Publication:
    """Validate a bundle and publish it as the process's next version, unless it is the
    newest published version already (then nothing is published). Content equal to an older
    or retired version becomes a new version: new cases start on the newest one.

    Raises engine.BundleInvalid with every problem found."""
    digest = engine.bundle_hash(files)
    bundle = engine.compile_bundle(files, lane_reach(), process_id)
    newest = _newest_published(bundle.process_id)
    if newest is not None and newest.bundle_hash == digest:
        return Publication(newest, False, bundle, newest)
    last = db.session.scalar(
        select(func.max(ProcessVersion.version))
        .where(ProcessVersion.process_id == bundle.process_id)
    )
    version = ProcessVersion(
        process_id=bundle.process_id,
        name=bundle.process_name,
        version=(last or 0) + 1,
        bundle_hash=bundle.hash,
        files=files,
        spec_json=bundle.spec_json(),
        status="published",
        published_by_id=actor.user.id if actor.user else None,
    )
    db.session.add(version)
    db.session.flush()
    with _cache_lock:
        _cache.setdefault(bundle.hash, bundle)
    record(actor, "process_published", process=bundle.process_id, version=version.version,
           bundle_hash=bundle.hash)
    return Publication(version, True, bundle, newest_version(bundle.process_id, before=version))


def _newest_published(process_id: str) -> ProcessVersion | None:
    return newest_version(process_id, published=True)


def newest_version(process_id: str, *, published: bool = False,
                   before: ProcessVersion | None = None) -> ProcessVersion | None:
    """The newest version of a process, published or retired (only published ones with
    ``published``; older than ``before``)."""
    query = select(ProcessVersion).where(ProcessVersion.process_id == process_id)
    if published:
        query = query.where(ProcessVersion.status == "published")
    if before is not None:
        query = query.where(ProcessVersion.version < before.version)
    return db.session.scalar(query.order_by(ProcessVersion.version.desc()).limit(1))


def latest_version(process_id: str) -> ProcessVersion:
    """The newest published version of a process; new cases start on it. Raises NotFound."""
    version = _newest_published(process_id)
    if version is None:
        raise NotFound(_("No published version of process '%(process)s'. Deploy one with: "
                         "flask --app webapp deploy", process=process_id))
    return version


def bundle_for(version: ProcessVersion) -> engine.Bundle:
    """The loaded bundle of a version, built once per process and kept in memory."""
    bundle = _cache.get(version.bundle_hash)
    if bundle is None:
        bundle = engine.Bundle.from_stored(version.files, version.spec_json)
        with _cache_lock:
            _cache[version.bundle_hash] = bundle
    return bundle
