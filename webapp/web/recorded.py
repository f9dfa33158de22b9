"""Template helpers for showing recorded form data (``_data.html``): the form a contribution
was entered with, and its choice codes turned into the labels that form showed."""

from flask import g

from webapp.engine.formlabels import label_choices
from webapp.engine.formoptions import data_variable
from webapp.extensions import db
from webapp.i18n.bundletext import bundle_translator
from webapp.i18n.locale import chosen_language
from webapp.models import Case, Contribution
from webapp.services import bundles
from webapp.services.tasks import option_values
from webapp.taskforms.dataoptions import item_label


def labelled(data, schema: dict | None, ui_schema: dict | None = None,
             chosen: dict | None = None):
    """``data`` with each choice code replaced by its label in the form (organisation codes by
    the organisation's name in the reader's language; choices the task offered from its own
    data by the items kept with the answers, ``chosen``: Contribution.chosen); codes the form
    has no label for are kept."""

    def options(source: str) -> dict[str, str]:
        if data_variable(source) is None:
            return dict(request_option_values().get(source, ()))
        items = (chosen or {}).get(source) or {}
        names = (dict(request_option_values().get("partner_organisations", ()))
                 if any(item.get("organisation") for item in items.values()) else {})
        return {value: item_label({"value": value, **item}, names)
                for value, item in items.items()}

    return label_choices(data, schema, ui_schema, options)


def request_option_values() -> dict[str, list[tuple[str, str]]]:
    """services.tasks.option_values in the reader's language, read once per request (a page
    shows many contributions) and only if a field asks."""
    if "_mawflow_option_values" not in g:
        g._mawflow_option_values = option_values(chosen_language())
    return g._mawflow_option_values


def forms_of(contribution: Contribution) -> tuple[dict | None, dict | None]:
    """(JSON Schema, UI schema) the contribution was entered with, from its case's process
    version (the version the case runs on, so later changes to the form do not matter), in
    the reader's language: the titles and choice labels it shows are translated."""
    if not contribution.form:
        return None, None
    case = db.session.get(Case, contribution.case_id)
    bundle = bundles.bundle_for(case.process_version)
    shown = bundle_translator(case.process_version)
    ui_name = bundle.task_properties(contribution.spec_name).get("formUiSchemaFilename")
    return (shown.form(contribution.form, bundle.form(contribution.form)),
            shown.form(ui_name, bundle.form(ui_name)) if ui_name else None)
