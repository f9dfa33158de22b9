"""What the evaluation needs to know of the process: which steps and codes mean what.

The default process's element ids and outcome codes (processes/case.bpmn and its forms). A
process owner who renames these steps changes this table too; everything else the reports
show (steps, waiting events, the heatmap) is read from the history as it is.
"""

from flask_babel import lazy_gettext as _l

from .durations import Match, Span

INTAKE_STEP = "confirm_intake_decision"
CONSULTATION_STEP = "case_consultation"
PLAN_STEP = "agree_action_plan"
CLOSURE_REVIEW_STEP = "closure_review"
REVIEW_STEP = "review_case"

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

#: The waiting events of an information request (processes/information-request.bpmn).
REQUEST_STEP = "answer_information_request"
REMINDER_STEP = "answer_after_reminder"
REMINDER_TIMER = "Timer_answer_deadline"
ESCALATION_TIMER = "Timer_escalation"

SPANS = (
    Span("signal_to_intake", _l("From the signal to the intake decision"), None,
         (Match("done", INTAKE_STEP),)),
    Span("intake_to_consultation", _l("From the intake decision to the first consultation"),
         Match("done", INTAKE_STEP), (Match("done", CONSULTATION_STEP),)),
    Span("consultation_to_closure", _l("From the first consultation to closure"),
         Match("done", CONSULTATION_STEP), (Match("outcome", value="closed"),)),
    Span("aftercare", _l("Time in aftercare (closure to end or reopening)"),
         Match("outcome", value="closed"),
         (Match("pass", "end_case"), Match("outcome", value=REOPENED))),
)

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
