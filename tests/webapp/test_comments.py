"""The case page: header, diagram of the case's own process version, timeline, comments."""

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, CaseComment

from .helpers import complete, example, register, to_consultation
from .test_inbox import one_user_per_request  # noqa: F401 - autouse fixture


def test_coordinators_discuss_a_case_in_its_comments(network, login):
    case = register()
    client = login("coordinator")
    added = client.post(f"/cases/{case.code}/comments",
                        data={"body": "School called again;\nI will visit on Monday."},
                        follow_redirects=True)
    assert "Your comment is added." in added.text
    assert "I will visit on Monday." in added.text
    page = login("coordinator2").get(f"/cases/{case.code}").text
    assert "I will visit on Monday." in page and "Comment added" in page

    empty = client.post(f"/cases/{case.code}/comments", data={"body": "  "},
                        follow_redirects=True)
    assert "Write a comment before sending it." in empty.text
    assert db.session.query(CaseComment).count() == 1
    assert "comment_added" in db.session.scalars(select(AuditEvent.action)).all()


def test_partners_neither_read_nor_write_comments(network, login):
    case = to_consultation(("police",))
    police = login("police")
    assert police.get(f"/cases/{case.code}").status_code == 403
    assert police.post(f"/cases/{case.code}/comments", data={"body": "hi"}).status_code == 403
    assert police.get(f"/cases/{case.code}/diagram.bpmn").status_code == 403
    assert db.session.query(CaseComment).count() == 0


def test_case_page_header_diagram_markers_and_timeline(network, login):
    case = register()
    complete("coordinator", "register_signal", example("register-signal"))
    client = login("coordinator")
    page = client.get(f"/cases/{case.code}").text
    assert "Days open" in page and "Responsible coordinator" in page
    assert 'data-completed="register_signal"' in page
    assert 'data-current="confirm_intake_decision"' in page
    assert "Case registered" in page and "Completed</strong>: Register signal" in page

    xml = client.get(f"/cases/{case.code}/diagram.bpmn")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert 'id="register_signal"' in xml.text and "bpmndi:BPMNDiagram" in xml.text
    assert "diagram_viewed" in db.session.scalars(select(AuditEvent.action)).all()


def test_error_pages_offer_a_way_back(network, login):
    client = login("coordinator")
    missing = client.get("/cases/MAW-1999-9999", headers={"Referer": "http://localhost/cases/"})
    assert missing.status_code == 404
    assert "Back to your inbox" in missing.text
    assert 'href="/cases/">Back to the previous page' in missing.text
    elsewhere = client.get("/cases/MAW-1999-9999", headers={"Referer": "https://evil.example/"})
    assert "evil.example" not in elsewhere.text


def test_an_unexpected_error_shows_the_500_page_in_the_layout(network, login, app):
    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = login("coordinator").get("/broken-for-test")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "Back to your inbox" in response.text and "Log out" in response.text
    assert "boom" not in response.text
