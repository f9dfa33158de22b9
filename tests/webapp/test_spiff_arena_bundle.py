"""A bundle made in spiff-arena's conventions (tests/bundles/partner-round: one folder,
``<name>-schema.json`` forms, lanes Coordinator and Partner, a parallel multi-instance request
whose partners come from ``lane_owners``, pre/post scripts, timers, a decision table) imports
unchanged, validates with no problem, and a case runs on it through the web inbox to the
partners' answers and on to the end."""

import html
import io
import re
import zipfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Case, Task, utcnow
from webapp.services import accounts, bundles, timers
from webapp.services.audit import Actor

from ..conftest import PASSWORD, task_ids
from .helpers import actor, inbox

BUNDLE = Path(__file__).resolve().parents[1] / "bundles" / "partner-round"


def bundle_zip(replace: tuple[str, str] | None = None) -> bytes:
    """The folder as spiff-arena exports it: one directory, files as they are."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(BUNDLE.iterdir()):
            data = path.read_text()
            if replace and path.suffix == ".bpmn":
                data = data.replace(*replace)
            archive.writestr(f"partner-round/{path.name}", data)
    return buffer.getvalue()


def import_and_start_cases_with_it(login, zipped: bytes | None = None):
    owner = login("owner")
    imported = owner.post("/designer/import", data={
        "bundle": (io.BytesIO(zipped or bundle_zip()), "partner-round.zip")},
        content_type="multipart/form-data", follow_redirects=True)
    assert imported.status_code == 200
    page = imported.get_data(as_text=True)
    assert "The draft has no problems" in page and 'id="warnings"' not in page
    published = owner.post("/designer/partner_round/publish", follow_redirects=True).text
    assert "Published as version 1." in published
    assert "\u201cRegister a case\u201d starts Multi-agency case (version 1)" in published
    chosen = owner.post("/designer/partner_round/start-cases", follow_redirects=True).text
    assert "now start Partner information round: new cases start on version 1" in chosen
    return owner


def first_task(client) -> str:
    [task_id] = task_ids(client.get("/").text)
    return f"/tasks/{task_id}"


def test_a_case_runs_on_a_spiff_arena_bundle_from_question_to_answers_to_the_end(network, login):
    import_and_start_cases_with_it(login)
    coordinator = login("coordinator")
    registered = coordinator.post("/cases/new", data={"full_name": "Test Person"})
    task_url = registered.headers["Location"]
    code = db.session.scalar(select(Case.code))
    form = coordinator.get(task_url).text
    assert f"about <strong>{code}</strong>" in form
    assert re.search(rf'id="reference"[^>]*readonly[^>]*value="REF-{code}"', form)
    assert 'name="topics-0"' in form and 'type="email"' in form
    done = coordinator.post(task_url, data={
        "partners": ["police", "social"], "topics-0": "Is the person known to you?",
        "topics-1": "Any recent incidents?", "deadline_days": "7",
        "contact-name": "C. Oordinator", "contact-email": "coordinator@example.org",
        "meeting_at": "2026-03-10T10:00", "reference": "forged", "request_kind": "other",
    })
    assert done.status_code == 302, done.text
    assert [t.spec_name for t in inbox("school")] == []
    police, social = login("police"), login("social")
    question = police.get(first_task(police)).text
    assert "Any recent incidents?" in question and f"REF-{code}" in question
    assert police.post(first_task(police), data={
        "known_to_us": "y", "summary": "Known from a neighbourhood report.",
        "risk_factors-0": "Threats at school", "protective_factors-0": "Supportive aunt",
        "hours_spent": "1.5"}).status_code == 302

    moved = timers.run_due_timers(now=utcnow() + timedelta(days=8))  # social is late
    assert moved == 1
    assert [t.title for t in inbox("coordinator")] == ["Chase the late partners"]
    assert social.post(first_task(social), data={"summary": "Nothing to share."}
                       ).status_code == 302
    timers.run_due_timers(now=utcnow() + timedelta(days=3))  # the meeting
    titles = sorted(t.title for t in inbox("coordinator"))
    assert titles == ["Chase the late partners", "Review the answers"]
    review = next(t for t in inbox("coordinator") if t.spec_name == "review_answers")
    assert "2 partner(s) answered." in coordinator.get(f"/tasks/{review.id}").text
    assert coordinator.post(f"/tasks/{review.id}", data={
        "decision": "regular_care", "reasoning": "Care can take it from here."}
    ).status_code == 302
    case = db.session.scalar(select(Case))
    db.session.refresh(case)
    assert (case.status, case.outcome, case.closure_reason) == (
        "closed", "regular_care", "Referred to regular care.")
    assert db.session.scalar(select(Task.id)) is None  # the late-partner chase ended with it


def test_lane_owners_can_name_one_person(network, login):
    accounts.create_user(Actor.system(), "jdoe", "J. Doe", PASSWORD, [("police", "partner")])
    db.session.commit()
    import_and_start_cases_with_it(login, bundle_zip(
        ('[request["organisation"]]', '["jdoe"] if request["organisation"] == "police" '
                                      'else [request["organisation"]]')))
    coordinator = login("coordinator")
    task_url = coordinator.post("/cases/new", data={}).headers["Location"]
    coordinator.post(task_url, data={
        "partners": ["police"], "topics-0": "Known to you?", "deadline_days": "7",
        "contact-name": "C", "contact-email": "c@example.org"})
    [task] = inbox("jdoe")
    assert task.assignee_id == actor("jdoe").user.id and task.organisation.code == "police"
    assert inbox("police") == []  # a colleague in the same organisation does not get it
    assert login("police").get(f"/tasks/{task.id}").status_code == 404
    jdoe = login("jdoe")
    assert jdoe.get(f"/tasks/{task.id}").status_code == 200
    assert "You personally" in jdoe.get("/").text


def test_a_lane_owner_that_does_not_exist_fails_the_step_and_tells_the_coordinator(network,
                                                                                    login):
    import_and_start_cases_with_it(login, bundle_zip(
        ('[request["organisation"]]', '[request["organisation"] + "-typo"]')))
    coordinator = login("coordinator")
    task_url = coordinator.post("/cases/new", data={}).headers["Location"]
    failed = coordinator.post(task_url, data={
        "partners": ["police"], "topics-0": "Known to you?", "deadline_days": "7",
        "contact-name": "C", "contact-email": "c@example.org"})
    assert failed.status_code == 500
    detail = ("element 'partner_answer' (Answer the information request): lane_owners names "
              "'police-typo' for the lane 'Partner', which is neither an organisation code "
              "nor the username of an active user.")
    assert detail in html.unescape(failed.text)
    case = db.session.scalar(select(Case))
    db.session.refresh(case)
    assert detail in case.last_error
    assert [t.spec_name for t in inbox("coordinator")] == ["ask_partners"]  # nothing parked
    assert detail in html.unescape(coordinator.get(f"/cases/{case.code}").text)


def test_the_process_new_cases_start_is_chosen_in_the_workbench(network, login):
    assert bundles.case_process_id() == "maw_case"
    import_and_start_cases_with_it(login)
    assert bundles.case_process_id() == "partner_round"
    page = login("owner").get("/designer/").text
    section = page[page.index('id="p-partner_round"'):]
    assert "New cases start here" in section[:400]
    assert "Start new cases with this process" in page  # offered for maw_case
    assert "Start new cases with this process" not in section[:1200]
