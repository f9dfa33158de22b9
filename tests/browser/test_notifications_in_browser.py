"""Notifications in the browser: a partner chooses what mail to get; the administrator sees
the mail that would have been sent (no SMTP in the demo) and who cannot be reached. The
pages pass axe-core (no serious/critical problems); screenshots go to tests/artifacts/."""

import pytest
from playwright.sync_api import expect

from webapp.extensions import db
from webapp.services.notifications import worker

from ..webapp.helpers import to_consultation
from .conftest import screenshot
from .test_workday import serious_accessibility_problems

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def case_code(live_server):
    _, app = live_server
    with app.app_context():
        code = to_consultation(("police",)).code
        worker.run_mail_pass()
        db.session.remove()
    return code


def test_a_partner_chooses_what_mail_to_get(as_user, live_server, browser, case_code):
    base, _ = live_server
    police = as_user("police")
    police.get_by_role("link", name="Notifications").click()
    expect(police.get_by_role("heading", name="E-mail notifications")).to_be_visible()
    expect(police.get_by_text("Messages go to police@example.org.")).to_be_visible()
    row = police.get_by_role("row", name="A task due within a day")
    row.get_by_role("radio", name="In my daily digest").check()
    police.get_by_label("Send my daily digest at").select_option(label="07:00")
    screenshot(police, "notification-settings")
    police.get_by_role("button", name="Save my choices").click()
    expect(police.get_by_text("Your choices are saved.")).to_be_visible()
    expect(police.get_by_role("row", name="A task due within a day")
           .get_by_role("radio", name="In my daily digest")).to_be_checked()
    assert serious_accessibility_problems(browser, base, "police",
                                          "/settings/notifications") == []


def test_the_administrator_sees_the_mail_that_would_have_been_sent(
        as_user, live_server, browser, case_code):
    base, _ = live_server
    admin = as_user("admin")
    admin.get_by_role("link", name="Mail").click()
    expect(admin.get_by_text("No SMTP server is set")).to_be_visible()
    message = admin.get_by_text(f"New task for case {case_code}").first
    expect(message).to_be_visible()
    message.click()  # opens the message as the partner would read it
    expect(admin.get_by_text("A new task waits for you in mawflow.").first).to_be_visible()
    expect(admin.get_by_text("youthcare").first).to_be_visible()  # no address
    screenshot(admin, "mail-outbox")
    assert serious_accessibility_problems(browser, base, "admin", "/admin/mail") == []
