"""Organisations, users, memberships and logging in."""

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.extensions import db
from webapp.models import ROLES, LoginLock, Membership, Organisation, User, utcnow
from webapp.services import role_grants
from webapp.services.audit import Actor, record
from webapp.services.errors import InvalidInput
from webapp.services.notifications.settings import clean_email
from webapp.services.policy import role_reads_cases
from webapp.services.upsert import insert

MIN_PASSWORD_LENGTH = 12
# A hash to compare against when the user does not exist, so timing does not reveal names.
_DUMMY_HASH = generate_password_hash("not-a-real-password-at-all", method="scrypt")


def create_organisation(
    actor: Actor, code: str, name: str, *, is_demo: bool = False,
    names: dict[str, str] | None = None,
) -> Organisation:
    """An organisation; ``names``: its name in other languages (``{"nl": ..., "fr": ...}``).
    Raises InvalidInput."""
    code = code.strip().lower()
    if not code or not name.strip():
        raise InvalidInput(_("An organisation needs a code and a name."))
    names = {k: v.strip() for k, v in (names or {}).items() if v and v.strip()} or None
    if names and any(len(v) > 200 or len(k) > 10 for k, v in names.items()):
        raise InvalidInput(_("An organisation's name has at most 200 characters."))
    if db.session.scalar(select(Organisation).where(Organisation.code == code)):
        raise InvalidInput(_("An organisation with code '%(code)s' exists already.", code=code))
    org = Organisation(code=code, name=name.strip(), is_demo=is_demo, names=names)
    db.session.add(org)
    db.session.flush()
    record(actor, "organisation_created", organisation=code)
    return org


def create_user(actor: Actor, username: str, display_name: str, password: str,
                memberships: list[tuple[str, str]], *, is_demo: bool = False,
                email: str | None = None) -> User:
    """Create a user with (organisation code, role) memberships and optionally the address
    their notifications go to. Raises InvalidInput.

    A role that reads cases, given by a person (an administrator), is only asked for: a
    coordinator confirms it (services.role_grants). Given by the system (the command line,
    the demo data) it holds at once."""
    username = username.strip().lower()
    if not username:
        raise InvalidInput(_("A user needs a username."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(_("Passwords need at least %(num)d characters.",
                             num=MIN_PASSWORD_LENGTH))
    if db.session.scalar(select(User).where(func.lower(User.username) == username)):
        raise InvalidInput(_("The username '%(username)s' is taken.", username=username))
    user = User(username=username, display_name=display_name.strip() or username,
                password_hash=generate_password_hash(password, method="scrypt"), is_demo=is_demo,
                email=clean_email(email))
    asked = []
    for org_code, role in memberships:
        if role not in ROLES:
            raise InvalidInput(_("Unknown role '%(role)s'. Roles: %(roles)s.", role=role,
                                 roles=", ".join(ROLES)))
        org = db.session.scalar(select(Organisation).where(Organisation.code == org_code))
        if org is None:
            raise InvalidInput(_("Unknown organisation '%(code)s'.", code=org_code))
        if actor.user is not None and role_reads_cases(role):
            asked.append((org, role))  # a coordinator confirms it (services.role_grants)
        else:
            user.memberships.append(Membership(organisation=org, role=role))
    db.session.add(user)
    db.session.flush()
    record(actor, "user_created", username=username,
           roles=[m.role for m in user.memberships], roles_asked=[r for _, r in asked])
    for org, role in asked:
        role_grants.request_grant(actor, user, org, role)
    return user


def authenticate(username: str, password: str, *, remote_addr: str | None,
                 max_failures: int, lockout: timedelta, now: datetime | None = None) -> User | None:
    """Check a login; after ``max_failures`` failures in a row from one address, that account
    is locked for ``lockout`` from that address only (see LoginLock).

    Exactly one password hash is computed whatever the outcome (unknown name, locked,
    deactivated, wrong or right password), so the answer's timing says nothing about the
    account. Every outcome is audited; a new lock as "login_locked"."""
    now = now or utcnow()
    user = db.session.scalar(
        select(User).where(func.lower(User.username) == username.strip().lower())
    )
    matches = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None:
        record(Actor(None, remote_addr), "login_failed", username=username[:80])
        return None
    orgs = {m.organisation_id for m in user.memberships}
    actor = Actor(user=user, remote_addr=remote_addr,
                  organisation_id=next(iter(orgs)) if len(orgs) == 1 else None)
    if is_locked(user, remote_addr, now):
        record(actor, "login_refused_locked")
        return None
    if not user.active or not matches:
        _count_failure(actor, user, remote_addr, max_failures, now + lockout)
        record(actor, "login_failed")
        return None
    db.session.execute(delete(LoginLock).where(LoginLock.user_id == user.id,
                                               LoginLock.remote_addr == (remote_addr or "")))
    record(actor, "login")
    return user


def is_locked(user: User, remote_addr: str | None, now: datetime | None = None) -> bool:
    """Whether logins to ``user`` from ``remote_addr`` are locked now."""
    until = db.session.scalar(select(LoginLock.locked_until).where(
        LoginLock.user_id == user.id, LoginLock.remote_addr == (remote_addr or "")))
    return until is not None and until > (now or utcnow())


def locked_addresses(user_ids) -> dict[int, int]:
    """How many addresses each of these users is locked from now (for the admin's list)."""
    rows = db.session.execute(
        select(LoginLock.user_id, func.count(LoginLock.id))
        .where(LoginLock.user_id.in_(list(user_ids)), LoginLock.locked_until > utcnow())
        .group_by(LoginLock.user_id)).all()
    return dict(rows)


def _count_failure(actor: Actor, user: User, remote_addr: str | None, max_failures: int,
                   lock_until: datetime) -> None:
    """One more failure in a row from this address (one statement, so two at once both
    count); the one that reaches ``max_failures`` locks the address out and starts over."""
    statement = insert(LoginLock).values(user_id=user.id, remote_addr=remote_addr or "",
                                         failures=1)
    failures = db.session.execute(statement.on_conflict_do_update(
        index_elements=["user_id", "remote_addr"],
        set_={"failures": LoginLock.__table__.c.failures + 1},
    ).returning(LoginLock.__table__.c.failures)).scalar_one()
    if failures >= max_failures:
        db.session.execute(
            update(LoginLock).where(LoginLock.user_id == user.id,
                                    LoginLock.remote_addr == (remote_addr or ""))
            .values(failures=0, locked_until=lock_until))
        record(actor, "login_locked", until=lock_until.isoformat(), failures=failures)


def set_active(actor: Actor, user: User, active: bool) -> None:
    """Deactivate (can no longer log in) or reactivate an account; audited."""
    user.active = active
    if not active:
        user.session_epoch = (user.session_epoch or 0) + 1  # logged out everywhere
    record(actor, "user_activated" if active else "user_deactivated", username=user.username)


def unlock(actor: Actor, user: User) -> None:
    """Lift every lockout of the account (from any address) after failed logins; audited."""
    db.session.execute(delete(LoginLock).where(LoginLock.user_id == user.id))
    record(actor, "user_unlocked", username=user.username)
