"""What the simulated people do, in what proportions, and the answers they send.

Coordinators browse their inbox (with filters) and open case pages, register cases, and work
through the coordinator steps: register the signal, decide the intake, request information,
hold the consultation, agree the action plan, review a closure (asking the decision table's
advice while ticking criteria) and approve one (four eyes: not their own). Partners browse
and answer information requests and report on actions. Working on a task is: find it in the
inbox filtered by step, open it, sometimes let the page autosave a draft, and most often
complete it. The answers are the committed form examples (forms/examples), varied where a
field sends the case elsewhere (which partners are asked, who owns an action...).

This module imports nothing of the app at module level: client processes read its constants.
"""

# activity -> weight, per role
ACTIVITIES = {
    "coordinator": {"browse": 35, "work": 55, "register": 10},
    "partner": {"browse": 30, "work": 70},
}
# step (BPMN user task id) -> weight, when working
STEPS = {
    "coordinator": {"register_signal": 2, "confirm_intake_decision": 2,
                    "request_information": 2, "case_consultation": 2, "agree_action_plan": 2,
                    "closure_review": 4, "approve_closure": 1},
    "partner": {"answer_information_request": 1, "carry_out_action": 1},
}
ADVICE_STEPS = {"closure_review"}  # the task page asks the decision table live
INBOX_VIEWS = ("/", "/?due=overdue", "/?due=soon", "/?sort=waiting", "/?sort=case&page=7",
               "/?code=12", "/?tab=mine", "/?page=2", "/?sort=step", "/?due=none")
#: The floor phase's page: the smallest a signed-in person gets (the session, the user with
#: memberships, the frame with menu and language switcher, a small form). What a page of the
#: mixed load costs beyond it is that page's own work.
FLOOR_PAGE = "/settings"
AUTOSAVE_SHARE = 0.6  # of the tasks opened, how many autosave a draft
COMPLETE_SHARE = 0.85  # ... and how many are completed (the others are left for later)


def form_variants(bundle, partners) -> dict[str, list[dict]]:
    """step -> the form data (as a browser posts it) of a few answers to its form."""
    from tests.webapp.helpers import example, requests_for
    from tests.webapp.test_scenarios import formdata

    pairs = [[partners[i], partners[(i + 1) % len(partners)]] for i in range(len(partners))]
    plan = example("action-plan")
    answers = {
        "confirm_intake_decision": [example("intake-decision", intake_decision="multi_agency")]
        * 4 + [example("intake-decision", intake_decision="out_of_scope",
                       intake_reasoning="Only opinions were reported.")],
        "request_information": [example("request-information", partners=requests_for(*pair))
                                for pair in pairs],
        "case_consultation": [example("case-consultation", next_step=step)
                              for step in ("action_plan", "closure_review")],
        "agree_action_plan": [{**plan, "actions": [{**row, "organisation": org} for row, org
                                                   in zip(plan["actions"], pair, strict=True)]}
                              for pair in pairs],
    }
    variants = {}
    for role_steps in STEPS.values():
        for step in role_steps:
            form = bundle.task_properties(step).get("formJsonSchemaFilename", "")
            name = form.removesuffix(".schema.json")
            variants[step] = [formdata(data) for data in answers.get(step, [example(name)])]
    return variants
