"""The process list: versions, drafts, who changed what, how many cases run on each version.

Counts only: a process owner never sees case content here."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import AuditEvent, Case, ProcessDraft, ProcessVersion, User
from webapp.services.audit import Actor

from .drafts import check_owner


@dataclass
class VersionRow:
    version: ProcessVersion
    published_by: str | None  # None: the system (flask deploy)
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
        row.versions.append(VersionRow(v, names.get(v.published_by_id), running, total))
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
    """One line in words for a process history event: who did what."""
    d = event.detail or {}
    who = event.user.display_name if event.user else _("the system")
    words = {
        "process_published": lambda: _("%(who)s published version %(num)s", who=who,
                                       num=d.get("version")),
        "process_draft_saved": lambda: _saved(who, d),
        "process_draft_file_deleted": lambda: _("%(who)s deleted %(file)s", who=who,
                                                file=d.get("file")),
        "process_draft_imported": lambda: _("%(who)s imported a bundle into the draft", who=who),
        "process_draft_reset": lambda: _("%(who)s started the draft again from a published "
                                         "version", who=who),
        "process_version_retired": lambda: _("%(who)s retired version %(num)s", who=who,
                                             num=d.get("version")),
        "process_version_published": lambda: _("%(who)s put version %(num)s back in use",
                                               who=who, num=d.get("version")),
        "process_cases_migrated": lambda: ngettext(
            "%(who)s moved %(num)d case from version %(old)s to %(new)s",
            "%(who)s moved %(num)d cases from version %(old)s to %(new)s",
            int(d.get("moved") or 0), who=who, old=d.get("from_version"),
            new=d.get("to_version")),
        "process_trial_started": lambda: _("%(who)s started a trial run of the draft", who=who),
        "process_chosen_for_cases": lambda: _("%(who)s made \u201cRegister a case\u201d start "
                                              "this process", who=who),
        "process_scenario_saved": lambda: _("%(who)s saved the trial as the scenario "
                                            "\u201c%(name)s\u201d", who=who, name=d.get("name")),
        "process_scenario_deleted": lambda: _("%(who)s deleted the scenario \u201c%(name)s\u201d",
                                              who=who, name=d.get("name")),
    }.get(event.action)
    return words() if words else f"{who}: {event.action.replace('_', ' ')}"


def _saved(who: str, detail: dict) -> str:
    problems = detail.get("problems")
    if problems:
        return ngettext("%(who)s saved %(file)s (%(num)d problem)",
                        "%(who)s saved %(file)s (%(num)d problems)", int(problems), who=who,
                        file=detail.get("file"))
    return _("%(who)s saved %(file)s", who=who, file=detail.get("file"))
