"""Need-to-know, told as stories: a partner that was never involved cannot reach a case by
guessing, an involved partner sees only its own part, administrators and process owners never
read case content, and a person's details never appear in lists, exports or URLs.
(test_permissions.py checks every route as every role.)"""

import pytest
from sqlalchemy import select

from webapp.extensions import db

from . import security_helpers as fixtures
from .security_helpers import PERSON_A, PERSON_B, task_of

one_user_per_request, people, two_cases, clients = (
    fixtures.one_user_per_request, fixtures.people, fixtures.two_cases, fixtures.clients)


def test_an_uninvolved_partner_cannot_reach_a_case_by_guessing(app, two_cases, clients):
    """Case, task, contribution, comment, export, diagram, state and audit endpoints."""
    case_a, case_b = two_cases
    from webapp.models import Case, Contribution, Task

    codes = db.session.scalars(select(Case.code)).all()
    task_ids = db.session.scalars(select(Task.id)).all()
    contribution_ids = db.session.scalars(select(Contribution.id)).all()
    for who in ("school", "school_rep"):
        client = clients[who]
        for code in codes:
            for path in ("", "/diagram.bpmn", "/person", "/person/export.json", "/sharing",
                         "/pictures/network_map.svg"):
                response = client.get(f"/cases/{code}{path}")
                assert response.status_code == 404, (who, code, path)
            assert client.get(f"/shared/{code}").status_code == 404
            assert client.get(f"/audit/cases/{code}").status_code == 404
            assert client.get(f"/audit/cases/{code}/access.csv").status_code == 404
            assert client.post(f"/cases/{code}/comments",
                               data={"body": "hello"}).status_code == 404
        for task_id in [*task_ids, *contribution_ids, max(task_ids) + 1]:
            assert client.get(f"/tasks/{task_id}").status_code == 404
            assert client.post(f"/tasks/{task_id}", data={}).status_code == 404
        assert client.get("/cases/export.csv").status_code == 403
        inbox = client.get("/").get_data(as_text=True)
        assert case_a.code not in inbox and case_b.code not in inbox


def test_involved_partner_sees_only_its_part(app, two_cases, clients, login):
    case_a, _ = two_cases
    from .helpers import complete, example

    complete("police", "answer_information_request",
             example("information-answer", risk_factors="POLICE-RISK",
                     covered_by_professional_secrecy=False))
    complete("social", "answer_information_request",
             example("information-answer", risk_factors="SOCIAL-SECRET",
                     covered_by_professional_secrecy=True))
    ours = clients["police"].get("/shared/").get_data(as_text=True)
    assert case_a.code in ours and "Answer information request" in ours
    assert two_cases[1].code not in ours
    assert case_a.code not in clients["school"].get("/shared/").get_data(as_text=True)
    police = clients["police"].get(f"/shared/{case_a.code}").get_data(as_text=True)
    assert case_a.code in police and "POLICE-RISK" in police
    assert "SOCIAL-SECRET" not in police
    # the police was told name and date of birth with its request; never the address
    assert PERSON_A in police and "2008-04-01" in police and "Lindenstraat" not in police
    table = clients["police_rep"].get(f"/shared/{case_a.code}").get_data(as_text=True)
    assert "SOCIAL-SECRET" in table and "POLICE-RISK" in table
    assert PERSON_A in table and "Lindenstraat" not in table  # a member of the police
    case_page = clients["police_rep"].get(f"/cases/{case_a.code}").get_data(as_text=True)
    assert "SOCIAL-SECRET" in case_page and PERSON_A not in case_page
    social = login("social")
    assert social.get(f"/cases/{case_a.code}").status_code == 403
    own = social.get(f"/shared/{case_a.code}").get_data(as_text=True)
    assert "SOCIAL-SECRET" in own and "POLICE-RISK" not in own


def test_admins_and_process_owners_never_read_case_content(app, two_cases, clients):
    case_a, _ = two_cases
    for who in ("admin", "owner", "auditor", "evaluator"):
        client = clients[who]
        for url in (f"/cases/{case_a.code}", f"/shared/{case_a.code}",
                    f"/cases/{case_a.code}/person", f"/tasks/{task_of(case_a, 'police').id}"):
            assert client.get(url).status_code in (403, 404), (who, url)
    admin = clients["admin"].get("/admin/").get_data(as_text=True)
    assert "police_rep" in admin and case_a.code not in admin


def test_person_details_never_in_lists_exports_or_urls(app, two_cases, clients):
    """Even for coordinators: lists and exports show the case code only."""
    coordinator = clients["coordinator"]
    for url in ("/", "/cases/", "/cases/export.csv", "/audit/",
                f"/audit/cases/{two_cases[0].code}",
                f"/audit/cases/{two_cases[0].code}/access.csv"):
        response = coordinator.get(url)
        assert response.status_code == 200, url
        assert PERSON_A not in response.text and PERSON_B not in response.text, url
        assert "Lindenstraat" not in response.text, url
    registered = coordinator.post("/cases/new", data={"full_name": "Named In Url"})
    assert "Named" not in registered.headers["Location"]


def test_a_task_in_a_process_owner_lane_reaches_nobody(app, people, login, tmp_path):
    """Process owners could otherwise read case data by putting a step in their own lane."""
    from pathlib import Path

    from webapp import engine
    from webapp.engine.bundle import build_bundle
    from webapp.models import ProcessVersion
    from webapp.services import bundles
    from webapp.services.audit import Actor

    from .helpers import inbox, register

    source = Path(__file__).parent / "bundles" / "failing"
    root = tmp_path / "bundle"
    (root / "processes").mkdir(parents=True)
    (root / "forms").mkdir()
    (root / "forms" / "note.schema.json").write_text(
        (source / "forms" / "note.schema.json").read_text())
    (root / "processes" / "failing.bpmn").write_text(
        (source / "processes" / "failing.bpmn").read_text()
        .replace('name="Coordinator"', 'name="Process owner"')
        .replace("ratio = len(note) / 0", "ratio = 1"))
    with pytest.raises(engine.BundleInvalid, match="reaches nobody"):
        bundles.deploy_bundle(Actor.system(), root)  # validation refuses such a lane now
    # A version published before validation refused it: the policy still holds.
    files = engine.read_bundle_dir(root)
    built = build_bundle(files)
    db.session.add(ProcessVersion(process_id=built.process_id, name=built.process_name,
                                  version=1, bundle_hash=built.hash, files=files,
                                  spec_json=built.spec_json()))
    db.session.flush()
    bundles.set_case_process(Actor.system(), "failing_case")
    db.session.commit()
    case = register(full_name=PERSON_A)
    task = task_of(case)
    assert task.lane == "process_owner"
    assert inbox("owner") == []
    assert login("owner").get(f"/tasks/{task.id}").status_code == 404
