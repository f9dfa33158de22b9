"""The diagram editor in Dutch, in a real browser: the properties panel, the save status and
the problems found on saving come from the page in the owner's language."""

import pytest
from playwright.sync_api import expect

from .conftest import screenshot

pytestmark = pytest.mark.browser


def test_a_dutch_owner_edits_a_diagram_in_dutch(as_user):
    page = as_user("owner")
    page.get_by_role("button", name="Nederlands").click()
    page.goto("/designer/maw_case/edit/processes/case.bpmn")
    expect(page.locator("#bpmn-editor")).to_have_attribute("data-ready", "true")
    panel = page.locator("#panel")
    expect(panel).to_contain_text("Selecteer een element in het diagram")
    page.evaluate("""() => { const m = window.mawDesigner.modeler;
        m.get('selection').select(m.get('elementRegistry').get('register_signal')); }""")
    expect(panel.get_by_label("Baan (de rol die het doet)")).to_be_visible()
    form = panel.get_by_label("Formulier", exact=True)
    form.fill("missing.schema.json")
    form.press("Tab")
    expect(page.locator("#save-status")).to_have_text("Niet-bewaarde wijzigingen")
    page.get_by_role("button", name="Bewaren en controleren").click()
    expect(page.locator("#save-status")).to_have_text("Bewaard en gecontroleerd")
    problem = page.locator("#problems .problem[data-element='register_signal']")
    expect(problem).to_contain_text("gebruikt het formulierbestand 'missing.schema.json', dat "
                                    "niet in forms/ staat")
    expect(page.locator("#problems h2")).to_have_text("1 probleem op te lossen voor je "
                                                       "publiceert")
    page.evaluate("window.mawDesigner.modeler.get('selection').select(null)")
    problem.click()  # a problem still leads to its element
    expect(panel.get_by_label("Formulier", exact=True)).to_have_value("missing.schema.json")
    screenshot(page, "language-workbench-editor-nl")
