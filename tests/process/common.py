"""What the default-bundle tests share: where the bundle is and its example form data."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "forms"
ROLES = ["coordinator", "partner", "process_owner", "admin"]
BPMN_NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}


def example(form, **overrides):
    """The committed example data of a form, with some fields changed."""
    data = json.loads((FORMS / "examples" / f"{form}.json").read_text())
    data.update(overrides)
    return data


def requests_for(*codes, identifiers=("name", "date_of_birth")):
    """Rows of the request-information form: one per organisation, each its own question."""
    return [{"organisation": code, "question": f"What does {code} know?",
             "identifiers": list(identifiers), "purpose": f"so that {code} can look it up"}
            for code in codes] if identifiers else [
        {"organisation": code, "question": f"What does {code} know?", "identifiers": []}
        for code in codes]
