"""What trials and scenarios share with real cases: the bundle built as a published version is
(its specs loaded from their serialized form, once per content), and who each ready task
reaches (the same resolution as the inbox rows of a case)."""

from __future__ import annotations

from threading import Lock

from flask_babel import gettext as _
from sqlalchemy import select

from webapp import engine
from webapp.extensions import db
from webapp.models import Organisation, User
from webapp.services import assignment, bundles
from webapp.services.errors import InvalidInput

_BUNDLES: dict[tuple[str, str | None], engine.Bundle] = {}
_KEPT = 16  # drafts being tried at once, per process
_lock = Lock()


def build(files: dict[str, str], process_id: str | None) -> engine.Bundle:
    """Validate a draft's files and build its bundle as a published version's is built (specs
    loaded from their serialized form), once per content: a trial's state then runs on the
    same spec objects from one request to the next, as a case's does. ``Bundle.warnings``
    holds what validation found worth a look. Raises engine.BundleInvalid."""
    digest = engine.bundle_hash(files)
    known = _BUNDLES.get((digest, process_id))
    if known is not None:
        return known
    compiled = engine.compile_bundle(files, bundles.lane_reach(), process_id)
    built = engine.Bundle.from_stored(files, compiled.spec_json())
    built.warnings = compiled.warnings
    with _lock:
        if len(_BUNDLES) >= _KEPT:
            _BUNDLES.pop(next(iter(_BUNDLES)))
        _BUNDLES[(digest, process_id)] = built
    return built


def trial_bundle(files: dict[str, str], process_id: str) -> engine.Bundle:
    """:func:`build`, for a trial. Raises InvalidInput with the problems when the draft does
    not validate."""
    try:
        return build(files, process_id)
    except engine.BundleInvalid as err:
        raise InvalidInput(_("The draft has problems; fix them before trying it."),
                           list(err.problems)) from err


def reach_problem(ready: list[engine.ReadyTask]) -> str | None:
    """Why a ready task would reach nobody in a real case (element and value), or None."""
    try:
        assignment.owners(ready, 0)
    except assignment.AssignmentFailed as failed:
        return failed.detail
    return None


def owners_in_words(ready: list[engine.ReadyTask]) -> dict[str, str]:
    """Who each ready task goes to, as the inbox would give it: organisation names, people's
    names, or the lane's role for the whole network."""
    try:
        found = assignment.owners(ready, 0)
    except assignment.AssignmentFailed:
        return {}
    org_ids = {o.organisation_id for owners in found.values() for o in owners}
    user_ids = {o.assignee_id for owners in found.values() for o in owners}
    orgs = dict(db.session.execute(select(Organisation.id, Organisation.name)
                                   .where(Organisation.id.in_(org_ids - {None}))).all())
    people = dict(db.session.execute(select(User.id, User.display_name)
                                     .where(User.id.in_(user_ids - {None}))).all())
    words = {}
    for task in ready:
        names = [people[o.assignee_id] if o.assignee_id else orgs.get(o.organisation_id)
                 for o in found.get(task.id, [])]
        words[task.id] = ", ".join(n for n in names if n)
    return words
