"""Which language and which formats a request gets.

The user's own choice (``User.language``, set on their settings page or with the switcher),
else the choice made before logging in (a cookie), else the browser's ``Accept-Language``,
else the deployment's ``DEFAULT_LANGUAGE``; only languages in ``LANGUAGES`` are ever chosen.
Dates and numbers follow the language with the deployment's ``TERRITORY`` where CLDR knows
that combination (``nl`` in Belgium: ``nl_BE``), in the deployment's ``TIMEZONE``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from babel import Locale, UnknownLocaleError
from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import force_locale
from flask_login import current_user

#: The cookie that keeps a language chosen before logging in (or after logging out).
COOKIE = "mawflow_language"
COOKIE_MAX_AGE = 365 * 24 * 3600


def offered() -> list[str]:
    return current_app.config["LANGUAGES"]


def chosen_language() -> str:
    """The language of this request (a code from ``LANGUAGES``), worked out once; inside
    :func:`in_language` that language."""
    language = g.get("_mawflow_language") if has_app_context() else None
    if language is None:
        if not has_request_context():
            return current_app.config["DEFAULT_LANGUAGE"]
        language = g._mawflow_language = _choose()
    return language


#: What this package keeps in ``g`` for one language (see bundletext, formatting).
_PER_LANGUAGE = ("_mawflow_language", "_mawflow_locale", "_mawflow_step_names",
                 "_mawflow_translators", "_mawflow_role_groups", "_mawflow_translations")


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """Texts, dates, numbers and the bundle's names in ``language`` (a code from
    ``LANGUAGES``) for the code inside, whoever is reading: an e-mail is written in its
    recipient's language, by the mail worker (no request) as on an administrator's page."""
    saved = {key: g.pop(key) for key in _PER_LANGUAGE if key in g}
    g._mawflow_language = language
    try:
        with force_locale(locale_name(language, current_app.config["TERRITORY"])):
            yield
    finally:
        for key in _PER_LANGUAGE:
            g.pop(key, None)
        for key, value in saved.items():
            setattr(g, key, value)


def _choose() -> str:
    languages = offered()
    user = current_user
    if user and user.is_authenticated and getattr(user, "language", None) in languages:
        return user.language
    cookie = request.cookies.get(COOKIE)
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or \
        current_app.config["DEFAULT_LANGUAGE"]


def select_locale() -> str:
    """Flask-Babel's locale selector: the language with the deployment's territory."""
    return locale_name(chosen_language(), current_app.config["TERRITORY"])


@cache
def locale_name(language: str, territory: str) -> str:
    """``nl`` + ``BE`` -> ``nl_BE`` when CLDR has it, else ``nl``."""
    if territory:
        try:
            return str(Locale.parse(f"{language}_{territory}"))
        except (ValueError, UnknownLocaleError):
            pass
    return language


@cache
def endonym(language: str) -> str:
    """A language's name in that language, capitalised (``Nederlands``, ``Français``)."""
    try:
        name = Locale.parse(language).get_display_name(language) or language
    except (ValueError, UnknownLocaleError):
        return language
    return name[:1].upper() + name[1:]


def language_in_reader_words(language: str) -> str:
    """A language's name as the reader's language writes it (``Dutch``, ``néerlandais``)."""
    try:
        return Locale.parse(language).get_display_name(Locale.parse(chosen_language())) \
            or language
    except (ValueError, UnknownLocaleError):
        return language
