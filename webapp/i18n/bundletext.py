"""Template helpers that show the process bundle's texts (step names, lanes, process names),
organisation names and role names in the reader's language."""

from __future__ import annotations

from flask import Flask, current_app, g
from flask_babel import lazy_gettext as _l

from webapp.engine.translation import Translator
from webapp.i18n.locale import chosen_language, locale_name
from webapp.services import bundletexts

#: A role as a group of people ("for: Coordinators"), next to models.ROLE_LABELS.
ROLE_GROUPS = {
    "coordinator": _l("Coordinators"),
    "partner": _l("Partners"),
    "partner_rep": _l("Partner representatives at the table"),
    "process_owner": _l("Process owners"),
    "admin": _l("Administrators"),
    "auditor": _l("Auditors"),
}


def default_source() -> str:
    """The language a bundle without catalogs is taken to be written in."""
    return current_app.config["DEFAULT_LANGUAGE"]


def bundle_translator(version) -> Translator:
    """The bundle of a process version in the reader's language (once per request)."""
    made = g.setdefault("_mawflow_translators", {})
    if version.id not in made:
        language = chosen_language()
        made[version.id] = bundletexts.translator_for(
            version, language, default_source(),
            locale_name(language, current_app.config["TERRITORY"]))
    return made[version.id]


def _step_names() -> dict[str, str]:
    names = g.get("_mawflow_step_names")
    if names is None:
        names = g._mawflow_step_names = bundletexts.step_names(chosen_language(),
                                                               default_source())
    return names


def step_title(text: str | None, version=None) -> str:
    """A step's name as stored (a task's title) in the reader's language; with the case's
    process ``version`` exactly as that version translates it."""
    if not text:
        return text or ""
    if version is not None:
        return bundle_translator(version).name(text)
    return _step_names().get(text, text)


def steps_title(text: str | None) -> str:
    """A case's current steps (names joined by ", ") in the reader's language."""
    if not text:
        return text or ""
    names = _step_names()
    if text in names:
        return names[text]
    return ", ".join(names.get(part, part) for part in text.split(", "))


def process_label(version) -> str:
    """``Casusoverleg v3``: the process name in the reader's language and the version."""
    return f"{bundle_translator(version).name(version.name)} v{version.version}"


def org_name(organisation, names: dict | None = None) -> str:
    """An organisation (or its name with its ``names`` in other languages) in the reader's
    language."""
    if organisation is None:
        return ""
    if isinstance(organisation, str):
        return (names or {}).get(chosen_language()) or organisation
    return organisation.name_in(chosen_language())


def role_group(role: str) -> str:
    """A role as a group of people in the reader's language (once per request and role)."""
    made = g.setdefault("_mawflow_role_groups", {})
    if role not in made:
        made[role] = str(ROLE_GROUPS.get(role, role))
    return made[role]


def register_template_helpers(app: Flask) -> None:
    for helper in (bundle_translator, step_title, steps_title, process_label, org_name,
                   role_group):
        app.add_template_global(helper)
    app.add_template_filter(step_title, "step")
    app.add_template_filter(steps_title, "steps")
