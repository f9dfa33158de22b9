"""At a review the table closes some of the open actions: their owners no longer have them,
the other owners go on reporting, and the case's timeline says which action was closed."""

import html
import re
from datetime import UTC, datetime, timedelta

from webapp.models import utcnow
from webapp.services.notifications import worker

from .helpers import complete, example, inbox, only_task, to_review
from .mail_helpers import give_addresses, smtp_fixture  # noqa: F401 - the smtp fixture

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REVIEW = {"progress": "School talks went well.", "concern_level": "low",
          "decision": "continue", "next_review_months": "3", "action": "complete"}


def timeline(client, case) -> str:
    """The case page's timeline as its reader reads it (words, no markup)."""
    page = client.get(f"/cases/{case.code}").text
    listed = page.split('timeline">')[1].split("</ol>")[0]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", listed)))


def test_the_review_closes_the_ticked_action_and_the_other_owner_goes_on(network, login):
    case, review = to_review(T0)
    client = login("coordinator")
    page = html.unescape(client.get(f"/tasks/{review.id}").text)
    assert "Close these actions" in page
    assert "1. Talk with the parents about school — School" in page
    assert "2. Offer a family coach — Social services" in page
    assert 'checked' not in page.split("Close these actions")[1].split("</fieldset>")[0]

    done = client.post(f"/tasks/{review.id}", data={**REVIEW, "close_actions": "1.1"})
    assert done.status_code == 302, done.text

    assert "carry_out_action" not in {t.spec_name for t in inbox("school")}
    complete("social", "carry_out_action", example("action-report"))  # still theirs to report
    told = timeline(client, case)
    assert ("Task withdrawn : Action closed by the table (School) Talk with the parents about "
            "school by Coordinator") in told
    assert "Offer a family coach" not in told
    # the review's record names the closed action as the form offered it, not by its key
    record = html.unescape(client.get(f"/cases/{case.code}").text)
    shown = record.split("Close these actions")[1].split("</dd>")[0]
    assert "1. Talk with the parents about school — School" in shown and "1.1" not in shown


def test_an_action_the_review_did_not_offer_cannot_be_closed(network, login):
    _case, review = to_review(T0)
    client = login("coordinator")
    refused = client.post(f"/tasks/{review.id}", data={**REVIEW, "close_actions": "9.9"})
    assert refused.status_code == 422
    assert {t.spec_name for t in inbox("school")} == {"carry_out_action"}


def test_an_action_reported_done_while_the_review_waits_is_no_longer_offered(network, login):
    """The table opens the review; meanwhile the school reports its action done. The review
    then offers only the action still open, and a tick on the other (a page opened before)
    is refused with the form shown again, so the record never says the table closed an
    action its owner had finished."""
    case, review = to_review(T0)
    client = login("coordinator")
    assert "1. Talk with the parents about school" in html.unescape(
        client.get(f"/tasks/{review.id}").text)
    complete("school", "carry_out_action", example("action-report"), T0 + timedelta(days=94))
    page = html.unescape(client.get(f"/tasks/{review.id}").text)
    offered = page.split("Close these actions")[1].split("</fieldset>")[0]
    assert "2. Offer a family coach — Social services" in offered
    assert "Talk with the parents about school" not in offered
    refused = client.post(f"/tasks/{review.id}", data={**REVIEW, "close_actions": "1.1"})
    assert refused.status_code == 422
    shown = html.unescape(refused.text)
    assert "Nothing was saved yet" in shown and "Choose one of the listed options." in shown
    assert only_task("coordinator", "review_case").id == review.id
    done = client.post(f"/tasks/{review.id}", data={**REVIEW, "close_actions": "1.2"})
    assert done.status_code == 302, done.text
    assert "Offer a family coach" in timeline(client, case)


def test_a_colleague_first_at_the_review_the_late_one_reads_the_actions_by_name(network,
                                                                                login):
    """Two coordinators hold the same review; the second one's entry, not saved, names the
    action they ticked as the form offered it."""
    _case, review = to_review(T0)
    late = login("coordinator2")
    late.get(f"/tasks/{review.id}")
    first = login("coordinator").post(f"/tasks/{review.id}",
                                      data={**REVIEW, "close_actions": "1.1"})
    assert first.status_code == 302
    refused = late.post(f"/tasks/{review.id}", data={**REVIEW, "close_actions": "1.1"})
    assert refused.status_code == 409
    entered = html.unescape(refused.text).split("What you entered")[1]
    assert "1. Talk with the parents about school — School" in entered
    assert "1.1" not in entered


def test_in_dutch_the_review_offers_the_actions_and_the_timeline_names_the_closure(network,
                                                                                   login):
    case, review = to_review(T0)
    client = login("coordinator")
    client.post("/language", data={"language": "nl"})
    page = html.unescape(client.get(f"/tasks/{review.id}").text)
    assert "Deze acties afsluiten" in page
    client.post(f"/tasks/{review.id}", data={**REVIEW, "close_actions": "1.2"})
    told = timeline(client, case)
    assert "Taak ingetrokken : Actie afgesloten door het casusoverleg (Social services)" in told


def test_a_review_with_no_action_open_says_there_is_nothing_to_close(network, login):
    _case, review = to_review(T0, reported=("school", "social"))
    page = html.unescape(login("coordinator").get(f"/tasks/{review.id}").text)
    assert "Nothing to choose from now." in page.split("Close these actions")[1]


def test_the_owner_of_a_closed_action_is_told_it_no_longer_needs_doing(network, login, smtp):
    give_addresses("school", "social")
    case, review = to_review(T0)
    login("coordinator").post(f"/tasks/{review.id}", data={**REVIEW, "close_actions": "1.1"})
    worker.run_mail_pass(utcnow())
    withdrawn = [m for m in smtp.messages if m["Subject"].startswith("A task was withdrawn")]
    assert [m["To"] for m in withdrawn] == ["school@example.org"]  # not social: still theirs
    (message,) = withdrawn
    text = message.get_body(("plain",)).get_content()
    assert message["Subject"] == f"A task was withdrawn (case {case.code})"
    assert "it no longer needs doing" in text
    assert "Task: Carry out an agreed action" in text  # which one, when a case has several
    assert "http://127.0.0.1:5000/\r\n" in text  # to the inbox: the task page is gone
    assert "Talk with the parents" not in message.as_string()  # no case content
