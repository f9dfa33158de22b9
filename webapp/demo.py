"""Demo organisations and users for a first look (clearly marked demo)."""

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import User
from webapp.services import accounts
from webapp.services.audit import Actor

DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - printed at set-up; demo accounts only
ORGANISATIONS = [
    ("municipality", "Municipality (demo)"),
    ("police", "Local police (demo)"),
    ("social", "Social services (demo)"),
    ("school", "Pupil guidance centre (demo)"),
    ("youthcare", "Youth care (demo)"),
    ("mentalhealth", "Mental health service (demo)"),
    ("probation", "Probation service (demo)"),
]
#: The demo organisations' names in the other languages (Belgian services' own names).
NAMES = {
    "municipality": {"nl": "Gemeente (demo)", "fr": "Commune (démo)"},
    "police": {"nl": "Lokale politie (demo)", "fr": "Police locale (démo)"},
    "social": {"nl": "OCMW, sociale dienst (demo)", "fr": "CPAS, service social (démo)"},
    "school": {"nl": "Centrum voor leerlingenbegeleiding (demo)",
               "fr": "Centre psycho-médico-social (démo)"},
    "youthcare": {"nl": "Jeugdhulp (demo)", "fr": "Aide à la jeunesse (démo)"},
    "mentalhealth": {"nl": "Centrum voor geestelijke gezondheidszorg (demo)",
                     "fr": "Service de santé mentale (démo)"},
    "probation": {"nl": "Justitiehuis (demo)", "fr": "Maison de justice (démo)"},
}
USERS = [
    ("coordinator", "Chris Coordinator (demo)", [("municipality", "coordinator")]),
    ("coordinator2", "Sam Second-Coordinator (demo)", [("municipality", "coordinator")]),
    ("police", "Pat Police (demo)", [("police", "partner")]),
    ("social", "Sanne Social (demo)", [("social", "partner")]),
    ("school", "Lee School (demo)", [("school", "partner")]),
    ("youthcare", "Yara Youthcare (demo)", [("youthcare", "partner")]),
    ("police_rep", "Robin Police-Representative (demo)", [("police", "partner_rep")]),
    ("auditor", "Ari Auditor (demo)", [("municipality", "auditor")]),
    ("owner", "Olivia Process-Owner (demo)", [("municipality", "process_owner")]),
    ("admin", "Alex Admin (demo)", [("municipality", "admin")]),
    ("evaluator", "Eva Evaluator (demo)", [("municipality", "evaluator")]),
]
#: The demo partner registry: kind, life domains, mandate at the table, contact.
PARTNERS = {
    "police": ("police", ["justice", "identity"], "decides", "Prevention desk (demo)"),
    "social": ("social_services", ["family", "finances", "housing"], "reports_back",
               "Social desk (demo)"),
    "school": ("school", ["education_work", "peers_leisure"], "reports_back",
               "Pupil guidance (demo)"),
    "youthcare": ("youth_care", ["family", "peers_leisure", "health"], "decides",
                  "Intake team (demo)"),
}


def seed(actor: Actor) -> list[str]:
    """Create the demo data unless users exist already. Returns lines to print.

    Demo users get addresses at example.org (reserved, never delivered), except youthcare,
    who shows on the administrator's mail page as someone who cannot be reached."""
    if db.session.scalar(select(func.count(User.id))):
        return ["Users exist already; demo data not loaded."]
    for code, name in ORGANISATIONS:
        accounts.create_organisation(actor, code, name, is_demo=True, names=NAMES.get(code))
    for username, name, memberships in USERS:
        accounts.create_user(actor, username, name, DEMO_PASSWORD, memberships, is_demo=True,
                             email=None if username == "youthcare" else f"{username}@example.org")
    _seed_registry()
    lines = ["Demo data loaded (DEMO ONLY: never use these accounts with real data).",
             f"All demo users have the password: {DEMO_PASSWORD}"]
    lines += [f"  {u:<14} {name}" for u, name, _ in USERS]
    return lines


def _seed_registry() -> None:
    from webapp.models import Organisation, PartnerProfile, PartnerProfileRevision

    orgs = dict(db.session.execute(select(Organisation.code, Organisation.id)).all())
    for code, (kind, domains, mandate, contact) in PARTNERS.items():
        values = {"organisation_id": orgs[code], "kind": kind, "life_domains": domains,
                  "mandate": mandate, "contact": contact}
        db.session.add(PartnerProfile(**values))
        db.session.add(PartnerProfileRevision(**values))
