"""What mawflow mails about: one entry per kind, with its texts, its link and the defaults.

The texts are the whole of what a message says besides the step's title, the case code, the
due date and the links (templates/mail/): reviewed here like code. None of them may take case
content: no person, no free text, no answers, no organisation that asked.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from webapp.engine import taskinfo

NOW, DIGEST, NEVER = "now", "digest", "never"
MODES = (NOW, DIGEST, NEVER)
MODE_LABELS = {NOW: _l("At once"), DIGEST: _l("In my daily digest"), NEVER: _l("Never")}

PARTNER_ROLES = ("partner", "partner_rep")


@dataclass(frozen=True)
class Kind:
    name: str
    label: object  # what the settings page calls it
    subject: object  # "%(code)s" is the case code
    sentence: object  # the first line of the message
    heading: object  # its section in a digest
    link: str  # "task" (the task page), "case" (the case page) or "inbox"
    defaults: dict  # role -> mode; roles not listed never get this kind

    def default_for(self, roles) -> str:
        """The most eager default among the user's roles (a coordinator who is also a partner
        gets what either would)."""
        modes = {self.defaults.get(role, NEVER) for role in roles}
        return next((mode for mode in MODES if mode in modes), NEVER)


def _for(coordinator: str | None = None, partner: str | None = None) -> dict:
    defaults = {}
    if coordinator:
        defaults["coordinator"] = coordinator
    if partner:
        defaults.update(dict.fromkeys(PARTNER_ROLES, partner))
    return defaults


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("task_new", _l("A new task for me, my organisation or my role"),
         _l("New task for case %(code)s"), _l("A new task waits for you in mawflow."),
         _l("New tasks"), "task", _for(coordinator=DIGEST, partner=NOW)),
    Kind("task_reassigned", _l("A task handed to me by a coordinator"),
         _l("A task was handed to you (case %(code)s)"),
         _l("A coordinator handed this task to you."),
         _l("Tasks handed to you"), "task", _for(coordinator=NOW, partner=NOW)),
    Kind("task_reminder", _l("A reminder about a task still waiting"),
         _l("Reminder: a task is waiting (case %(code)s)"),
         _l("A reminder: this task is still waiting for an answer."),
         _l("Reminders"), "task", _for(coordinator=NOW, partner=NOW)),
    Kind("task_escalation", _l("An answer still missing after a reminder (escalation)"),
         _l("Follow-up needed for case %(code)s"),
         _l("An answer is still missing after a reminder: a follow-up task waits for you."),
         _l("Follow-ups needed"), "task", _for(coordinator=NOW, partner=NOW)),
    Kind("task_due_soon", _l("A task due within a day"),
         _l("Due tomorrow: a task for case %(code)s"),
         _l("This task is due within a day."),
         _l("Due within a day"), "task", _for(coordinator=DIGEST, partner=NOW)),
    Kind("task_overdue", _l("A task past its due date"),
         _l("Overdue: a task for case %(code)s"),
         _l("This task is past its due date. A late answer is still welcome."),
         _l("Overdue"), "task", _for(coordinator=DIGEST, partner=NOW)),
    Kind("task_released", _l("A claimed task given back to the shared inbox"),
         _l("A task is back in the shared inbox (case %(code)s)"),
         _l("A colleague gave this task back to the shared inbox: anyone of you can take it."),
         _l("Back in the shared inbox"), "task", _for(coordinator=DIGEST, partner=DIGEST)),
    Kind("signal_new", _l("A new signal from the network"),
         _l("New signal from the network (case %(code)s)"),
         _l("A partner reported a new signal: the intake decision waits for you."),
         _l("New signals"), "task", _for(coordinator=NOW)),
    Kind("case_urgent", _l("A case marked urgent"),
         _l("URGENT: case %(code)s"),
         _l("A case was marked urgent. Open it in mawflow now."),
         _l("Urgent cases"), "case", _for(coordinator=NOW)),
    Kind("answer_arrived", _l("A partner's answer on a case I am responsible for"),
         _l("A partner answered (case %(code)s)"),
         _l("A partner organisation sent its answer on a case you are responsible for."),
         _l("Answers from partners"), "case", _for(coordinator=DIGEST)),
    Kind("task_withdrawn", _l("A task of mine or my organisation withdrawn before it was done"),
         _l("A task was withdrawn (case %(code)s)"),
         _l("A task for you or your organisation was withdrawn before it was done (for "
            "example an agreed action the table closed at a review): it no longer needs "
            "doing."),
         _l("Withdrawn tasks"), "inbox", _for(partner=NOW)),
)}

#: The kind of the message that lists a user's digest items.
DIGEST_KIND = "digest"
#: The process marks the tasks a timer creates to remind or to escalate with the user task
#: property ``notifyAs`` (engine.taskinfo.NOTIFY_AS, docs/process-conventions.md); any other
#: new task is "task_new".
NOTIFY_AS = {"reminder": "task_reminder", "escalation": "task_escalation"}
assert set(NOTIFY_AS) == set(taskinfo.NOTIFY_AS)


def kinds_for(roles) -> list[Kind]:
    """The kinds a user with these roles can receive at all (shown on the settings page)."""
    return [kind for kind in KINDS.values() if any(role in kind.defaults for role in roles)]
