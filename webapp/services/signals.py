"""Signals from partner organisations.

A front-line worker of any partner organisation reports a concern. The report is the case
process's first step (the signal form, whatever the process owner put there), filled in by the
partner instead of the coordinator. The case then waits at the coordinator's intake decision:
only the coordinator decides whether the signal becomes a case (out of scope closes it with a
reason). The signalling organisation is involved for its own report and sees nothing else
unless it is asked or shared with later.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext

from webapp import engine
from webapp.engine.translation import Texts
from webapp.extensions import db
from webapp.models import Case, Contribution, Organisation, User, utcnow
from webapp.services import cases, involvement, notifications, policy, urgency
from webapp.services.audit import Actor, record
from webapp.services.case_events import Completion
from webapp.services.errors import InvalidInput, NotAllowed, StepFailed
from webapp.services.tasks import check_form_data

NOT_READY = lazy_gettext(
    "The signal form is not available: the case process does not start with one step to fill "
    "in. Please tell the coordinator; the process owner must fix the diagram.")


@dataclass(frozen=True)
class SignalForm:
    """The case process's first step as a partner fills it in."""

    title: str
    instructions: str
    schema: dict | None
    ui_schema: dict | None
    prefill: dict


def signaller_organisation(user: User) -> Organisation:
    """The organisation the user reports for (the first where the role may report).
    Raises NotAllowed for users who may not report signals."""
    org_ids = sorted(policy.org_ids_with(user, "signal.submit"))
    if not org_ids:
        raise NotAllowed(_("Only partner organisations' members report signals here; "
                           "coordinators register a case."))
    return db.session.get(Organisation, org_ids[0])


def signal_form(user: User, *, now: datetime | None = None,
                texts: Texts | None = None) -> SignalForm:
    """The form a partner fills in to report a signal, prefilled with their organisation and
    today's date; with ``texts`` (the bundle in the reader's language) its title, form and
    instructions translated. Raises NotAllowed, NotFound (nothing deployed), StepFailed."""
    organisation = signaller_organisation(user)
    now = now or utcnow()
    version, bundle = cases.current_process()
    first = _first_step(cases.start_process(bundle, "MAW-0000-0000", now))
    schema = bundle.form(first.form) if first.form else None
    ui_schema = bundle.form(first.ui_form) if first.ui_form else None
    title, instructions = first.title, first.instructions
    if texts is not None:
        shown = texts(version)
        schema = shown.form(first.form, schema) if schema is not None else None
        ui_schema = shown.form(first.ui_form, ui_schema) if ui_schema is not None else None
        title = shown.name(first.title)
        instructions = first.instructions_in.get(shown.language, instructions)
    properties = (schema or {}).get("properties") or {}
    prefill = {key: value for key, value in (
        ("signaller_organisation", organisation.name),
        ("signal_date", now.date().isoformat()),
    ) if key in properties}
    return SignalForm(title=title, instructions=instructions, schema=schema,
                      ui_schema=ui_schema, prefill=prefill)


def submit_signal(actor: Actor, data: dict, *, full_name: str = "",
                  date_of_birth: str | None = None, address: str | None = None,
                  now: datetime | None = None) -> Case:
    """Open a case from a partner's signal: start the process, complete its first step with
    the partner's report, and leave it at the coordinator's intake decision. One transaction
    (the caller commits). Raises NotAllowed, NotFound, InvalidInput, StepFailed."""
    user = actor.user
    if user is None or not policy.may_submit_signal(user):
        raise NotAllowed(_("Only partner organisations' members report signals here."))
    organisation = signaller_organisation(user)
    now = now or utcnow()
    version, bundle = cases.current_process()
    code = cases.next_code(now.year)
    started = cases.start_process(bundle, code, now)
    first = _first_step(started)
    check_form_data(bundle, first.form, data)
    try:
        step = engine.complete(bundle, started.state, first.id, data, now=now)
    except engine.DataRejected as error:
        raise InvalidInput(str(error)) from error
    except engine.EngineError as error:
        raise StepFailed(_("The signal could not be registered because the process failed "
                           "after it; nothing was saved. Please tell the coordinator."),
                         0, f"{first.spec_name}: {error}") from error
    case = cases.open_case(version, code, step, coordinator_id=None, created_by=actor,
                           person=(full_name, date_of_birth, address), now=now,
                           signalled_by=organisation.id,
                           done=Completion(first.id, first.spec_name, data, organisation.id))
    db.session.add(Contribution(
        case_id=case.id, task_id=None, spiff_task_id=first.id, spec_name=first.spec_name,
        title=first.title, lane=_reporting_role(user, organisation), form=first.form,
        organisation_id=organisation.id, user_id=user.id, data=data, submitted_at=now,
    ))
    involvement.involve(case.id, organisation.id, "signal", detail="Reported the signal",
                        granted_by=user)
    if step.urgent:
        urgency.mark_urgent_by_process(actor, case, step.urgent, now=now)
    record(actor, "signal_submitted", case_id=case.id, organisation=organisation.name,
           process_version=version.id)
    notifications.signal_received(case.id, actor_id=user.id, now=now)
    return case


def _first_step(step: engine.Step):
    if len(step.ready) != 1 or step.finished:
        raise StepFailed(str(NOT_READY), 0, f"{len(step.ready)} ready tasks after the start")
    return step.ready[0]


def _reporting_role(user: User, organisation: Organisation) -> str:
    roles = sorted(m.role for m in user.memberships
                   if m.organisation_id == organisation.id
                   and "signal.submit" in policy.PERMISSIONS.get(m.role, frozenset()))
    return roles[0] if roles else "partner"
