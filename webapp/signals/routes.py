"""Report a signal: a partner's front-line worker tells the coordinator about a concern."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp.auth.permissions import permission_required
from webapp.cases.routes import RegisterCaseForm
from webapp.extensions import db
from webapp.i18n.bundletext import bundle_translator
from webapp.services import signals
from webapp.services.audit import record
from webapp.services.errors import InvalidInput, StepFailed
from webapp.taskforms import build_task_form
from webapp.tasks.routes import option_sources
from webapp.web import current_actor

bp = Blueprint("signals", __name__, url_prefix="/signals")


@bp.route("/new", methods=["GET", "POST"])
@permission_required("signal.submit")
def new():
    actor = current_actor()
    spec = signals.signal_form(actor.user, texts=bundle_translator)
    posted = request.method == "POST"
    person = RegisterCaseForm(prefix="person", meta={"csrf": False},
                              formdata=request.form if posted else None)
    form = build_task_form(spec.schema or {"type": "object", "properties": {}}, spec.ui_schema,
                           formdata=request.form if posted else None, data=spec.prefill,
                           option_sources=option_sources())
    page = {"spec": spec, "form": form, "person": person,
            "organisation": signals.signaller_organisation(actor.user)}
    if posted and form.row_action():
        return render_template("signals/new.html", **page)
    if posted and (form.validate_task() & person.validate()):
        dob = person.date_of_birth.data.isoformat() if person.date_of_birth.data else None
        try:
            case = signals.submit_signal(actor, form.to_data(), full_name=person.full_name.data,
                                         date_of_birth=dob, address=person.address.data)
            db.session.commit()
        except InvalidInput as error:
            db.session.rollback()
            form.form_errors.extend(e.message for e in error.errors)
            flash(error.message, "danger")
            return render_template("signals/new.html", **page), 422
        except StepFailed as error:
            db.session.rollback()
            record(actor, "step_failed", step="signal", error=error.detail[:4000])
            db.session.commit()
            flash(error.message, "danger")
            return render_template("signals/new.html", **page), 500
        flash(_("Thank you. Your signal is registered as %(code)s. The coordinator decides "
                "whether it becomes a case and may ask your organisation for more information.",
                code=case.code), "success")
        return redirect(url_for("sharing.case", code=case.code))
    if posted:
        flash(_("Nothing was sent yet: please correct the marked fields and send the signal "
                "again. What you entered is kept."), "danger")
        return render_template("signals/new.html", **page), 422
    return render_template("signals/new.html", **page)
