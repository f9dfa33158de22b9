"""Form files of a bundle: the two naming conventions, and the check that every form a task
uses can be shown.

mawflow names forms ``<name>.schema.json`` / ``<name>.uischema.json``; spiff-arena names them
``<name>-schema.json`` / ``<name>-uischema.json``. Both work everywhere: a UI schema pairs with
the schema of the same name and convention, and both are checked.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from .errors import Problem
from .formschema import schema_problems

#: (schema suffix, UI schema suffix) of each naming convention.
CONVENTIONS = ((".schema.json", ".uischema.json"), ("-schema.json", "-uischema.json"))


def form_role(name: str) -> str | None:
    """"ui" for a UI schema file name, "schema" for a JSON Schema one, None for neither."""
    if any(name.endswith(ui) for _, ui in CONVENTIONS):
        return "ui"
    if any(name.endswith(schema) for schema, _ in CONVENTIONS):
        return "schema"
    return None


def ui_partner(schema_name: str) -> str | None:
    """The UI schema file that goes with a schema file by name (``x-schema.json`` ->
    ``x-uischema.json``), or None for a name that follows neither convention."""
    if form_role(schema_name) != "schema":
        return None
    for schema, ui in CONVENTIONS:
        if schema_name.endswith(schema):
            return schema_name[: -len(schema)] + ui
    return None


def schema_partner(ui_name: str) -> str | None:
    """The schema file a UI schema file goes with by name, or None."""
    for schema, ui in CONVENTIONS:
        if ui_name.endswith(ui):
            return ui_name[: -len(ui)] + schema
    return None


def new_form_name(name: str) -> str:
    """The schema file name for a new form typed as ``check-signal``, ``check-signal.json``,
    ``check-signal.schema.json`` or spiff-arena's ``check-signal-schema.json``."""
    base = name.strip().removesuffix(".json")
    return f"{base}.json" if form_role(f"{base}.json") == "schema" else f"{base}.schema.json"


def _load(files: dict[str, str], name: str):
    try:
        return json.loads(files.get(f"forms/{name}", ""))
    except ValueError:
        return None


def check_forms(files: dict[str, str], used: Iterable[tuple[str, str | None]]) -> list[Problem]:
    """Every problem that keeps a form from being shown and filled in, named by file and field.

    ``used`` lists the (schema, UI schema) file names tasks refer to (in forms/). Every file
    named as a schema by either convention is checked too, with the UI schema of the same
    name. Files that are not valid JSON are reported elsewhere."""
    pairs: dict[tuple[str, str | None], None] = {}
    for path in sorted(files):
        name = path.removeprefix("forms/")
        if path.startswith("forms/") and form_role(name) == "schema":
            partner = ui_partner(name)
            pairs[(name, partner if f"forms/{partner}" in files else None)] = None
    for schema_name, ui_name in used:
        pairs[(schema_name, ui_name)] = None
    problems: dict[Problem, None] = {}
    for schema_name, ui_name in pairs:
        schema = _load(files, schema_name)
        if schema is None:
            continue
        ui = _load(files, ui_name) if ui_name else None
        # A file named as a schema was checked against the meta-schema with the others.
        for phrase in schema_problems(schema, ui, meta=form_role(schema_name) != "schema"):
            file = f"forms/{ui_name}" if phrase.text.startswith("The UI schema") else \
                f"forms/{schema_name}"
            if ui_name and "(ui:widget)" in phrase.text:
                file = f"forms/{ui_name}"
            problems[Problem.of(file, None, phrase.text, **phrase.values)] = None
    return list(problems)


def unpaired_ui(files: dict[str, str], schema_name: str, ui_name: str | None) -> str | None:
    """The UI schema of the same name as a task's form when the task names no UI schema
    (it is then not used), or None."""
    partner = ui_partner(schema_name)
    if ui_name or partner is None or f"forms/{partner}" not in files:
        return None
    return partner
