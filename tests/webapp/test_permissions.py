"""The permission matrix: every route, as every role, for a case the user is and is not
involved in. Exactly who gets what, and no combination gives a server error."""

import io
import re

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import CaseSubject, Involvement, SharedItem, User

from ..conftest import PASSWORD
from . import security_helpers as fixtures
from .security_helpers import PERSON_A, PERSON_B, USERS, task_of

one_user_per_request, people, two_cases, clients = (
    fixtures.one_user_per_request, fixtures.people, fixtures.two_cases, fixtures.clients)

EVERYONE = frozenset(USERS)
# notifications.unsubscribe: the signed one-click link in every message, without login
# (tests/webapp/test_notifications.py checks that it works only for stopping mail).
PUBLIC = {"auth.login", "static", "vendor.vendor_file", "notifications.unsubscribe",
          "ops.healthz", "ops.readyz", "language.switch"}
# Endpoints whose URL names a case (directly or through a task).
CASE_ARGS = {"code", "task_id", "case_id", "contribution_id", "comment_id", "item_id",
             "attachment_id"}

# Who may GET each endpoint, for case A (police asked and seated) and case B (nobody
# involved). One set means the same for both cases.
GET_ALLOWED: dict[str, frozenset | tuple[frozenset, frozenset]] = {
    "inbox.index": EVERYONE,
    "auth.reauth": EVERYONE,
    "language.settings": EVERYONE,
    "admin.index": frozenset({"admin"}),
    "admin.new_user": frozenset({"admin"}),
    "admin.new_organisation": frozenset({"admin"}),
    "notifications.settings": EVERYONE,
    "notifications.outbox_page": frozenset({"admin"}),
    "audit.index": frozenset({"coordinator", "auditor"}),
    "audit.case_access": frozenset({"coordinator", "auditor"}),
    "audit.case_access_csv": frozenset({"coordinator", "auditor"}),
    "audit.events": frozenset({"auditor"}),
    "audit.events_csv": frozenset({"auditor"}),
    "roles.pending": frozenset({"coordinator"}),
    "cases.index": frozenset({"coordinator"}),
    "cases.new": frozenset({"coordinator"}),
    "signals.new": frozenset({"police", "school", "police_rep", "school_rep"}),
    "cases.export": frozenset({"coordinator"}),
    "cases.show": (frozenset({"coordinator", "police_rep"}), frozenset({"coordinator"})),
    "cases.diagram": (frozenset({"coordinator", "police_rep"}), frozenset({"coordinator"})),
    "privacy.person": frozenset({"coordinator"}),
    "privacy.export_case_subject": frozenset({"coordinator"}),
    "privacy.subject_search": frozenset({"coordinator"}),
    "sharing.manage": frozenset({"coordinator"}),
    "sharing.index": frozenset({"police", "school", "police_rep", "school_rep"}),
    "sharing.case": (frozenset({"coordinator", "police", "police_rep"}),
                     frozenset({"coordinator"})),
    "tasks.show": (frozenset({"police"}), frozenset({"coordinator"})),
    "pictures.picture": (frozenset({"coordinator", "police_rep"}), frozenset({"coordinator"})),
    "coordination.overview_page": frozenset({"coordinator"}),
    "coordination.search": frozenset({"coordinator"}),
    # social services' answer on case A with a document: the table sees it, the police (not
    # shared with it) does not; case B has none (a missing one: 404 for everyone)
    "attachments.download": (frozenset({"coordinator", "police_rep"}), frozenset()),
    # The evaluation: counts and durations for coordinators and evaluators, nothing of a case.
    **dict.fromkeys(("reports.index", "reports.export_csv", "reports.chart", "reports.heatmap",
                     "reports.heatmap_data", "reports.heatmap_diagram", "reports.coverage"),
                    frozenset({"coordinator", "evaluator"})),
    "partners.index": frozenset({"admin"}),
    "partners.edit": frozenset({"admin"}),
    "gaps.picture": (frozenset({"coordinator", "police_rep"}), frozenset({"coordinator"})),
    "gaps.table": (frozenset({"coordinator", "police_rep"}), frozenset({"coordinator"})),
}
# Who is told the person's identity: the police (name and date of birth, asked on case A),
# on its task and its view of the case; its representative on the view of the case.
IDENTITY_SHOWN = {("police", 0, "tasks.show"), ("police", 0, "sharing.case"),
                  ("police_rep", 0, "sharing.case")}
# Who may know that case A / case B exists: a refusal says so (403). Anyone else gets the 404
# of a code that does not exist, so partners cannot probe which codes exist.
KNOWS = (frozenset({"coordinator", "auditor", "police", "police_rep"}),
         frozenset({"coordinator", "auditor"}))
MISSING_CODE = "MAW-2099-9999"
# Allowed, but 404 while there is nothing to show (no consultation drew a picture yet).
MAY_BE_EMPTY = {"pictures.picture"}
# Who may POST; everybody else must be refused and nothing may change.
POST_ALLOWED: dict[str, frozenset | tuple[frozenset, frozenset]] = {
    "auth.reauth": EVERYONE,
    "language.settings": EVERYONE,
    "admin.new_user": frozenset({"admin"}),
    "admin.new_organisation": frozenset({"admin"}),
    "admin.toggle_active": frozenset({"admin"}),
    "admin.unlock": frozenset({"admin"}),
    "notifications.settings": EVERYONE,
    "notifications.retry": frozenset({"admin"}),
    "notifications.set_email": frozenset({"admin"}),
    "cases.new": frozenset({"coordinator"}),
    "signals.new": frozenset({"police", "school", "police_rep", "school_rep"}),
    "cases.comment": (frozenset({"coordinator", "police_rep"}), frozenset({"coordinator"})),
    "privacy.person": frozenset({"coordinator"}),
    "privacy.erase": frozenset({"coordinator"}),
    "privacy.subject_export": frozenset({"coordinator"}),
    "sharing.grant_seat": frozenset({"coordinator"}),
    "sharing.share": frozenset({"coordinator"}),
    "sharing.withdraw_seat": frozenset({"coordinator"}),
    "sharing.withdraw_share": frozenset({"coordinator"}),
    "sharing.withdraw_identity": frozenset({"coordinator"}),
    "tasks.show": (frozenset({"police"}), frozenset({"coordinator"})),
    "tasks.autosave": (frozenset({"police"}), frozenset({"coordinator"})),
    "tasks.live_pictures": (frozenset({"police"}), frozenset({"coordinator"})),
    "tasks.live_advice": (frozenset({"police"}), frozenset({"coordinator"})),
    "inbox.claim": (frozenset({"police", "coordinator"}), frozenset({"coordinator"})),
    "inbox.release": (frozenset({"police", "coordinator"}), frozenset({"coordinator"})),
    "inbox.reassign": (frozenset({"police", "coordinator"}), frozenset({"coordinator"})),
    "coordination.remind": frozenset({"coordinator"}),
    "coordination.urgency_change": frozenset({"coordinator"}),
    "coordination.review_now": frozenset({"coordinator"}),
    "coordination.change_coordinator": frozenset({"coordinator"}),
    "coordination.search": frozenset({"coordinator"}),
    "partners.edit": frozenset({"admin"}),
    "roles.confirm": frozenset({"coordinator"}),
    "roles.refuse": frozenset({"coordinator"}),
}
# The process-owner workbench: process owners only; a draft that does not exist is a 404.
WORKBENCH = "designer."
# The language switcher is for everyone, logged in or not (test_languages.py).
SKIP_POST = {"auth.login", "auth.logout", "notifications.unsubscribe", "language.switch"}


def allowed(table, endpoint: str, which: int) -> frozenset:
    if endpoint.startswith(WORKBENCH):
        return frozenset({"owner"})
    entry = table.get(endpoint)
    if entry is None:
        return frozenset()
    return entry[which] if isinstance(entry, tuple) else entry


# Arguments that differ per endpoint.
ENDPOINT_VALUES = {"reports.chart": {"kind": "funnel"}}


def url_values(rule, case, task_id: int, user_id: int, attachment_id: int = 0) -> dict:
    values = {}
    for arg in rule.arguments:
        if arg in ENDPOINT_VALUES.get(rule.endpoint, {}):
            values[arg] = ENDPOINT_VALUES[rule.endpoint][arg]
            continue
        values[arg] = {
            "code": case.code, "task_id": task_id, "case_id": case.id, "user_id": user_id,
            "attachment_id": attachment_id,
            "process_id": "maw_case", "path": "processes/case.bpmn", "number": 1,
            "package": "bootstrap", "filename": "css/bootstrap.min.css",
            "kind": "network_map", "key": "intake",
        }.get(arg, 1)
    return values


def _redirects_to_login(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.fixture
def attached(two_cases):
    """Social services answers case A with a document (not under professional secrecy)."""
    from werkzeug.datastructures import FileStorage

    from webapp.models import Attachment
    from webapp.services import attachments

    from .helpers import actor, complete, example, only_task

    task = only_task("social", "answer_information_request")
    attachments.store_pending(actor("social"), task, [FileStorage(
        io.BytesIO(b"%PDF-1.7\n%%EOF\n"), filename="answer.pdf")])
    complete("social", "answer_information_request", example("information-answer"))
    return db.session.scalar(select(Attachment.id))


def _urls(app, method, cases, attachment_id=0):
    """(rule, which case, url) for every rule with `method`; URLs without arguments once."""
    social = db.session.scalar(select(User).where(User.username == "social"))
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if method not in rule.methods:
            continue
        for which, case in enumerate(cases):
            if which and not rule.arguments:
                continue
            task = task_of(case, "police") if which == 0 else task_of(case)
            values = url_values(rule, case, task.id, social.id,
                                attachment_id if which == 0 else attachment_id + 1000)
            yield rule, which, rule.build(values)[1]


def _leaks(who, response, which=None, endpoint=None) -> str | None:
    body = response.get_data().decode("utf-8", "replace")
    response.close()
    told = (who, which, endpoint) in IDENTITY_SHOWN
    shown = [PERSON_B, "Lindenstraat"] + ([] if told else [PERSON_A, "2008-04-01"])
    if who != "coordinator" and any(p in body for p in shown):
        return "shows person details"
    if told and response.status_code == 200 and PERSON_A not in body:
        return "does not show the identity disclosed"
    if PERSON_A.split()[0] in response.headers.get("Location", ""):
        return "puts person details in a URL"
    return None


def _judge_get(rule, which, who, response) -> str | None:
    """What is wrong with this response, or None."""
    status = response.status_code
    if status >= 500:
        return "server error"
    if leak := _leaks(who, response, which, rule.endpoint):
        return leak
    if rule.endpoint in PUBLIC:
        return None
    if who is None:
        return None if _redirects_to_login(response) else "anonymous not sent to login"
    if rule.endpoint not in GET_ALLOWED and not rule.endpoint.startswith(WORKBENCH):
        uninvolved = who in {"school", "school_rep", "owner", "admin", "evaluator"} or (
            which and who in {"police", "police_rep"})
        if CASE_ARGS & set(rule.arguments) and status == 200 and uninvolved:
            return "uninvolved user reached a case"
        return None
    if who in allowed(GET_ALLOWED, rule.endpoint, which):
        # the workbench answers 404/400 for drafts or query arguments not there
        ok = {200, 302} | ({400, 404} if rule.endpoint.startswith(WORKBENCH) else set()) | (
            {404} if rule.endpoint in MAY_BE_EMPTY else set())
        return None if status in ok and not _redirects_to_login(response) else "should be allowed"
    return _judge_refusal(rule, which, who, status)


def _judge_refusal(rule, which, who, status) -> str | None:
    """Exactly: a URL naming a case is a 404 for whoever may not know that case exists and a
    403 for the others; a case task that is not yours is a 404; any other page is a 403."""
    if "code" in rule.arguments:
        expected = 403 if who in KNOWS[which] else 404
    elif ("task_id" in rule.arguments and not rule.endpoint.startswith(WORKBENCH)
          or "attachment_id" in rule.arguments):
        expected = 404
    else:
        expected = 403
    return None if status == expected else f"should be refused with {expected}"


def test_every_get_route_as_every_role(app, two_cases, attached, clients):
    problems, unknown = [], set()
    for rule, which, url in _urls(app, "GET", two_cases, attached):
        if rule.endpoint not in GET_ALLOWED | dict.fromkeys(PUBLIC) and \
                not rule.endpoint.startswith(WORKBENCH):
            unknown.add(rule.endpoint)
        for who, client in clients.items():
            response = client.get(url)
            if problem := _judge_get(rule, which, who, response):
                problems.append(f"GET {url} as {who or 'anonymous'}: "
                                f"{response.status_code} ({problem})")
    assert not problems, "\n".join(problems)
    if unknown:  # new routes: add them to GET_ALLOWED so the matrix is exact
        print("routes not in the matrix (checked generically):", sorted(unknown))


def _snapshot(case_a):
    from webapp.models import Attachment, Disclosure

    subject = db.session.get(CaseSubject, case_a.id)
    db.session.refresh(subject)
    return (
        db.session.scalar(select(func.count(Disclosure.id)).where(
            Disclosure.withdrawn_at.is_(None))),
        db.session.scalar(select(func.count(Attachment.id))),
        db.session.scalar(select(func.count(Involvement.id))),
        db.session.scalar(select(func.count(SharedItem.id))),
        db.session.scalar(select(func.count(User.id))),
        db.session.scalar(select(func.count(User.id)).where(User.active.is_(False))),
        subject.full_name, subject.address,
    )


POST_DATA = {"body": "x", "reason": "x", "full_name": "Changed", "organisation": "school",
             "note": "x", "password": PASSWORD, "username": "newuser", "code": "neworg",
             "name": "New", "display_name": "New", "role": "admin"}


def _judge_post(rule, which, who, response) -> str | None:
    status = response.status_code
    if status >= 500:
        return "server error"
    if who is None:
        return None if _redirects_to_login(response) else "anonymous not sent to login"
    if "code" in rule.arguments:
        return _judge_refusal(rule, which, who, status)
    if rule.endpoint == "auth.reauth" or status in {400, 403, 404, 405}:
        return None
    return "should be refused"


def test_every_post_route_refuses_everyone_else(app, two_cases, attached, clients):
    case_a, _ = two_cases
    before = _snapshot(case_a)
    assert before[0] == 2  # the police and social services were told who it is about
    social = db.session.scalar(select(User).where(User.username == "social"))
    data = {**POST_DATA, "user_id": social.id}
    problems = []
    for rule, which, url in _urls(app, "POST", two_cases, attached):
        if rule.endpoint in SKIP_POST:
            continue
        may = allowed(POST_ALLOWED, rule.endpoint, which)
        for who, client in clients.items():
            if who in may:
                continue
            response = client.post(url, data=data)
            response.close()
            if problem := _judge_post(rule, which, who, response):
                problems.append(f"POST {url} as {who or 'anonymous'}: "
                                f"{response.status_code} ({problem})")
    assert not problems, "\n".join(problems)
    assert _snapshot(case_a) == before


def _without_tokens(body: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", body)


def test_a_case_nobody_told_you_about_looks_like_a_missing_code(app, two_cases, clients):
    """Every route naming a case, GET and POST: for a user who may not know the case exists,
    an existing code and a code that does not exist get the same 404 page."""
    _, case_b = two_cases
    for client in clients.values():
        client.get("/")  # shows the welcome message, so it is not on the first page below
    problems, checked = [], 0
    for rule in app.url_map.iter_rules():
        if "code" not in rule.arguments:
            continue
        values = url_values(rule, case_b, 0, 0)
        real = rule.build(values)[1]
        missing = rule.build({**values, "code": MISSING_CODE})[1]
        for method in {"GET", "POST"} & rule.methods:
            for who in sorted(EVERYONE - KNOWS[1]):
                send = getattr(clients[who], method.lower())
                shown = [send(url, data={"body": "x", "reason": "x"}) for url in (real, missing)]
                statuses = [r.status_code for r in shown]
                bodies = [_without_tokens(r.text) for r in shown]
                checked += 1
                if statuses != [404, 404] or bodies[0] != bodies[1]:
                    problems.append(f"{method} {rule.rule} as {who}: {statuses}")
                elif "This case does not exist or is not yours to see." not in bodies[0]:
                    problems.append(f"{method} {rule.rule} as {who}: not the case message")
    assert checked > 30 and not problems, "\n".join(problems)
    coordinator = clients["coordinator"]
    assert coordinator.get(f"/cases/{MISSING_CODE}").status_code == 404
    assert coordinator.get(f"/cases/{case_b.code}").status_code == 200
    police = clients["police"]  # involved in case A: may be told it is not theirs
    assert police.get(f"/cases/{two_cases[0].code}").status_code == 403
    assert police.get(f"/cases/{MISSING_CODE}").status_code == 404
