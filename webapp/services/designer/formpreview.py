"""Checking a form being edited: is it usable as a task form, does sample data fit it."""

from __future__ import annotations

import json

from flask_babel import gettext as _

from webapp.engine.formdata import validate_data
from webapp.engine.formschema import schema_problems
from webapp.i18n.phrases import translate
from webapp.taskforms.messages import field_message


def parse(schema_text: str | None, ui_text: str | None) -> tuple[dict, dict, list[str]]:
    """(schema, ui schema, problems in the reader's words); the form can be shown when
    problems is []."""
    problems = []
    try:
        schema = json.loads(schema_text or "{}")
    except ValueError as err:
        return {}, {}, [_("The form is not valid JSON: %(error)s", error=str(err))]
    try:
        ui = json.loads(ui_text) if (ui_text or "").strip() else {}
    except ValueError as err:
        return schema, {}, [_("The UI schema is not valid JSON: %(error)s", error=str(err))]
    if not isinstance(ui, dict):
        problems.append(_("The UI schema must be a JSON object."))
    problems += [translate(p) for p in schema_problems(schema, ui if isinstance(ui, dict)
                                                       else None)]
    return schema, ui if isinstance(ui, dict) else {}, problems


def check_sample(schema: dict, sample_text: str) -> list[str]:
    """What is wrong with the sample data, field by field ([] when it fits), worded as the
    task form words it for the reader."""
    try:
        data = json.loads(sample_text)
    except ValueError as err:
        return [_("The sample is not valid JSON: %(error)s", error=str(err))]
    return [
        _("%(field)s: %(problem)s", field="/".join(str(p) for p in e.path) or _("the form"),
          problem=field_message(e))
        for e in validate_data(schema, data)
    ]
