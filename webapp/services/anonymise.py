"""Removing person details and free text from a case, leaving anonymous statistics.

Used when the retention period runs out (services.retention) and on erasure by a coordinator
(services.rectification). What stays: the case code (a pseudonym), dates, status, outcome
code, which steps ran, who (which organisation) contributed, and the answers that are choices
from a fixed list (enums, booleans, numbers): enough to count and evaluate the network's work,
nothing to recognise a person by. Attachments are deleted; which identifiers went to which
organisation stays (codes), the purpose written for it goes.
"""

import json
from datetime import datetime

from sqlalchemy import delete, select, update

from webapp.extensions import db
from webapp.models import Case, CaseSubject, Contribution, Disclosure, PartnerQuestion, SharedItem
from webapp.services import attachments, bundles

# Workflow data keys that are codes, not free text, and are kept for statistics.
KEEP_KEYS = frozenset({"case_code", "outcome", "intake_decision", "triage_recommendation"})


def _is_choice(schema: dict | None) -> bool:
    if not isinstance(schema, dict):
        return False
    if "enum" in schema or "const" in schema or "x-options" in schema:
        return True
    options = schema.get("oneOf") or schema.get("anyOf")
    if isinstance(options, list) and options and all(
            isinstance(o, dict) and "const" in o for o in options):
        return True
    items = schema.get("items")
    return isinstance(items, dict) and items is not schema and _is_choice(items)


def scrub(value, schema: dict | None = None, key: str | None = None):
    """A copy of `value` with every free-text string removed (booleans, numbers and choices
    from a fixed list stay). Without a schema only KEEP_KEYS keep their strings."""
    if isinstance(value, dict):
        props = (schema or {}).get("properties", {}) if isinstance(schema, dict) else {}
        out = {}
        for k, v in value.items():
            cleaned = scrub(v, props.get(k), k)
            if cleaned is not _DROP:
                out[k] = cleaned
        return out
    if isinstance(value, list):
        item_schema = schema.get("items") if isinstance(schema, dict) else None
        if _is_choice(schema):
            return value
        items = [scrub(v, item_schema, key) for v in value]
        return [v for v in items if v is not _DROP]
    if isinstance(value, str):
        return value if (_is_choice(schema) or key in KEEP_KEYS) else _DROP
    return value


_DROP = object()


# Where a serialized workflow keeps task data: "data", and "updates" of a stored delta.
DATA_KEYS = frozenset({"data", "updates"})


def scrub_state(state: str) -> str:
    """The serialized workflow with every task's and the workflow's data scrubbed; it still
    loads (only values under DATA_KEYS change)."""
    if not state:
        return state
    tree = json.loads(state)

    def walk(node):
        if isinstance(node, dict):
            for k, v in list(node.items()):
                if k in DATA_KEYS and isinstance(v, dict):
                    node[k] = scrub(v)
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(tree)
    return json.dumps(tree)


def remove_person_details(case: Case) -> bool:
    """Delete the CaseSubject row. Returns True if there was one."""
    return bool(db.session.execute(
        delete(CaseSubject).where(CaseSubject.case_id == case.id)
    ).rowcount)


def anonymise(case: Case, now: datetime) -> dict:
    """Delete person details and free text of a case (see module doc). Returns counts for the
    audit record. The caller records the audit event and commits."""
    bundle = bundles.bundle_for(case.process_version)
    counts = {"person_details": remove_person_details(case), "contributions": 0}
    for contribution in db.session.scalars(
        select(Contribution).where(Contribution.case_id == case.id)
    ):
        schema = bundle.form(contribution.form) if contribution.form else None
        contribution.data = scrub(contribution.data or {}, schema)
        counts["contributions"] += 1
    counts["shared_notes"] = db.session.execute(
        update(SharedItem).where(SharedItem.case_id == case.id, SharedItem.note.is_not(None))
        .values(note=None).execution_options(synchronize_session=False)
    ).rowcount
    counts.update(_other_free_text(case))
    counts["attachments"] = attachments.delete_for_case(case)
    counts["disclosure_purposes"] = db.session.execute(
        update(Disclosure).where(Disclosure.case_id == case.id).values(purpose="")
        .execution_options(synchronize_session=False)).rowcount
    db.session.execute(
        update(PartnerQuestion).where(PartnerQuestion.case_id == case.id)
        .values(question="", context=None).execution_options(synchronize_session=False))
    case.state = scrub_state(case.state)
    case.closure_reason = None
    case.last_error = None
    case.urgent_reason = None
    case.anonymised_at = now
    return counts


def _other_free_text(case: Case) -> dict:
    """Comments and drafts, where those tables exist."""
    from webapp import models

    counts = {}
    comment = getattr(models, "CaseComment", None)
    if comment is not None:
        counts["comments"] = db.session.execute(
            update(comment).where(comment.case_id == case.id).values(body="")
            .execution_options(synchronize_session=False)
        ).rowcount
    draft, task = getattr(models, "TaskDraft", None), models.Task
    if draft is not None:
        db.session.execute(
            delete(draft).where(draft.task_id.in_(select(task.id).where(task.case_id == case.id)))
            .execution_options(synchronize_session=False)
        )
    return counts
