"""Live advice on the task page: the decision table a user task names (``adviceDecisionId``)
evaluated on the task's data and the answers typed so far, before anything is submitted."""

from dataclasses import replace

from flask_babel import gettext as _

from webapp import engine
from webapp.engine.advice import Advice, advice_decision
from webapp.engine.formlabels import choice_labels
from webapp.engine.translation import Texts, Translator
from webapp.models import Task
from webapp.services import bundles
from webapp.services.errors import NotFound


def advice_for(task: Task, entered: dict, texts: Texts | None = None) -> Advice | None:
    """What the task's decision table advises for its data with ``entered`` (the form's
    current answers) merged in; None when the task asks no advice. With ``texts`` (the
    bundle in the reader's language) its names, labels and values are translated.

    The caller has checked that the user may work on the task (``tasks.get_task_for``). Only
    this task's own data is read from the case, nothing is saved and nothing is audited: the
    task page showing the form has logged the read, as for the live pictures. Raises NotFound
    when the task is no longer open."""
    version = task.case.process_version
    bundle = bundles.bundle_for(version)
    decision = advice_decision(bundle, task.spec_name)
    if decision is None:
        return None
    try:
        advice = engine.advise(bundle, task.case.state, task.spiff_task_id, entered)
    except engine.TaskNotReady as error:
        raise NotFound(_("This task is no longer open.")) from error
    except engine.EngineError as error:  # its cells overran their time or memory
        return Advice(decision, decision, problem=str(error))
    if advice is not None and advice.outputs:
        advice = replace(advice, outputs=[(label, _yes_no(value))
                                          for label, value in advice.outputs])
    shown = texts(version) if texts is not None else None
    if advice is not None and advice.outputs and task.form:
        ui_name = bundle.task_properties(task.spec_name).get("formUiSchemaFilename")
        schema, ui = bundle.form(task.form), bundle.form(ui_name) if ui_name else None
        if shown is not None:
            schema = shown.form(task.form, schema)
            ui = shown.form(ui_name, ui) if ui is not None else None
        words = form_words(schema, ui)
        advice = replace(advice, outputs=[(label, words.get(value, value))
                                          for label, value in advice.outputs])
    return _translated(advice, shown) if advice is not None and shown is not None else advice


def _yes_no(value: str | bool) -> str:
    """A yes/no the table gave, in the reader's language (other values are text already)."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value


def _translated(advice: Advice, shown: Translator) -> Advice:
    """The advice in the reader's language: the table's name, output labels, the values it
    gave (those the form did not label already) and the rule's description."""
    say = shown.decision_text
    return replace(advice, decision_name=say(advice.decision_name),
                   outputs=[(say(label), say(value)) for label, value in advice.outputs],
                   rule_description=say(advice.rule_description))


def form_words(schema: dict | None, ui: dict | None) -> dict[str, str]:
    """The label the form shows for each choice code of its fields, for codes that mean one
    thing in the form: the table advises "close", the person reads "Close the case" as in
    the form's own choice. A code two fields label differently keeps its code."""
    labels: dict[str, set[str]] = {}
    ui = ui or {}
    for name, prop in ((schema or {}).get("properties") or {}).items():
        field_ui = ui.get(name) if isinstance(ui.get(name), dict) else {}
        for code, label in choice_labels(prop, field_ui):
            if isinstance(code, str):
                labels.setdefault(code, set()).add(label)
    return {code: next(iter(found)) for code, found in labels.items() if len(found) == 1}
