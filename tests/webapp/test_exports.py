"""The coordinators' cases list: search, filters and a CSV export safe for spreadsheets."""

import csv
import io

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, Case
from webapp.services.exports import safe_cell

from .helpers import complete, example, register
from .test_inbox import one_user_per_request  # noqa: F401 - autouse fixture


@pytest.mark.parametrize("value", ["=1+1", "+31 6", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_cells_that_spreadsheets_would_run_are_made_text(value):
    assert safe_cell(value) == "'" + value


def test_plain_cells_stay_as_they_are():
    assert safe_cell("MAW-2026-0001") == "MAW-2026-0001"
    assert safe_cell(None) == "" and safe_cell(12) == "12"


def test_search_and_filter_the_cases_list(network, login):
    older = register()
    complete("coordinator", "register_signal", example("register-signal"))
    fresh = register()
    client = login("coordinator")
    page = client.get("/cases/").text
    assert older.code in page and fresh.code in page
    by_code = client.get(f"/cases/?code={fresh.code[-4:]}").text
    assert fresh.code in by_code and older.code not in by_code
    by_step = client.get("/cases/?step=confirm_intake_decision").text
    assert older.code in by_step and fresh.code not in by_step
    assert "No case matches this search." in client.get("/cases/?status=closed").text
    listed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cases_listed"))
    assert {"code": fresh.code[-4:], "page": 1} in [e.detail for e in listed]


def test_the_csv_export_is_filtered_safe_and_audited(network, login):
    case = register(full_name="Jordan Example")
    register()
    db.session.execute(
        Case.__table__.update().where(Case.id == case.id)
        .values(current_step='=HYPERLINK("http://evil.example","x")')
    )
    db.session.commit()
    client = login("coordinator")
    response = client.get(f"/cases/export.csv?code={case.code}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][0] == "Case" and len(rows) == 2
    assert rows[1][0] == case.code
    assert rows[1][2].startswith("'=HYPERLINK")
    assert "Jordan Example" not in response.text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cases_exported"))
    assert event.detail == {"rows": 1, "code": case.code}


def test_partners_cannot_list_or_export(network, login):
    register()
    police = login("police")
    assert police.get("/cases/").status_code == 403
    assert police.get("/cases/export.csv").status_code == 403
