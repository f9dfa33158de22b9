"""The process list: versions, drafts, who changed what, how many cases run on each version.

Counts only: a process owner never sees case content here."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import AuditEvent, Case, ProcessDraft, ProcessVersion, User
from webapp.services.audit import Actor

from .drafts import check_owner


@dataclass
class VersionRow:
    version: ProcessVersion
    published_by: str
    open_cases: int
    all_cases: int


@dataclass
class ProcessRow:
    process_id: str
    name: str
    versions: list[VersionRow] = field(default_factory=list)
    draft: ProcessDraft | None = None
    history: list[AuditEvent] = field(default_factory=list)


def list_processes(actor: Actor) -> list[ProcessRow]:
    check_owner(actor)
    versions = db.session.scalars(
        select(ProcessVersion).order_by(ProcessVersion.process_id, ProcessVersion.version.desc())
    ).all()
    counts = {
        (vid, status): n for vid, status, n in db.session.execute(
            select(Case.process_version_id, Case.status, func.count(Case.id))
            .group_by(Case.process_version_id, Case.status)
        )
    }
    names = dict(db.session.execute(select(User.id, User.display_name)).all())
    drafts = {d.process_id: d for d in db.session.scalars(select(ProcessDraft))}
    rows: dict[str, ProcessRow] = {}
    for v in versions:
        row = rows.setdefault(v.process_id, ProcessRow(v.process_id, v.name,
                                                       draft=drafts.get(v.process_id)))
        total = sum(n for (vid, _), n in counts.items() if vid == v.id)
        running = sum(n for (vid, st), n in counts.items() if vid == v.id and st != "closed")
        row.versions.append(VersionRow(v, names.get(v.published_by_id, "system"), running, total))
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("process%"))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(200)
    ).all()
    for event in events:
        row = rows.get((event.detail or {}).get("process"))
        if row is not None and len(row.history) < 15:
            row.history.append(event)
    return list(rows.values())


def describe(event: AuditEvent) -> str:
    """One line in words for a process history event."""
    d = event.detail or {}
    what = {
        "process_published": f"published version {d.get('version')}",
        "process_draft_saved": f"saved {d.get('file')}",
        "process_draft_file_deleted": f"deleted {d.get('file')}",
        "process_draft_imported": "imported a bundle into the draft",
        "process_draft_reset": "started the draft again from a published version",
        "process_version_retired": f"retired version {d.get('version')}",
        "process_version_published": f"put version {d.get('version')} back in use",
        "process_cases_migrated": (f"moved {d.get('moved', 0)} case(s) from version "
                                   f"{d.get('from_version')} to {d.get('to_version')}"),
        "process_trial_started": "started a trial run of the draft",
        "process_chosen_for_cases": "made \"Register a case\" start this process",
        "process_scenario_saved": f"saved the trial as the scenario \"{d.get('name')}\"",
        "process_scenario_deleted": f"deleted the scenario \"{d.get('name')}\"",
    }.get(event.action, event.action.replace("_", " "))
    problems = d.get("problems")
    if event.action == "process_draft_saved" and problems:
        what += f" ({problems} problem{'s' if problems != 1 else ''})"
    return what
