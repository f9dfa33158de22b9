"""A script fails mid-step: nothing is completed, the user is told, the coordinator sees it."""

from pathlib import Path

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import AuditEvent, Case, Contribution
from webapp.services import bundles
from webapp.services.audit import Actor

from .helpers import only_task, register

FAILING = Path(__file__).parent / "bundles" / "failing"


def test_a_failing_script_completes_nothing_and_is_recorded(app, network, login):
    bundles.deploy_bundle(Actor.system(), FAILING)
    db.session.commit()
    bundles.set_case_process(Actor.system(), "failing_case")
    db.session.commit()
    case = register()
    state_before, version_before = case.state, case.version
    task = only_task("coordinator", "write_note")
    client = login("coordinator")

    response = client.post(f"/tasks/{task.id}", data={"note": "hello"})
    assert response.status_code == 500
    assert "nothing was saved" in response.text
    assert 'value="hello"' in response.text  # what was typed is still in the form

    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.state, case.version) == (state_before, version_before)
    assert only_task("coordinator", "write_note").id == task.id
    assert db.session.scalar(select(func.count(Contribution.id))) == 0
    assert "divide" in case.last_error or "Compute a ratio" in case.last_error
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "step_failed"))
    page = client.get(f"/cases/{case.code}")
    assert "A step failed" in page.text
