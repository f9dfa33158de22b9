"""Network analysis: the partner registry, the coverage matrix and each case's gaps.

The registry says which life domains each partner organisation can work on (the eight of
the screening instrument), its mandate at the table and a contact; administrators keep it,
every save is audited and kept as a revision. Practice is read from the action plans (the
"action" events of the case history: which organisation got an action in which domain).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.i18n.locale import chosen_language
from webapp.models import (
    Case,
    CaseEvent,
    Contribution,
    Organisation,
    PartnerProfile,
    PartnerProfileRevision,
    User,
    utcnow,
)
from webapp.models.evaluation import LIFE_DOMAINS, MANDATES
from webapp.services import suppression
from webapp.services.audit import Actor, record
from webapp.services.errors import Conflict, InvalidInput, NotAllowed
from webapp.services.evaluation import conventions as cv
from webapp.services.evaluation import milestones as evaluation_milestones
from webapp.services.evaluation.period import Period
from webapp.services.evaluation.tables import Table
from webapp.services.policy import (
    may_manage_partners,
    may_read_reports,
    may_view_case,
)

CONTACT_MAX = 300


# ---------------------------------------------------------------------------------------
# The partner registry
# ---------------------------------------------------------------------------------------
def registry() -> list[tuple[Organisation, PartnerProfile | None]]:
    """Every organisation with its registry entry (None when it has none yet), by name."""
    profiles = {p.organisation_id: p for p in db.session.scalars(select(PartnerProfile))}
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.name))
    return [(o, profiles.get(o.id)) for o in orgs]


def revisions(organisation_id: int) -> list[tuple[PartnerProfileRevision, str]]:
    """The entry's saved states, newest first, with who saved each."""
    rows = db.session.execute(
        select(PartnerProfileRevision, User.display_name)
        .outerjoin(User, User.id == PartnerProfileRevision.saved_by_id)
        .where(PartnerProfileRevision.organisation_id == organisation_id)
        .order_by(PartnerProfileRevision.id.desc())
    ).all()
    return [(r, name or _("system")) for r, name in rows]


def revision_count(organisation_id: int) -> int:
    return db.session.scalar(select(func.count(PartnerProfileRevision.id)).where(
        PartnerProfileRevision.organisation_id == organisation_id)) or 0


def save_profile(actor: Actor, organisation: Organisation, *, kind: str, life_domains: list,
                 mandate: str, contact: str, seen_revisions: int,
                 now: datetime | None = None) -> PartnerProfile:
    """Store the organisation's registry entry and a revision of it, audited.

    ``seen_revisions``: how many revisions the editor saw; if someone saved meanwhile,
    Conflict (nothing saved). Raises NotAllowed, InvalidInput, Conflict."""
    if actor.user is None or not may_manage_partners(actor.user):
        raise NotAllowed(_("Only administrators keep the partner registry."))
    contact = (contact or "").strip()
    domains = [d for d in LIFE_DOMAINS if d in set(life_domains or [])]
    if kind not in cv.ORGANISATION_KINDS:
        raise InvalidInput(_("Choose the kind of organisation from the list."))
    if mandate not in MANDATES:
        raise InvalidInput(_("Choose the mandate from the list."))
    if set(life_domains or []) - set(LIFE_DOMAINS):
        raise InvalidInput(_("Choose life domains from the list."))
    if len(contact) > CONTACT_MAX or "\x00" in contact:
        raise InvalidInput(_("The contact is at most %(n)d characters of text.", n=CONTACT_MAX))
    db.session.execute(select(Organisation.id).where(Organisation.id == organisation.id)
                       .with_for_update())
    if revision_count(organisation.id) != seen_revisions:
        raise Conflict(_("Someone else saved this organisation's entry meanwhile; nothing was "
                         "saved. The page shows their version: make your change again."))
    now = now or utcnow()
    profile = db.session.get(PartnerProfile, organisation.id)
    before = None if profile is None else {
        "kind": profile.kind, "life_domains": list(profile.life_domains or []),
        "mandate": profile.mandate, "contact": profile.contact}
    if profile is None:
        profile = PartnerProfile(organisation_id=organisation.id)
        db.session.add(profile)
    profile.kind, profile.life_domains, profile.mandate, profile.contact = (
        kind, domains, mandate, contact)
    profile.updated_at, profile.updated_by_id = now, actor.user.id
    db.session.add(PartnerProfileRevision(
        organisation_id=organisation.id, kind=kind, life_domains=domains, mandate=mandate,
        contact=contact, saved_at=now, saved_by_id=actor.user.id))
    db.session.flush()
    record(actor, "partner_profile_saved", organisation=organisation.code, before=before,
           after={"kind": kind, "life_domains": domains, "mandate": mandate,
                  "contact": contact})
    return profile


# ---------------------------------------------------------------------------------------
# The coverage matrix
# ---------------------------------------------------------------------------------------
@dataclass
class Coverage:
    """Life domains x organisations: what the registry says and what the action plans did."""

    period: Period
    organisations: list[Organisation]
    says: dict[tuple[str, int], bool]             # (domain, org id) -> in the registry
    did: dict[tuple[str, int], suppression.Count]  # (domain, org id) -> actions agreed
    nobody: list[str]                              # domains no organisation covers at all
    never_practised: list[tuple[str, int]]         # in the registry, no action in the period

    def table(self) -> Table:
        language = chosen_language()
        columns = [_("Life domain")] + [o.name_in(language) for o in self.organisations]
        rows = []
        for domain in LIFE_DOMAINS:
            row = [str(cv.LIFE_DOMAIN_LABELS[domain])]
            for org in self.organisations:
                says = _("yes") if self.says.get((domain, org.id)) else _("no")
                row.append(_("registry: %(says)s; actions: %(did)s", says=says,
                             did=self.did[(domain, org.id)].text()))
            rows.append(row)
        return Table("coverage", _("Coverage of the life domains"), columns, rows,
                     note=_("Registry: the organisation says it works on this domain. "
                            "Actions: actions it was given in action plans in the period."))


def coverage(actor: Actor, period: Period) -> Coverage:
    """The coverage matrix for the period (audited). Raises NotAllowed."""
    if actor.user is None or not may_read_reports(actor.user):
        raise NotAllowed(_("Only coordinators and evaluators read the evaluation."))
    orgs = [o for o, _p in registry()]
    profiles = {p.organisation_id: p for p in db.session.scalars(select(PartnerProfile))}
    by_code = {o.code: o.id for o in orgs}
    counts: dict = {}
    for domain, code, n in db.session.execute(
        select(CaseEvent.element, CaseEvent.value, func.count())
        .where(period.events("action")).group_by(CaseEvent.element, CaseEvent.value)
    ):
        if code in by_code:
            counts[(domain, by_code[code])] = counts.get((domain, by_code[code]), 0) + n
    shown = [o for o in orgs if o.id in profiles or any(k[1] == o.id for k in counts)]
    says = {(d, o.id): d in (profiles[o.id].life_domains or [])
            for o in shown if o.id in profiles for d in LIFE_DOMAINS}
    did = {(d, o.id): suppression.one(counts.get((d, o.id), 0)) for d in LIFE_DOMAINS
           for o in shown}
    nobody = [d for d in LIFE_DOMAINS
              if not any(says.get((d, o.id)) or counts.get((d, o.id)) for o in shown)]
    never = [(d, o.id) for d in LIFE_DOMAINS for o in shown
             if says.get((d, o.id)) and not counts.get((d, o.id))]
    record(actor, "report_viewed", report="coverage", **period.args())
    return Coverage(period, shown, says, did, nobody, never)


# ---------------------------------------------------------------------------------------
# Per case: life domains flagged vulnerable that no action covers
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseGaps:
    vulnerable: list[str]   # domains the latest screening flagged vulnerable
    covered: list[str]      # domains the latest action plan gives an action
    screened: bool
    planned: bool

    @property
    def gaps(self) -> list[str]:
        return [d for d in self.vulnerable if d not in self.covered]

    def labels(self, domains: list[str]) -> list[str]:
        return [str(cv.LIFE_DOMAIN_LABELS.get(d, d)) for d in domains]


def case_gaps(user: User, case: Case) -> CaseGaps | None:
    """For those who see the whole case (the table): None for anyone else. Reads the latest
    consultation's screening and the latest action plan of the case."""
    if not may_view_case(user, case):
        return None
    marked = evaluation_milestones.of_version(case.process_version)
    consultation, plan = marked.of("consultation"), marked.of("action_plan")
    latest = {}
    for spec_name, data in db.session.execute(
        select(Contribution.spec_name, Contribution.data)
        .where(Contribution.case_id == case.id,
               Contribution.spec_name.in_(sorted(consultation | plan)))
        .order_by(Contribution.submitted_at, Contribution.id)
    ):
        latest["plan" if spec_name in plan else "consultation"] = (
            data if isinstance(data, dict) else {})
    screening = latest.get("consultation", {}).get("screening") or []
    vulnerable = [d for d in LIFE_DOMAINS if any(
        isinstance(r, dict) and r.get("domain") == d and str(r.get("vulnerabilities") or "").strip()
        for r in screening)]
    from webapp.services.case_events import actions_of

    covered = sorted({d for d, _o in actions_of(latest.get("plan", {}))},
                     key=lambda d: LIFE_DOMAINS.index(d) if d in LIFE_DOMAINS else 99)
    return CaseGaps(vulnerable, covered, "consultation" in latest, "plan" in latest)


#: The milestones whose step page shows the case's gaps (the table reviews the plan there).
GAP_MILESTONES = ("action_plan", "review", "closure_review")


def task_gaps(user: User, task) -> CaseGaps | None:
    """The case's gaps for the page of a review step; None for other steps and for anyone
    who does not see the whole case."""
    marked = evaluation_milestones.of_version(task.case.process_version)
    if not any(task.spec_name in marked.of(m) for m in GAP_MILESTONES):
        return None
    return case_gaps(user, task.case)
