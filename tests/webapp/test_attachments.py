"""Documents attached to answers and action reports: checked on content and size before they
are stored, kept while the form is not sent, served only as downloads to whoever may see the
answer (professional secrecy included), audited, and deleted by erasure and retention."""

import io
import json

import pytest
from flask import g
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from webapp.auth.reauth import SESSION_KEY
from webapp.extensions import db
from webapp.models import Attachment, AttachmentContent, AuditEvent, Case, Contribution, utcnow
from webapp.services import anonymise, rectification, retention

from .helpers import actor, complete, example, only_task, to_consultation
from .test_scenarios import formdata

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
HTML = b"<!doctype html><script>alert(document.cookie)</script>"


@pytest.fixture
def asked(network):
    """A case where the police and social services were asked for information."""
    return to_consultation(("police", "social"))


def client_for(login, username):
    g.pop("_login_user", None)
    client = login(username)
    with client.session_transaction() as session:
        session[SESSION_KEY] = utcnow().timestamp()
    g.pop("_login_user", None)
    return client


def send(client, task, data, files=(), action="complete"):
    fields = {**formdata(data), "action": action,
              "attachments": [FileStorage(io.BytesIO(content), filename=name,
                                          content_type="application/octet-stream")
                              for name, content in files]}
    # encoded in memory: the test client would spool a large body to a file it never closes
    boundary, body = encode_multipart(fields)
    response = client.post(f"/tasks/{task.id}", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    db.session.expire_all()
    return response


def stored() -> int:
    return db.session.scalar(select(func.count(Attachment.id)))


def test_an_answer_with_a_document_is_downloaded_as_a_file_by_the_coordinator(asked, login):
    police = client_for(login, "police")
    task = only_task("police", "answer_information_request")
    form = police.get(f"/tasks/{task.id}").text
    assert 'enctype="multipart/form-data"' in form and 'type="file"' in form
    response = send(police, task, example("information-answer"),
                    [("Verslag politie.pdf", PDF), ("foto.png", PNG)])
    assert response.status_code == 302, response.text[:2000]
    answer = db.session.scalar(select(Contribution).where(
        Contribution.spec_name == "answer_information_request"))
    files = db.session.scalars(select(Attachment).where(
        Attachment.contribution_id == answer.id).order_by(Attachment.id)).all()
    assert [(f.filename, f.content_type) for f in files] == [
        ("Verslag politie.pdf", "application/pdf"), ("foto.png", "image/png")]
    coordinator = client_for(login, "coordinator")
    page = coordinator.get(f"/cases/{asked.code}").text
    assert "Verslag politie.pdf" in page and f"/attachments/{files[0].id}" in page
    download = coordinator.get(f"/attachments/{files[0].id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "Verslag" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert download.headers["Cache-Control"] == "no-store"
    audited = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "attachment_downloaded")).all()
    assert [(e.case_id, e.detail["attachment_id"]) for e in audited] == [(asked.id, files[0].id)]
    access = coordinator.get(f"/audit/cases/{asked.code}").text
    assert "downloaded a document" in access
    assert "Verslag politie.pdf" in police.get(f"/shared/{asked.code}").text  # its own answer


@pytest.mark.parametrize("content", [EXE, HTML], ids=["program", "web page"])
def test_a_file_of_another_type_renamed_to_pdf_is_refused_with_a_clear_message(
        asked, login, content):
    police = client_for(login, "police")
    task = only_task("police", "answer_information_request")
    response = send(police, task, example("information-answer"), [("report.pdf", content)])
    assert response.status_code == 422
    assert "“report.pdf” is not a document of a kind that can be attached" in response.text
    assert "whatever its name says" in response.text
    assert stored() == 0
    assert only_task("police", "answer_information_request").id == task.id  # not completed


def test_an_over_size_file_is_refused_before_it_is_stored(app, asked, login, tmp_path):
    app.config.update(ATTACHMENT_MAX_FILE_MB=1, ATTACHMENT_FOLDER=str(tmp_path / "files"))
    police = client_for(login, "police")
    task = only_task("police", "answer_information_request")
    big = PDF + b"0" * (1024 * 1024)
    response = send(police, task, example("information-answer"), [("big.pdf", big)])
    assert response.status_code == 422
    assert "“big.pdf” is larger than 1 MB, so it was not attached" in response.text
    assert stored() == 0 and not (tmp_path / "files").exists()
    # a request larger than the whole limit is refused before it is read
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    response = send(police, task, example("information-answer"), [("big.pdf", big)])
    assert response.status_code == 413 and "too large" in response.text
    assert stored() == 0


def test_the_case_total_has_a_limit_too(app, asked, login):
    app.config.update(ATTACHMENT_MAX_CASE_MB=1)
    police = client_for(login, "police")
    task = only_task("police", "answer_information_request")
    half = PDF + b"0" * (600 * 1024)
    assert send(police, task, {}, [("one.pdf", half)], action="draft").status_code == 302
    response = send(police, task, {}, [("two.pdf", half)], action="draft")
    assert "may hold at most 1 MB" in response.text and stored() == 1


def test_a_secrecy_covered_answers_document_is_a_404_for_another_partner(asked, login):
    social = client_for(login, "social")
    task = only_task("social", "answer_information_request")
    answer = example("information-answer", covered_by_professional_secrecy=True)
    assert send(social, task, answer, [("dossier.pdf", PDF)]).status_code == 302
    (file,) = db.session.scalars(select(Attachment)).all()
    police = client_for(login, "police")
    police.get("/")  # the welcome message is shown once, there
    refused, missing = police.get(f"/attachments/{file.id}"), police.get("/attachments/99999")
    assert refused.status_code == missing.status_code == 404
    assert refused.text == missing.text
    assert client_for(login, "coordinator").get(f"/attachments/{file.id}").status_code == 200
    assert client_for(login, "social").get(f"/attachments/{file.id}").status_code == 200
    assert client_for(login, "school").get(f"/attachments/{file.id}").status_code == 404
    export = json.loads(client_for(login, "coordinator").get(
        f"/cases/{asked.code}/person/export.json").text)
    assert export["cases"][0]["attachments"] == []
    assert export["cases"][0]["attachments_withheld_under_professional_secrecy"] == 1


def test_a_draft_keeps_its_files_for_its_author_only_until_sent_or_removed(asked, login):
    police = client_for(login, "police")
    task = only_task("police", "answer_information_request")
    response = send(police, task, {"risk_factors": "half written"}, [("a.pdf", PDF)],
                    action="draft")
    assert response.status_code == 302
    (file,) = db.session.scalars(select(Attachment)).all()
    assert file.contribution_id is None and file.task_id == task.id
    page = police.get(f"/tasks/{task.id}").text
    assert "a.pdf" in page and "only you see them" in page
    assert police.get(f"/attachments/{file.id}").status_code == 200
    assert client_for(login, "coordinator").get(f"/attachments/{file.id}").status_code == 404
    removed = send(police, task, {"risk_factors": "still typing"},
                   action=f"remove_attachment:{file.id}")
    assert removed.status_code == 200 and "still typing" in removed.text
    assert stored() == 0
    send(police, task, {}, [("b.pdf", PDF)], action="draft")
    assert stored() == 1
    response = send(police, task, example("information-answer"))
    assert response.status_code == 302  # sent: the kept file goes with the answer
    (file,) = db.session.scalars(select(Attachment)).all()
    assert file.contribution_id is not None and file.task_id is None


def test_files_of_a_form_never_sent_go_when_the_task_goes(asked, login, network):
    police = client_for(login, "police")
    task = only_task("police", "answer_information_request")
    send(police, task, {}, [("a.pdf", PDF)], action="draft")
    assert stored() == 1
    # a colleague of the same organisation answers first: the draft's file is an orphan
    from webapp.services import accounts
    from webapp.services.audit import Actor

    from ..conftest import PASSWORD

    accounts.create_user(Actor.system(), "police2", "Police Two", PASSWORD,
                         [("police", "partner")])
    db.session.commit()
    complete("police2", "answer_information_request", example("information-answer"))
    assert stored() == 0
    assert db.session.scalar(select(func.count(AttachmentContent.attachment_id))) == 0


def test_folder_storage_writes_then_erasure_and_retention_delete(app, asked, login, tmp_path):
    folder = tmp_path / "files"
    app.config["ATTACHMENT_FOLDER"] = str(folder)
    police = client_for(login, "police")
    task = only_task("police", "answer_information_request")
    assert send(police, task, example("information-answer"), [("r.pdf", PDF)]).status_code == 302
    (file,) = db.session.scalars(select(Attachment)).all()
    assert file.storage == "folder" and (folder / file.storage_key).read_bytes() == PDF
    assert db.session.get(AttachmentContent, file.id) is None
    assert client_for(login, "coordinator").get(f"/attachments/{file.id}").data == PDF
    case = db.session.get(Case, asked.id)
    rectification.erase(actor("coordinator"), case, "the person asked")
    db.session.commit()
    assert stored() == 0 and list(folder.iterdir()) == []


def test_a_rolled_back_upload_leaves_no_file_behind(app, asked, tmp_path):
    from webapp.services import attachments

    folder = tmp_path / "files"
    app.config["ATTACHMENT_FOLDER"] = str(folder)
    task = only_task("police", "answer_information_request")
    attachments.store_pending(actor("police"), task, [FileStorage(io.BytesIO(PDF), "x.pdf")])
    assert len(list(folder.iterdir())) == 1
    db.session.rollback()
    assert list(folder.iterdir()) == [] and stored() == 0


def test_retention_deletes_the_documents_of_an_anonymised_case(asked, login):
    police = client_for(login, "police")
    task = only_task("police", "answer_information_request")
    send(police, task, example("information-answer"), [("r.pdf", PDF)])
    case = db.session.get(Case, asked.id)
    counts = anonymise.anonymise(case, utcnow())
    db.session.commit()
    assert counts["attachments"] == 1 and stored() == 0


def test_the_worker_sweeps_pending_files_whose_task_is_gone(asked, login):
    from sqlalchemy import delete

    from webapp.models import Task, TaskDraft

    police = client_for(login, "police")
    task = only_task("police", "answer_information_request")
    send(police, task, {}, [("a.pdf", PDF)], action="draft")
    db.session.execute(delete(TaskDraft).where(TaskDraft.task_id == task.id))
    db.session.execute(delete(Task).where(Task.id == task.id))
    db.session.commit()  # the row it belonged to is gone (as after a crash or a migration)
    retention.run_retention(5)
    assert stored() == 0


def test_discarding_a_draft_takes_its_files_off_too(asked, login):
    police = client_for(login, "police")
    task = only_task("police", "answer_information_request")
    send(police, task, {"risk_factors": "x"}, [("a.pdf", PDF)], action="draft")
    assert stored() == 1
    assert send(police, task, {}, action="discard").status_code == 302
    assert stored() == 0
