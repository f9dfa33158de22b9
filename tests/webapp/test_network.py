"""Network analysis: the partner registry (administrators, audited, history kept), the
coverage matrix (registry next to the action plans) and a case's life-domain gaps on the case
page, in the review step and as SVG and CSV."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, Organisation, PartnerProfile, PartnerProfileRevision
from webapp.services import network as network_service
from webapp.services import timers
from webapp.services.evaluation import Period

from .helpers import actor, complete, example, to_consultation

START = datetime(2026, 3, 2, 9, tzinfo=UTC)


def org(code: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def save(client, code: str, revisions: int, **fields):
    data = {"kind": "police", "life_domains": ["justice"], "mandate": "decides",
            "contact": "Prevention desk", "revisions": str(revisions), **fields}
    return client.post(f"/admin/partners/{org(code).id}", data=data)


def test_administrators_keep_the_registry_with_its_history(app, network, login):
    admin = login("admin")
    assert save(admin, "police", 0).status_code == 302
    assert save(admin, "police", 1, life_domains=["justice", "identity"],
                contact="=cmd|' /C calc'!A0").status_code == 302
    profile = db.session.get(PartnerProfile, org("police").id)
    assert profile.life_domains == ["identity", "justice"]  # in the screening's order
    revisions = db.session.scalars(select(PartnerProfileRevision).order_by(
        PartnerProfileRevision.id)).all()
    assert [r.life_domains for r in revisions] == [["justice"], ["identity", "justice"]]
    audited = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "partner_profile_saved")).all()
    assert len(audited) == 2 and audited[1].detail["before"]["life_domains"] == ["justice"]
    page = admin.get(f"/admin/partners/{org('police').id}").text
    assert "History" in page and "Prevention desk" in page
    listing = admin.get("/admin/partners/").text
    assert "Identity, ideology and religion" in listing


def test_a_stale_form_or_a_bad_value_saves_nothing(app, network, login):
    admin = login("admin")
    assert save(admin, "police", 0).status_code == 302
    stale = save(admin, "police", 0, contact="Other desk")  # someone saved in between
    assert stale.status_code == 302
    assert "Someone else saved" in admin.get(stale.headers["Location"]).text
    for fields in ({"kind": "cult"}, {"life_domains": ["astrology"]},
                   {"contact": "x" * 301}, {"mandate": "rules"}):
        response = save(admin, "police", 1, **fields)
        assert response.status_code == 422, fields
    assert db.session.get(PartnerProfile, org("police").id).contact == "Prevention desk"
    assert len(db.session.scalars(select(PartnerProfileRevision)).all()) == 1
    assert login("coordinator").get("/admin/partners/").status_code == 403


def to_plan(now=START):
    """A case with the example screening (vulnerable: family, education and work, peers and
    leisure) and the example plan (actions: education and work for the school, family for
    social services): peers and leisure is a gap."""
    case = to_consultation(("police",), now=now)
    complete("police", "answer_information_request", example("information-answer"), now)
    complete("coordinator", "case_consultation", example("case-consultation"), now)
    complete("coordinator", "agree_action_plan", example("action-plan"), now)
    return case


def test_a_case_shows_the_domains_no_action_covers(app, network, login):
    case = to_plan()
    gaps = network_service.case_gaps(actor("coordinator").user, case)
    assert gaps.vulnerable == ["family", "education_work", "peers_leisure"]
    assert gaps.gaps == ["peers_leisure"]
    page = login("coordinator").get(f"/cases/{case.code}").text
    assert "Life domains without an action" in page
    assert "1 life domain flagged vulnerable has no action" in page
    assert "Peers and leisure" in page
    svg = login("coordinator").get(f"/cases/{case.code}/gaps.svg")
    assert svg.status_code == 200 and "GAP: no action" in svg.text
    rows = login("coordinator").get(f"/cases/{case.code}/gaps.csv").text
    assert '"Peers and leisure","yes","no","GAP"' in rows
    assert '"Family","yes","yes",""' in rows
    assert login("police").get(f"/cases/{case.code}/gaps.svg").status_code == 403
    # the review step shows them to the table
    timers.run_due_timers(now=START + timedelta(days=200))
    from .helpers import only_task

    review = only_task("coordinator", "review_case")
    page = login("coordinator").get(f"/tasks/{review.id}").text
    assert "Life domains without an action" in page and "Peers and leisure" in page


def test_the_coverage_matrix_puts_registry_and_practice_side_by_side(app, network, login):
    admin = login("admin")
    save(admin, "police", 0, life_domains=["justice", "identity"])
    save(admin, "school", 0, kind="school", life_domains=["education_work", "housing"])
    for _ in range(5):
        to_plan()
    period = Period(date(2026, 1, 1), date(2027, 1, 1))
    result = network_service.coverage(actor("coordinator"), period)
    ids = {o.code: o.id for o in result.organisations}
    assert result.did[("education_work", ids["school"])].text() == "5"
    assert result.did[("family", ids["social"])].text() == "5"
    assert result.did[("justice", ids["police"])].text() == "0"
    assert result.says[("housing", ids["school"])] is True
    assert set(result.nobody) == {"health", "finances", "peers_leisure"}
    assert ("housing", ids["school"]) in result.never_practised
    assert ("justice", ids["police"]) in result.never_practised
    page = login("coordinator").get("/reports/coverage?start=2026-01&end=2026-12").text
    assert "Nobody covers:" in page and "Peers and leisure" in page
    assert "In the registry, never in practice:" in page
    csv = login("coordinator").get("/reports/coverage.csv?start=2026-01&end=2026-12").text
    assert "registry: yes; actions: 5" in csv and "MAW-" not in csv


def test_few_actions_are_suppressed_in_the_matrix(app, network, login):
    to_plan()
    period = Period(date(2026, 1, 1), date(2027, 1, 1))
    result = network_service.coverage(actor("coordinator"), period)
    ids = {o.code: o.id for o in result.organisations}
    assert result.did[("education_work", ids["school"])].text() == "fewer than 5"
    svg = login("coordinator").get("/reports/charts/coverage.svg?start=2026-01&end=2026-12")
    assert svg.status_code == 200 and "fewer than 5" in svg.text
