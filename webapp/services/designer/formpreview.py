"""Checking a form being edited: is it usable as a task form, does sample data fit it."""

from __future__ import annotations

import json

from webapp.engine.formschema import check_schema, validate_data


def parse(schema_text: str | None, ui_text: str | None) -> tuple[dict, dict, list[str]]:
    """(schema, ui schema, problems in words); the form can be shown when problems is []."""
    problems = []
    try:
        schema = json.loads(schema_text or "{}")
    except ValueError as err:
        return {}, {}, [f"The form is not valid JSON: {err}"]
    try:
        ui = json.loads(ui_text) if (ui_text or "").strip() else {}
    except ValueError as err:
        return schema, {}, [f"The UI schema is not valid JSON: {err}"]
    if not isinstance(ui, dict):
        problems.append("The UI schema must be a JSON object.")
    problems += check_schema(schema, ui if isinstance(ui, dict) else None)
    return schema, ui if isinstance(ui, dict) else {}, problems


def check_sample(schema: dict, sample_text: str) -> list[str]:
    """What is wrong with the sample data, field by field ([] when it fits)."""
    try:
        data = json.loads(sample_text)
    except ValueError as err:
        return [f"The sample is not valid JSON: {err}"]
    return [
        f"{'/'.join(str(p) for p in e.path) or 'the form'}: {e.message}"
        for e in validate_data(schema, data)
    ]
