"""Each user's choices: per kind at once, in the daily digest or never; the digest's hour;
stop everything (the signed one-click link in every message)."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import NotificationSettings, User, utcnow
from webapp.services.audit import Actor, record
from webapp.services.errors import InvalidInput, NotAllowed
from webapp.services.notifications.kinds import KINDS, MODES, NEVER, kinds_for

_EMAIL = re.compile(
    r"^[^@\s<>\"',;()\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251})\.[A-Za-z]{2,63}$")
_UNSUBSCRIBE_SALT = "mawflow-unsubscribe"  # noqa: S105 - a salt, not a secret


def zone() -> ZoneInfo:
    """The network's time zone: digests go out at the users' chosen hour there."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def settings_of(user_id: int) -> NotificationSettings | None:
    return db.session.get(NotificationSettings, user_id)


def mode_for(user: User, kind: str, settings: NotificationSettings | None) -> str:
    """How this user wants this kind: their choice, or their roles' default. Stopped or
    without an address: never."""
    if not user.active or not user.email or (settings and settings.stopped_at):
        return NEVER
    roles = user.roles
    chosen = (settings.modes or {}).get(kind) if settings else None
    if chosen in MODES and kind in KINDS and any(r in KINDS[kind].defaults for r in roles):
        return chosen
    return KINDS[kind].default_for(roles) if kind in KINDS else NEVER


def choices(user: User) -> dict[str, str]:
    """kind -> mode for every kind the user can receive (what the settings page shows)."""
    settings = settings_of(user.id)
    modes = (settings.modes or {}) if settings else {}
    return {kind.name: modes.get(kind.name) if modes.get(kind.name) in MODES
            else kind.default_for(user.roles) for kind in kinds_for(user.roles)}


def digest_hour(user_id: int) -> int:
    settings = settings_of(user_id)
    return settings.digest_hour if settings else 8


def _row(user: User) -> NotificationSettings:
    settings = settings_of(user.id)
    if settings is None:
        settings = NotificationSettings(user_id=user.id, modes={}, digest_hour=8)
        db.session.add(settings)
    return settings


def update_choices(actor: Actor, modes: dict[str, str], hour: int, *,
                   now: datetime | None = None) -> None:
    """The acting user's choices from the settings page. Raises InvalidInput."""
    user = actor.user
    allowed = {kind.name for kind in kinds_for(user.roles)}
    if set(modes) - allowed or any(mode not in MODES for mode in modes.values()):
        raise InvalidInput(_("Choose at once, daily digest or never for each kind of message."))
    if not 0 <= hour <= 23:
        raise InvalidInput(_("Choose an hour between 0 and 23 for the daily digest."))
    settings = _row(user)
    defaults = {kind.name: kind.default_for(user.roles) for kind in kinds_for(user.roles)}
    settings.modes = {k: v for k, v in modes.items() if v != defaults[k]}
    settings.digest_hour = hour
    settings.updated_at = now or utcnow()
    record(actor, "notification_settings_changed", modes=settings.modes, digest_hour=hour)


def stop_all(actor: Actor, user: User, *, now: datetime | None = None) -> None:
    """No mail at all for this user (the one-click link, or the settings page)."""
    settings = _row(user)
    if settings.stopped_at is None:
        settings.stopped_at = now or utcnow()
        settings.updated_at = settings.stopped_at
        record(actor, "notifications_stopped", user=user.id)


def resume(actor: Actor, *, now: datetime | None = None) -> None:
    settings = _row(actor.user)
    settings.stopped_at = None
    settings.updated_at = now or utcnow()
    record(actor, "notifications_resumed")


def unsubscribe_token(user_id: int) -> str:
    """A signed token that lets its holder stop this user's mail, and nothing else."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_UNSUBSCRIBE_SALT).dumps(
        {"stop": user_id})


def user_for_token(token: str) -> User:
    """The user a one-click link was made for. Raises NotAllowed for a token that was not
    made by this installation (or was changed)."""
    try:
        value = URLSafeSerializer(current_app.config["SECRET_KEY"],
                                  salt=_UNSUBSCRIBE_SALT).loads(token)
    except BadSignature:
        raise NotAllowed(_("This link is not valid. Log in to change which mail you get.")) \
            from None
    user = db.session.get(User, value.get("stop")) if isinstance(value, dict) else None
    if user is None:
        raise NotAllowed(_("This link is not valid. Log in to change which mail you get."))
    return user


def clean_email(value: str | None) -> str | None:
    """An address as stored (trimmed; None for empty). Raises InvalidInput."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 254 or not _EMAIL.match(value) or any(
            ord(c) < 32 or ord(c) == 127 for c in value):
        raise InvalidInput(_("This is not an e-mail address (name@example.org)."))
    return value


def set_email(actor: Actor, user_id: int, email: str | None) -> User:
    """An administrator sets where a user's notifications go. Raises InvalidInput."""
    user = db.session.get(User, user_id)
    if user is None:
        raise InvalidInput(_("There is no such user."))
    user.email = clean_email(email)
    record(actor, "user_email_changed", username=user.username, has_email=bool(user.email))
    return user


def stopped_user_ids() -> set[int]:
    return set(db.session.scalars(select(NotificationSettings.user_id)
                                  .where(NotificationSettings.stopped_at.is_not(None))))
