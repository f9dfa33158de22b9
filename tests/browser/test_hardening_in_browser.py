"""Issue 14 in a browser: a role waiting for a coordinator, the auditors' events page, a form
with a NUL character, and a late answer to a task a reminder replaced."""

import pytest

from webapp.demo import DEMO_PASSWORD

from .conftest import screenshot

pytestmark = pytest.mark.browser


def test_a_role_asked_for_by_the_administrator_waits_for_a_coordinator(as_user):
    admin = as_user("admin")
    admin.goto("/admin/users/new")
    admin.get_by_label("Username").fill("newcoordinator")
    admin.get_by_label("Full name").fill("New Coordinator")
    admin.get_by_label("Initial password").fill(DEMO_PASSWORD)
    admin.get_by_label("Role").select_option("coordinator")
    admin.get_by_role("button").filter(has_text="Save").or_(
        admin.get_by_role("button").filter(has_text="Create")).first.click()
    assert "takes effect once a coordinator confirms it" in admin.content()
    screenshot(admin, "harden-admin-role-waits")

    coordinator = as_user("coordinator")
    assert "Review roles" in coordinator.content()
    screenshot(coordinator, "harden-inbox-role-notice")
    coordinator.get_by_role("link", name="Review roles").click()
    screenshot(coordinator, "harden-roles-pending")
    coordinator.get_by_role("button", name="Confirm").click()
    assert "is now coordinator" in coordinator.content()


def test_the_auditor_reads_events_outside_cases(as_user, browser, live_server):
    base, _ = live_server
    stranger = browser.new_context(base_url=base).new_page()
    stranger.goto("/login")
    for _ in range(2):
        stranger.get_by_label("Username").fill("police")
        stranger.get_by_label("Password").fill("not the password")
        stranger.get_by_role("button", name="Log in").click()
    auditor = as_user("auditor")
    auditor.get_by_role("link", name="Events outside cases").click()
    content = auditor.content()
    assert "failed login" in content and "published a process version" in content
    screenshot(auditor, "harden-audit-events")
    auditor.get_by_label("Kind").select_option("failed")
    auditor.get_by_role("button", name="Show").click()
    assert "published a process version" not in auditor.content()
    screenshot(auditor, "harden-audit-events-failed")


def test_a_nul_character_is_refused_and_the_entry_shown_back(as_user):
    coordinator = as_user("coordinator")
    coordinator.goto("/cases/new")
    coordinator.get_by_label("Name of the person").fill("Sam\x00 Example")
    coordinator.get_by_label("Address").fill("Kerkstraat 1")
    coordinator.get_by_role("button", name="Register").click()
    content = coordinator.content()
    assert "NUL character" in content and "Kerkstraat 1" in content
    screenshot(coordinator, "harden-nul-refused")
