"""Short texts people type (a reason, a search term), checked before they reach the database."""

from flask_babel import gettext as _

from webapp.services.errors import InvalidInput


def checked_text(value: str | None, *, what: str, limit: int, required: bool = True) -> str:
    """``value`` stripped, or InvalidInput naming ``what`` (in the reader's language): empty
    when required, longer than ``limit`` characters, or holding control characters the
    database cannot store (NUL)."""
    text = (value or "").strip()
    if "\x00" in text:
        raise InvalidInput(_("The %(what)s contains a character that cannot be stored; "
                             "type it again without pasting.", what=what))
    if required and not text:
        raise InvalidInput(_("Fill in the %(what)s.", what=what))
    if len(text) > limit:
        raise InvalidInput(_("The %(what)s can be at most %(limit)d characters "
                             "(this one has %(length)d).", what=what, limit=limit,
                             length=len(text)))
    return text
