"""The comments thread of a case, for the people working on it."""

from flask_babel import gettext as _
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Case, CaseComment
from webapp.services.audit import Actor, record
from webapp.services.errors import InvalidInput, NotAllowed
from webapp.services.policy import may_comment, may_read_comments

MAX_LENGTH = 4000


def list_comments(actor: Actor, case: Case) -> list[CaseComment]:
    """The thread, oldest first. Raises NotAllowed. (The case view that calls this audits.)"""
    if not may_read_comments(actor.user, case):
        raise NotAllowed(_("You may not read the comments of this case."))
    return list(db.session.scalars(
        select(CaseComment).where(CaseComment.case_id == case.id)
        .order_by(CaseComment.created_at, CaseComment.id)
    ))


def add_comment(actor: Actor, case: Case, body: str) -> CaseComment:
    """Add a comment to a case. Raises NotAllowed and InvalidInput (empty or too long)."""
    if not may_comment(actor.user, case):
        raise NotAllowed(_("You may not comment on this case."))
    body = (body or "").strip()
    if not body:
        raise InvalidInput(_("Write a comment before sending it."))
    if len(body) > MAX_LENGTH:
        raise InvalidInput(_("A comment can be at most %(max)d characters (this one has "
                             "%(length)d).", max=MAX_LENGTH, length=len(body)))
    org_ids = sorted(actor.user.organisation_ids("coordinator")) or sorted(
        {m.organisation_id for m in actor.user.memberships})
    comment = CaseComment(case_id=case.id, user_id=actor.user.id, body=body,
                          organisation_id=org_ids[0] if org_ids else None)
    db.session.add(comment)
    db.session.flush()
    record(actor, "comment_added", case_id=case.id, comment=comment.id)
    return comment
