"""Try it and scenarios: run the draft as a trial, save a trial as a scenario, see how the
saved scenarios run on the draft."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp.engine.translation import Translator, translator
from webapp.extensions import db
from webapp.i18n.locale import chosen_language, locale_name
from webapp.models import ROLE_LABELS
from webapp.services.designer import scenario_runs, scenarios, trial
from webapp.services.errors import InvalidInput, NotFound, StepFailed
from webapp.taskforms import build_task_form
from webapp.taskforms.dataoptions import WithTaskData
from webapp.web import current_actor

from .common import bp, option_sources, owner_only

_ACTIONS = {"start": trial.start, "timers": trial.fire_timers}


def _shown(t: trial.Trial) -> Translator:
    """The draft's texts in the reader's language, as a case's task page shows its version's:
    trying the draft in Dutch shows its Dutch steps and forms."""
    language = chosen_language()
    return translator(t.bundle.files, t.bundle.hash, language,
                      current_app.config["DEFAULT_LANGUAGE"],
                      locale_name(language, current_app.config["TERRITORY"]))


@bp.route("/<process_id>/try", methods=["GET", "POST"])
@owner_only
def try_it(process_id: str):
    actor = current_actor()
    action = _ACTIONS.get(request.form.get("action", "")) if request.method == "POST" else None
    try:
        if action is not None:
            action(actor, process_id)
            db.session.commit()
            return redirect(url_for("designer.try_it", process_id=process_id))
        t = trial.current(actor, process_id)
        saved = scenario_runs.run_all(t.draft)
    except InvalidInput as err:  # the draft has problems
        db.session.commit()
        flash(err.message, "danger")
        return redirect(url_for("designer.draft", process_id=process_id))
    except (StepFailed, NotFound) as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("designer.try_it", process_id=process_id))
    db.session.commit()
    return render_template("designer/try.html", trial=t, process_id=process_id,
                           scenarios=saved, lane_labels=ROLE_LABELS, shown=_shown(t))


@bp.route("/<process_id>/try/<task_id>", methods=["GET", "POST"])
@owner_only
def try_task(process_id: str, task_id: str):
    actor = current_actor()
    try:
        t = trial.current(actor, process_id)
        task = trial.ready_task(t, task_id)
    except (InvalidInput, NotFound) as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("designer.try_it", process_id=process_id))
    shown = _shown(t)
    schema = (shown.form(task.form, t.bundle.form(task.form)) if task.form else None) or {
        "type": "object", "properties": {}}
    ui = shown.form(task.ui_form, t.bundle.form(task.ui_form)) if task.ui_form else None
    posted = request.method == "POST"
    form = build_task_form(schema, ui, formdata=request.form if posted else None,
                           data=task.data,
                           option_sources=WithTaskData(option_sources(), task.data))
    if posted and not form.row_action() and form.validate_task():
        try:
            trial.complete(actor, process_id, task_id, form.to_data())
            db.session.commit()
            flash(_("\u201c%(task)s\u201d is done in the trial.", task=task.title), "success")
            return redirect(url_for("designer.try_it", process_id=process_id))
        except (NotFound, StepFailed) as err:
            db.session.rollback()
            flash(err.message, "danger")
    return render_template("designer/try_task.html", task=task, form=form,
                           process_id=process_id, goes_to=t.owners.get(task.id, ""),
                           shown=shown, title=shown.name(task.title),
                           instructions=task.instructions_in.get(shown.language,
                                                                 task.instructions))


@bp.route("/<process_id>/scenarios", methods=["POST"])
@owner_only
def save_scenario(process_id: str):
    """Save the trial as a named scenario."""
    try:
        saved = scenarios.save(current_actor(), process_id, request.form.get("name", ""))
        name = saved.name
        db.session.commit()
    except (InvalidInput, NotFound) as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("designer.try_it", process_id=process_id))
    flash(_("The trial is saved as the scenario \u201c%(name)s\u201d. Every change to the draft "
            "runs it again and shows where it no longer runs as saved.", name=name), "success")
    return redirect(url_for("designer.try_it", process_id=process_id))


@bp.route("/<process_id>/scenarios/<int:scenario_id>/delete", methods=["POST"])
@owner_only
def delete_scenario(process_id: str, scenario_id: int):
    scenarios.delete(current_actor(), process_id, scenario_id)
    db.session.commit()
    flash(_("The scenario is deleted."), "info")
    return redirect(request.form.get("next") == "draft"
                    and url_for("designer.draft", process_id=process_id)
                    or url_for("designer.try_it", process_id=process_id))
