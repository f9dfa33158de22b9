"""A process owner imports a bundle made for spiff-arena in the browser: it validates clean,
its diagram opens with both form naming conventions offered in the side panel, and a
coordinator fills in its first form (lists, groups, read-only and e-mail fields) in the page."""

import re
import zipfile

import pytest
from playwright.sync_api import expect

from .conftest import ROOT, screenshot

pytestmark = pytest.mark.browser
BUNDLE = ROOT / "tests" / "bundles" / "partner-round"


def zipped(tmp_path) -> str:
    path = tmp_path / "partner-round.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(BUNDLE.iterdir()):
            archive.writestr(f"partner-round/{file.name}", file.read_bytes())
    return str(path)


def test_a_spiff_arena_bundle_in_the_workbench_and_its_first_form(as_user, tmp_path):
    owner = as_user("owner")
    owner.goto("/designer/")
    owner.get_by_label("Zip with BPMN, DMN and form files").set_input_files(zipped(tmp_path))
    owner.get_by_role("button", name="Import into a draft").click()
    expect(owner.locator("#problems")).to_contain_text("The draft has no problems")
    expect(owner.locator("#warnings")).to_have_count(0)
    screenshot(owner, "spiff-bundle-draft")

    owner.get_by_role("link", name="processes/partner-round.bpmn").click()
    expect(owner.locator("#bpmn-editor")).to_have_attribute("data-ready", "true")
    owner.evaluate("""() => {
      const m = window.mawDesigner.modeler;
      m.get('selection').select(m.get('elementRegistry').get('ask_partners'));
    }""")
    panel = owner.locator("#panel")
    form = panel.get_by_label("Form", exact=True)
    expect(form).to_have_value("ask-partners-schema.json")
    options = owner.evaluate(
        "id => [...document.getElementById(id).options].map(o => o.value)",
        form.get_attribute("list"))
    assert "partner-answer-schema.json" in options and not [o for o in options
                                                            if "uischema" in o]
    expect(panel.get_by_label("UI schema")).to_have_value("ask-partners-uischema.json")
    screenshot(owner, "spiff-bundle-side-panel")

    owner.goto("/designer/partner_round/")
    owner.get_by_role("button", name="Publish as a new version").click()
    expect(owner.get_by_text("Published as version 1.")).to_be_visible()
    owner.locator("form[action$='/partner_round/start-cases'] button").click()
    expect(owner.get_by_text(re.compile("now start Partner information round"))).to_be_visible()

    coordinator = as_user("coordinator")
    coordinator.goto("/cases/new")
    coordinator.get_by_role("button", name=re.compile("Register")).click()
    expect(coordinator.get_by_role("heading", name="Ask partners")).to_be_visible()
    expect(coordinator.get_by_label("Reference")).to_have_attribute("readonly", "")
    expect(coordinator.get_by_label("Reference")).to_have_value(re.compile(r"^REF-MAW-"))
    coordinator.get_by_label("Police", exact=True).check()
    coordinator.get_by_label("Social services", exact=True).check()
    topics = coordinator.locator("fieldset#topics")
    topics.locator("input[name='topics-0']").fill("Is the person known to you?")
    topics.get_by_role("button", name="Add an entry").click()
    topics.locator("input[name='topics-1']").fill("Any recent incidents?")
    coordinator.get_by_label("Name").fill("Chris Coordinator")
    coordinator.get_by_label("E-mail").fill("not an address")
    screenshot(coordinator, "spiff-bundle-first-form")
    coordinator.get_by_role("button", name="Submit and complete task").click()
    expect(coordinator.get_by_text(re.compile("Enter an e-mail address"))).to_be_visible()
    expect(coordinator.locator("input[name='topics-1']")).to_have_value("Any recent incidents?")
    coordinator.get_by_label("E-mail").fill("coordinator@example.org")
    coordinator.get_by_role("button", name="Submit and complete task").click()
    expect(coordinator.get_by_text(re.compile("is done"))).to_be_visible()

    police = as_user("police")
    police.get_by_role("link", name="Answer the information request").click()
    expect(police.get_by_text("Any recent incidents?").first).to_be_visible()
    screenshot(police, "spiff-bundle-partner-answer")
