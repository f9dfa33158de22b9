"""Organisations, users, memberships and logging in."""

from datetime import datetime, timedelta

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.extensions import db
from webapp.models import ROLES, Membership, Organisation, User, utcnow
from webapp.services.audit import Actor, record
from webapp.services.errors import InvalidInput
from webapp.services.notifications.settings import clean_email

MIN_PASSWORD_LENGTH = 12
# A hash to compare against when the user does not exist, so timing does not reveal names.
_DUMMY_HASH = generate_password_hash("not-a-real-password-at-all", method="scrypt")


def create_organisation(
    actor: Actor, code: str, name: str, *, is_demo: bool = False
) -> Organisation:
    code = code.strip().lower()
    if not code or not name.strip():
        raise InvalidInput("An organisation needs a code and a name.")
    if db.session.scalar(select(Organisation).where(Organisation.code == code)):
        raise InvalidInput(f"An organisation with code '{code}' exists already.")
    org = Organisation(code=code, name=name.strip(), is_demo=is_demo)
    db.session.add(org)
    db.session.flush()
    record(actor, "organisation_created", organisation=code)
    return org


def create_user(actor: Actor, username: str, display_name: str, password: str,
                memberships: list[tuple[str, str]], *, is_demo: bool = False,
                email: str | None = None) -> User:
    """Create a user with (organisation code, role) memberships and optionally the address
    their notifications go to. Raises InvalidInput."""
    username = username.strip().lower()
    if not username:
        raise InvalidInput("A user needs a username.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    if db.session.scalar(select(User).where(func.lower(User.username) == username)):
        raise InvalidInput(f"The username '{username}' is taken.")
    user = User(username=username, display_name=display_name.strip() or username,
                password_hash=generate_password_hash(password, method="scrypt"), is_demo=is_demo,
                email=clean_email(email))
    for org_code, role in memberships:
        if role not in ROLES:
            raise InvalidInput(f"Unknown role '{role}'. Roles: {', '.join(ROLES)}.")
        org = db.session.scalar(select(Organisation).where(Organisation.code == org_code))
        if org is None:
            raise InvalidInput(f"Unknown organisation '{org_code}'.")
        user.memberships.append(Membership(organisation=org, role=role))
    db.session.add(user)
    db.session.flush()
    record(actor, "user_created", username=username, roles=[r for _, r in memberships])
    return user


def authenticate(username: str, password: str, *, remote_addr: str | None,
                 max_failures: int, lockout: timedelta, now: datetime | None = None) -> User | None:
    """Check a login; count failures and lock the account for a while after too many."""
    now = now or utcnow()
    user = db.session.scalar(
        select(User).where(func.lower(User.username) == username.strip().lower())
    )
    orgs = {m.organisation_id for m in user.memberships} if user else set()
    actor = Actor(user=user, remote_addr=remote_addr,
                  organisation_id=next(iter(orgs)) if len(orgs) == 1 else None)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        record(Actor(None, remote_addr), "login_failed", username=username[:80])
        return None
    if user.locked_until and user.locked_until > now:
        record(actor, "login_refused_locked")
        return None
    if not user.active or not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + lockout
            user.failed_logins = 0
        record(actor, "login_failed")
        return None
    user.failed_logins = 0
    user.locked_until = None
    record(actor, "login")
    return user


def set_active(actor: Actor, user: User, active: bool) -> None:
    """Deactivate (can no longer log in) or reactivate an account; audited."""
    user.active = active
    if not active:
        user.session_epoch = (user.session_epoch or 0) + 1  # logged out everywhere
    record(actor, "user_activated" if active else "user_deactivated", username=user.username)


def unlock(actor: Actor, user: User) -> None:
    """Lift a lockout after failed logins; audited."""
    user.locked_until = None
    user.failed_logins = 0
    record(actor, "user_unlocked", username=user.username)
