"""Which organisations can be reached: an organisation without an active user sees nothing
that is sent to it, so wherever one can be chosen (requests, actions, referrals, seats) it is
marked, and the coordinator's overview flags the tasks waiting on it."""

from flask_babel import gettext as _
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Membership, Organisation, User
from webapp.services.tasks import option_values

_REACHABLE = (
    select(Membership.organisation_id).join(User, User.id == Membership.user_id)
    .where(User.active.is_(True)).distinct()
)


def reachable_ids() -> set[int]:
    """The organisations with at least one active user (one query)."""
    return set(db.session.scalars(_REACHABLE))


def unreachable_ids() -> set[int]:
    """The organisations without any active user."""
    return set(db.session.scalars(
        select(Organisation.id).where(Organisation.id.not_in(_REACHABLE))))


def unreachable_label(name: str) -> str:
    return _("%(name)s (no active users: nobody there will see it)", name=name)


def marked_option_values(language: str | None = None,
                         values: dict | None = None) -> dict[str, list[tuple[str, str]]]:
    """The x-options choices of the task forms (services.tasks.option_values, organisation
    names in ``language``, or ``values`` when the caller read them already), with the
    organisations that have no active user marked in their label."""
    values = option_values(language) if values is None else values
    silent = set(db.session.scalars(
        select(Organisation.code).where(Organisation.id.not_in(_REACHABLE))))
    return {source: [(code, unreachable_label(name) if code in silent else name)
                     for code, name in pairs]
            for source, pairs in values.items()}
