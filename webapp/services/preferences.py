"""A person's own settings: the language the application speaks to them."""

from flask_babel import gettext as _

from webapp.models import User
from webapp.services.audit import Actor, record
from webapp.services.errors import InvalidInput


def set_language(actor: Actor, user: User, language: str | None, offered: list[str]) -> None:
    """Keep ``language`` (one of ``offered``; None: follow the browser) as the user's choice.
    Raises InvalidInput for a language the deployment does not offer."""
    if language is not None and language not in offered:
        raise InvalidInput(_("This language is not offered here."))
    if user.language != language:
        user.language = language
        record(actor, "language_chosen", language=language or "browser")
