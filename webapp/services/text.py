"""Short texts people type (a reason, a search term), checked before they reach the database."""

from webapp.services.errors import InvalidInput


def checked_text(value: str | None, *, what: str, limit: int, required: bool = True) -> str:
    """``value`` stripped, or InvalidInput naming ``what``: empty when required, longer than
    ``limit`` characters, or holding control characters the database cannot store (NUL)."""
    text = (value or "").strip()
    if "\x00" in text:
        raise InvalidInput(f"The {what} contains a character that cannot be stored; "
                           "type it again without pasting.")
    if required and not text:
        raise InvalidInput(f"Fill in the {what}.")
    if len(text) > limit:
        raise InvalidInput(f"The {what} can be at most {limit} characters "
                           f"(this one has {len(text)}).")
    return text
