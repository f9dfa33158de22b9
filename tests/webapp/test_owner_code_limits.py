"""Issue 14, High: code a process owner writes cannot freeze the server. While a trial (or a
case) runs a payload that holds the interpreter for seconds or asks for gigabytes, another
user's inbox answers at once; the payload's step fails with a message naming the element, and
the trial or case is as it was."""

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Case, Contribution, ProcessDraft
from webapp.services import bundles
from webapp.services.audit import Actor
from webapp.services.designer import drafts

from .helpers import actor, only_task, register

FAILING = Path(__file__).parent / "bundles" / "failing"
SCRIPT = "ratio = len(note) / 0"
SCRIPT_PAYLOADS = {
    "power": ("big = 10**(4*10**6) > 1", "ran longer than a process step may take"),
    "giant string": ("size = len('x' * 10**9)", "more memory than a process step may use"),
    "giant list": ("zeros = [0] * (2 * 10**8)", "more memory than a process step may use"),
}
INSTRUCTION_ERRORS = {
    "giant string": ("{{ 'x' * 10**9 }}", "more memory"),
    "huge range": ("{% for a in range(10**9) %}{{ a }}{% endfor %}", "OverflowError"),
    "mutation": ("{{ [1, 2].pop() }}", "unsafe"),
}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _failing_files(script: str = "ratio = 1", instructions: str = "") -> dict[str, str]:
    xml = (FAILING / "processes" / "failing.bpmn").read_text().replace(SCRIPT, _escape(script))
    if instructions:
        xml = xml.replace("</spiffworkflow:properties>", "</spiffworkflow:properties>"
                          "<spiffworkflow:instructionsForEndUser>" + _escape(instructions)
                          + "</spiffworkflow:instructionsForEndUser>", 1)
    form = (FAILING / "forms" / "note.schema.json").read_text()
    return {"processes/failing.bpmn": xml, "forms/note.schema.json": form}


@pytest.fixture
def failing_process(app, network, engine_limits):
    """The failing_case process published with a harmless script; half a second per step."""
    engine_limits(step_seconds=0.5, script_seconds=0.3)
    bundles.publish_files(Actor.system(), _failing_files())
    db.session.commit()
    return "failing_case"


def _while_running(request, login, app):
    """Run ``request`` (a function returning a response) in a thread; meanwhile, once the
    request has reached the engine, time another user's inbox. Returns (response, seconds)."""
    from webapp.engine import channel

    reached, answered = threading.Event(), {}
    original = channel.WorkerProcess.call

    def call(worker, body, seconds):
        reached.set()
        return original(worker, body, seconds)

    def in_thread():
        with app.app_context():
            answered["r"] = request()
        reached.set()  # also when the request never reached the engine

    police = login("police")
    channel.WorkerProcess.call = call
    try:
        running = threading.Thread(target=in_thread)
        running.start()
        reached.wait(30)
        started = time.monotonic()
        inbox = police.get("/")
        seconds = time.monotonic() - started
        running.join()
    finally:
        channel.WorkerProcess.call = original
    assert inbox.status_code == 200
    return answered["r"], seconds


@pytest.mark.parametrize("name", sorted(SCRIPT_PAYLOADS))
def test_a_trial_step_with_a_heavy_script_fails_alone_and_clearly(app, failing_process, login,
                                                                  name):
    payload, words = SCRIPT_PAYLOADS[name]
    drafts.save_file(actor("owner"), failing_process, "processes/failing.bpmn",
                     _failing_files(payload)["processes/failing.bpmn"])
    db.session.commit()
    owner = login("owner")
    owner.post(f"/designer/{failing_process}/try", data={"action": "start"})
    before = db.session.scalar(select(ProcessDraft.trial_state))
    page = owner.get(f"/designer/{failing_process}/try").text
    task_id = page.split(f"/designer/{failing_process}/try/")[1].split('"')[0]
    response, seconds = _while_running(
        lambda: owner.post(f"/designer/{failing_process}/try/{task_id}",
                           data={"note": "hello"}), login, app)
    assert seconds < 1, f"another user's inbox took {seconds:.2f} s"
    assert "element &#39;divide&#39; (Compute a ratio)" in response.text
    assert words in response.text
    db.session.expire_all()
    assert db.session.scalar(select(ProcessDraft.trial_state)) == before


def test_trial_instructions_that_compute_for_seconds_stop_the_start_alone(app, failing_process,
                                                                          login):
    drafts.save_file(actor("owner"), failing_process, "processes/failing.bpmn",
                     _failing_files(instructions="{{ (10**(4*10**6)) > 1 }}")
                     ["processes/failing.bpmn"])
    db.session.commit()
    owner = login("owner")
    response, seconds = _while_running(
        lambda: owner.post(f"/designer/{failing_process}/try", data={"action": "start"},
                           follow_redirects=True), login, app)
    assert seconds < 1
    assert "The trial could not start" in response.text
    assert "element &#39;write_note&#39; (Write a note)" in response.text
    assert db.session.scalar(select(ProcessDraft.trial_state)) is None


@pytest.mark.parametrize("name", sorted(INSTRUCTION_ERRORS))
def test_instruction_errors_are_shown_to_the_process_owner(failing_process, login, name):
    template, words = INSTRUCTION_ERRORS[name]
    drafts.save_file(actor("owner"), failing_process, "processes/failing.bpmn",
                     _failing_files(instructions="Note: " + template)["processes/failing.bpmn"])
    db.session.commit()
    owner = login("owner")
    page = owner.post(f"/designer/{failing_process}/try", data={"action": "start"},
                      follow_redirects=True).text
    assert "Its instructions could not be filled in" in page and words in page
    task_id = page.split(f"/designer/{failing_process}/try/")[1].split('"')[0]
    task_page = owner.get(f"/designer/{failing_process}/try/{task_id}")
    assert task_page.status_code == 200
    assert "could not be filled in, so they are shown as written" in task_page.text


def test_a_case_step_with_a_heavy_script_leaves_the_case_unchanged(app, failing_process, login):
    bundles.publish_files(Actor.system(), _failing_files(SCRIPT_PAYLOADS["power"][0]))
    db.session.commit()
    bundles.set_case_process(Actor.system(), failing_process)
    db.session.commit()
    case = register()
    state, version = case.state, case.version
    task = only_task("coordinator", "write_note")
    coordinator = login("coordinator")
    response, seconds = _while_running(
        lambda: coordinator.post(f"/tasks/{task.id}", data={"note": "hello"}), login, app)
    assert seconds < 1
    assert response.status_code == 500 and "nothing was saved" in response.text
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.state, case.version) == (state, version)
    assert only_task("coordinator", "write_note").id == task.id
    assert db.session.scalar(select(func.count(Contribution.id))) == 0
    assert "divide" in case.last_error and "ran longer" in case.last_error


def test_a_case_task_whose_instructions_fail_still_opens(app, failing_process, login):
    bundles.publish_files(Actor.system(), _failing_files(instructions="{{ [1].pop() }}"))
    db.session.commit()
    bundles.set_case_process(Actor.system(), failing_process)
    db.session.commit()
    register()
    task = only_task("coordinator", "write_note")
    page = login("coordinator").get(f"/tasks/{task.id}")
    assert page.status_code == 200
    assert "{{ [1].pop() }}" in page.text
    assert "could not be filled in" in page.text
