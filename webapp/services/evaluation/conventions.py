"""What the evaluation needs to know of the process: which steps and codes mean what.

Which element plays which part (the intake decision, the consultation, the closure review,
an information request's steps and timers...) is the process's own word: the property
``evaluationMilestone`` on the element (engine.milestones), read per process version by
services.evaluation.milestones. What stays here are the outcome codes the default process's
forms and scripts set, the spans between milestones and the labels of the registry.
"""

from flask_babel import lazy_gettext as _l

from webapp.engine.milestones import Milestones

from .durations import Match, Span

#: Intake decisions (intake-decision.schema.json), in the order of the funnel.
INTAKE_OUTCOMES = {
    "out_of_scope": _l("Out of scope"),
    "regular_care": _l("Regular care"),
    "multi_agency": _l("Taken to the table"),
    "urgent": _l("Urgent route"),
}
#: Case outcomes set by the process's scripts (Case.outcome).
CLOSURE_OUTCOMES = {
    "out_of_scope": _l("Closed: out of scope"),
    "regular_care": _l("Closed: handled in regular care"),
    "urgent": _l("Closed: urgent route"),
    "closed": _l("Closed after the table"),
}
REOPENED = "reopened"



def _done(elements) -> tuple[Match, ...]:
    return tuple(Match("done", element) for element in sorted(elements))


def spans(milestones: Milestones) -> tuple[Span, ...]:
    """The times between milestones, with the elements that play them (``milestones``: of a
    case's process version when the history is written)."""
    intake, consultation = milestones.of("intake_decision"), milestones.of("consultation")
    closed = Match("outcome", value="closed")
    return (
        Span("signal_to_intake", _l("From the signal to the intake decision"), None,
             _done(intake)),
        Span("intake_to_consultation", _l("From the intake decision to the first consultation"),
             _done(intake), _done(consultation)),
        Span("consultation_to_closure", _l("From the first consultation to closure"),
             _done(consultation), (closed,)),
        Span("aftercare", _l("Time in aftercare (closure to end or reopening)"), (closed,),
             (*(Match("pass", e) for e in sorted(milestones.of("case_end"))),
              Match("outcome", value=REOPENED))),
    )


#: The spans' keys and labels, in the order the evaluation shows them.
SPANS = spans(Milestones.defaults())

#: Kinds of signalling organisation (the partner registry's "kind").
ORGANISATION_KINDS = {
    "police": _l("Police"),
    "social_services": _l("Social services"),
    "youth_care": _l("Youth care"),
    "school": _l("School / pupil guidance"),
    "welfare": _l("General welfare"),
    "mental_health": _l("Mental health"),
    "justice": _l("Probation / justice house"),
    "integration": _l("Integration services"),
    "youth_work": _l("Youth work"),
    "municipality": _l("Municipality"),
    "other": _l("Other"),
}
COORDINATOR_SOURCE = "registered"

LIFE_DOMAIN_LABELS = {
    "family": _l("Family"),
    "education_work": _l("Education and work"),
    "health": _l("Health and mental health"),
    "housing": _l("Housing"),
    "finances": _l("Finances"),
    "peers_leisure": _l("Peers and leisure"),
    "identity": _l("Identity, ideology and religion"),
    "justice": _l("Justice and police contacts"),
}
MANDATE_LABELS = {
    "decides": _l("Decides for its organisation at the table"),
    "reports_back": _l("Reports back before deciding"),
}
