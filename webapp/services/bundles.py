"""Deploying process bundles as immutable versions, and loading them once per process."""

from pathlib import Path
from threading import Lock

from sqlalchemy import func, select

from webapp import engine
from webapp.extensions import db
from webapp.models import NETWORK_ROLES, ROLES, ProcessVersion
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


def deploy_bundle(
    actor: Actor, root: Path | str, process_id: str | None = None
) -> ProcessVersion:
    """Validate the bundle under `root` and publish it as a new version.

    Deploying content that is already published returns that version unchanged.
    Raises engine.BundleInvalid with every problem found.
    """
    return publish_files(actor, engine.read_bundle_dir(Path(root)), process_id)


def publish_files(
    actor: Actor, files: dict[str, str], process_id: str | None = None
) -> ProcessVersion:
    """Validate a bundle given as ``{path: text}`` and publish it as a new version (the
    workbench publishes drafts this way). Same rules and errors as :func:`deploy_bundle`."""
    digest = engine.bundle_hash(files)
    existing = db.session.scalar(select(ProcessVersion).where(ProcessVersion.bundle_hash == digest))
    if existing is not None:
        return existing
    bundle = engine.compile_bundle(files, lane_reach(), process_id)
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
        _cache[bundle.hash] = bundle
    record(actor, "process_published", process=bundle.process_id, version=version.version,
           bundle_hash=bundle.hash)
    return version


def latest_version(process_id: str) -> ProcessVersion:
    """The newest published version of a process; new cases start on it."""
    version = db.session.scalar(
        select(ProcessVersion)
        .where(ProcessVersion.process_id == process_id, ProcessVersion.status == "published")
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    )
    if version is None:
        raise NotFound(
            f"No published version of process '{process_id}'. "
            "Deploy one with: flask --app webapp deploy"
        )
    return version


def bundle_for(version: ProcessVersion) -> engine.Bundle:
    """The loaded bundle of a version, built once per process and kept in memory."""
    bundle = _cache.get(version.bundle_hash)
    if bundle is None:
        bundle = engine.Bundle.from_stored(version.files, version.spec_json)
        with _cache_lock:
            _cache[version.bundle_hash] = bundle
    return bundle
