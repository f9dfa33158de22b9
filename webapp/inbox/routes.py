"""The inbox: the tasks for me, my organisation and my role; claim, release, reassign."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from webapp.extensions import db
from webapp.i18n.bundletext import step_title
from webapp.models import utcnow
from webapp.models.cases import URGENT
from webapp.services import claims, role_grants
from webapp.services import inbox as inbox_service
from webapp.services import tasks as task_service
from webapp.services.errors import Conflict, InvalidInput
from webapp.services.policy import can
from webapp.web import current_actor, page_number, safe_next, url_for_ids

bp = Blueprint("inbox", __name__)


@bp.route("/")
@login_required
def index():
    flt = inbox_service.InboxFilter.from_args(request.args)
    now = utcnow()
    reassigner = can(current_user, "task.reassign")
    inbox = inbox_service.load_inbox(
        current_user, flt, page=page_number(),
        per_page=int(current_app.config["INBOX_PAGE_SIZE"]), now=now,
        with_candidates=reassigner,
    )
    urls = {name: url_for_ids(endpoint) for name, endpoint in (
        ("task", "tasks.show"), ("claim", "inbox.claim"), ("release", "inbox.release"),
        ("reassign", "inbox.reassign"))}
    return render_template("inbox/index.html", inbox=inbox, flt=flt, now=now,
                           roles_to_confirm=role_grants.pending_count(current_user),
                           tabs=_words(inbox_service.shown_tabs(current_user, inbox.counts)),
                           due_filters=_words(inbox_service.DUE_FILTERS),
                           sorts=_words(inbox_service.SORTS), due_state=inbox_service.due_state,
                           reassigner=reassigner, urls=urls, URGENT=URGENT, say=_row_words(),
                           hand_over=_options(inbox.candidates))


def _options(candidates: dict[int, list[tuple[int, str]]]) -> dict[int, Markup]:
    """Each task's hand-over choices as the options of its list, made once per distinct list
    of people (most rows of a page offer the same colleagues; fifty rows of a dozen options
    each were a third of the page's rendering)."""
    made: dict[tuple, Markup] = {}
    options = {}
    for task_id, people in candidates.items():
        key = tuple(people)
        if key not in made:
            made[key] = Markup("").join(Markup('<option value="{}">{}</option>').format(uid, name)
                                        for uid, name in people)
        options[task_id] = made[key]
    return options


def _words(labels: dict) -> dict[str, str]:
    """Labels kept as lazy strings, as text: a page escapes text, not a lazy string's."""
    return {key: str(label) for key, label in labels.items()}


def _row_words() -> dict:
    """Words of the inbox rows, translated once per page (a lookup costs more than the rest
    of a row); placeholders are filled in the page with ``|format``."""
    return {
        "urgent": _("Urgent"), "urgent_first": _("Tasks of urgent cases come first"),
        "reminder": _("Reminder sent %(date)s"),
        "four_eyes": _("Four eyes: you did the step this one checks, so someone else "
                       "completes it."),
        "who_may": _("Who may: %(names)s."),
        "nobody_else": _("Nobody else may yet: ask an administrator to add a colleague."),
        "second_person": _("For a second person"),
        "overdue": _("Overdue"), "due_soon": _("Due soon"), "no_deadline": _("No deadline"),
        "you": _("You"), "someone": _("someone"), "nobody_yet": _("Nobody yet"),
        "claim": _("Claim"), "release": _("Release"), "reassign": _("Reassign"),
        "hand_over": _("Hand over to…"),
        # the rest of a button's name for screen readers: "Claim" "Register signal of 0042"
        "of_case": _("%(title)s of %(code)s"),
        "reassign_to": _("Reassign %(title)s of %(code)s to"),
    }


def _back():
    return redirect(safe_next(request.form.get("next")) or url_for("inbox.index"))


def _act(change, done_message, category: str = "warning", errors=(Conflict,)):
    """Run one inbox action on a task and go back: ``change()`` returns the task it changed,
    ``done_message(task)`` the words for it (read before the commit); someone else's earlier
    action (a Conflict) or a wrong input is said, not raised."""
    try:
        task = change()
        message = done_message(task)
        db.session.commit()
    except errors as error:
        db.session.rollback()
        flash(error.message, category)
        return _back()
    flash(message, "success")
    return _back()


@bp.route("/tasks/<int:task_id>/claim", methods=["POST"])
@login_required
def claim(task_id: int):
    return _act(lambda: claims.claim_task(current_actor(), task_id), lambda task: _(
        "You claimed “%(title)s” for case %(code)s. Colleagues see that you are on it.",
        title=step_title(task.title), code=task.case_code))


@bp.route("/tasks/<int:task_id>/release", methods=["POST"])
@login_required
def release(task_id: int):
    return _act(lambda: claims.release_task(current_actor(), task_id), lambda task: _(
        "“%(title)s” for case %(code)s is back in the shared inbox.",
        title=step_title(task.title), code=task.case_code))


@bp.route("/tasks/<int:task_id>/reassign", methods=["POST"])
@login_required
def reassign(task_id: int):
    raw = request.form.get("user_id", "")
    user_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else 0
    if not user_id:
        flash(_("Choose the person to hand the task over to, then press Reassign."), "warning")
        return _back()
    return _act(lambda: claims.reassign_task(current_actor(), task_id, user_id),
                lambda task: _("“%(title)s” for case %(code)s is now with %(name)s.",
                               title=step_title(task.title), code=task.case_code,
                               name=task_service.claimer_name(task)),
                category="danger", errors=(InvalidInput, Conflict))
