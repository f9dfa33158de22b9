"""Notification settings (every user), the signed one-click link that stops all mail (no
login), and the administrator's mail page (outbox, failures, who cannot be reached)."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.extensions import csrf, db
from webapp.i18n.locale import chosen_language, in_language
from webapp.models import utcnow
from webapp.services.audit import Actor
from webapp.services.errors import InvalidInput, NotAllowed
from webapp.services.notifications import outbox, sender
from webapp.services.notifications import settings as choices
from webapp.services.notifications.kinds import MODE_LABELS, MODES, kinds_for
from webapp.services.policy import may_manage_accounts, may_see_outbox
from webapp.web import current_actor

bp = Blueprint("notifications", __name__)


@bp.route("/settings/notifications", methods=["GET", "POST"])
@login_required
def settings():
    kinds = kinds_for(current_user.roles)
    if request.method == "POST":
        if request.form.get("action") == "stop":
            choices.stop_all(current_actor(), current_user)
            message = _("You will get no more e-mail from mawflow.")
        elif request.form.get("action") == "resume":
            choices.resume(current_actor())
            message = _("E-mail notifications are on again.")
        else:
            current = choices.choices(current_user)
            modes = {kind.name: request.form.get(f"mode_{kind.name}", current[kind.name])
                     for kind in kinds}
            try:
                choices.update_choices(current_actor(), modes,
                                       request.form.get("digest_hour", -1, type=int))
            except InvalidInput as error:
                db.session.rollback()
                flash(error.message, "danger")
                return redirect(url_for("notifications.settings"))
            message = _("Your choices are saved.")
        db.session.commit()
        flash(message, "success")
        return redirect(url_for("notifications.settings"))
    mine = choices.settings_of(current_user.id)
    return render_template("notifications/settings.html", kinds=kinds,
                           chosen=choices.choices(current_user), modes=MODES,
                           mode_labels=MODE_LABELS,
                           digest_hour=mine.digest_hour if mine else 8,
                           stopped=bool(mine and mine.stopped_at),
                           timezone=choices.zone().key)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authority; mail programs POST it (RFC 8058)
def unsubscribe(token: str):
    """Stops all mail for the user the link was made for, and does nothing else: no login,
    no other change. GET asks (link checkers open links); the button or a mail program's
    one-click POST stops."""
    try:
        user = choices.user_for_token(token)
    except NotAllowed as error:
        return render_template("notifications/unsubscribe.html", invalid=error.message), 400
    language = user.language if user.language in current_app.config["LANGUAGES"] \
        else chosen_language()  # the language their mail was written in, if they chose one
    if request.method == "POST":
        choices.stop_all(Actor(user=None, remote_addr=request.remote_addr), user)
        db.session.commit()
    with in_language(language):
        return render_template("notifications/unsubscribe.html",
                               done=request.method == "POST")


@bp.route("/admin/mail")
@login_required
def outbox_page():
    if not may_see_outbox(current_user):
        abort(403)
    page = outbox.load(current_actor())
    db.session.commit()
    return render_template("notifications/outbox.html", page=page, kind_label=outbox.kind_label,
                           error_text=outbox.error_text,
                           may_set_email=may_manage_accounts(current_user))


@bp.route("/admin/mail/<int:notification_id>/retry", methods=["POST"])
@login_required
def retry(notification_id: int):
    if not may_see_outbox(current_user):
        abort(403)
    if sender.retry_now(notification_id, utcnow()):
        db.session.commit()
        flash(_("The message will be tried again at the next mail pass."), "success")
    else:
        flash(_("This message is no longer waiting to be sent."), "warning")
    return redirect(url_for("notifications.outbox_page"))


@bp.route("/admin/mail/users/<int:user_id>/email", methods=["POST"])
@login_required
def set_email(user_id: int):
    if not may_manage_accounts(current_user):
        abort(403)
    try:
        user = choices.set_email(current_actor(), user_id, request.form.get("email"))
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("notifications.outbox_page"))
    db.session.commit()
    flash(_("Notifications for %(name)s go to %(email)s.", name=user.username,
            email=user.email) if user.email else
          _("%(name)s has no address now and gets no mail.", name=user.username), "success")
    return redirect(url_for("notifications.outbox_page"))
