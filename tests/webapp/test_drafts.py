"""Drafts: what someone typed is kept for them only, survives logging out, goes on completion."""

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, TaskDraft

from .helpers import only_task, register, to_consultation
from .test_inbox import one_user_per_request  # noqa: F401 - autouse fixture


def test_a_draft_survives_logging_out_and_is_only_for_its_author(network, login):
    register()
    task = only_task("coordinator", "register_signal")
    client = login("coordinator")
    saved = client.post(f"/tasks/{task.id}", data={"action": "draft",
                                                   "signaller_role": "bus driver"},
                        follow_redirects=True)
    assert "Draft of “Register signal” saved" in saved.text
    assert 'value="bus driver"' in saved.text
    client.post("/logout")

    again = login("coordinator").get(f"/tasks/{task.id}")
    assert "You are continuing your draft" in again.text
    assert 'value="bus driver"' in again.text
    colleague = login("coordinator2").get(f"/tasks/{task.id}")
    assert "bus driver" not in colleague.text
    assert "draft_saved" in db.session.scalars(select(AuditEvent.action)).all()


def test_a_draft_keeps_invalid_input_and_completing_removes_it(network, login):
    to_consultation(("police",))
    task = only_task("police", "answer_information_request")
    police = login("police")
    police.post(f"/tasks/{task.id}", data={"action": "draft", "risk_factors": "half a thought"})
    assert db.session.scalar(select(TaskDraft.data))["risk_factors"] == "half a thought"
    page = police.get(f"/tasks/{task.id}")
    assert "half a thought" in page.text
    done = police.post(f"/tasks/{task.id}", data={"action": "complete",
                                                  "risk_factors": "Nothing alarming."})
    assert done.status_code == 302
    assert db.session.scalar(select(TaskDraft)) is None


def test_discarding_a_draft(network, login):
    register()
    task = only_task("coordinator", "register_signal")
    client = login("coordinator")
    client.post(f"/tasks/{task.id}", data={"action": "draft", "signaller_role": "baker"})
    page = client.post(f"/tasks/{task.id}", data={"action": "discard"}, follow_redirects=True)
    assert "Your draft is discarded" in page.text
    assert "baker" not in page.text


def test_partner_sees_what_was_asked_and_not_the_rest_of_the_case(network, login):
    to_consultation(("police",))
    task = only_task("police", "answer_information_request")
    page = login("police").get(f"/tasks/{task.id}").text
    assert "The question to Police" in page and "What does police know?" in page
    assert "Recorded on this case" not in page
    assert "withdrawn in class" not in page  # the signal's description stays with the coordinator


def test_live_pictures_are_drawn_from_the_rows_being_typed(network, login):
    from .helpers import complete, example

    to_consultation(("police",))
    complete("police", "answer_information_request", example("information-answer"))
    task = only_task("coordinator", "case_consultation")
    client = login("coordinator")
    page = client.get(f"/tasks/{task.id}").text
    assert "Pictures of what you entered" in page
    drawn = client.post(f"/tasks/{task.id}/pictures",
                        data={"network_map-0-who": "Older brother", "network_map-0-_row": "1"})
    assert drawn.status_code == 200
    assert "<svg" in drawn.text and "Older brother" in drawn.text
    assert login("police").post(f"/tasks/{task.id}/pictures").status_code == 404
    register()
    other = only_task("coordinator", "register_signal")
    assert client.post(f"/tasks/{other.id}/pictures").status_code == 404


def test_autosave_keeps_a_draft_without_leaving_the_page(network, login):
    register()
    task = only_task("coordinator", "register_signal")
    client = login("coordinator")
    saved = client.post(f"/tasks/{task.id}/draft", data={"signaller_role": "bus driver"})
    assert saved.status_code == 200 and "saved_at" in saved.json
    assert db.session.scalar(select(TaskDraft.data))["signaller_role"] == "bus driver"
    assert "You are continuing your draft" in client.get(f"/tasks/{task.id}").text
    assert login("police").post(f"/tasks/{task.id}/draft", data={}).status_code == 404
