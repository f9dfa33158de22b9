"""Languages: Flask-Babel with the language chosen per request, the language switcher and
settings page, and the template filters that write dates, times and numbers the reader's
way."""

from flask import Flask, g
from flask_babel import get_translations

from webapp.extensions import babel
from webapp.i18n import formatting
from webapp.i18n.locale import chosen_language, endonym, select_locale

FILTERS = {
    "date": formatting.format_date,
    "due": formatting.format_due,
    "time": formatting.format_time,
    "datetime": formatting.format_datetime,
    "number": formatting.format_number,
    "duration": formatting.format_duration,
}


def register_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(  # as Flask-Babel's, with the catalog kept
        gettext=lambda s: _catalog().ugettext(s),
        ngettext=lambda s, p, n: _catalog().ungettext(s, p, n),
        pgettext=lambda c, s: _catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalog().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.filters.update(FILTERS)
    from webapp.i18n.bundletext import register_template_helpers
    from webapp.i18n.routes import bp

    app.register_blueprint(bp)
    register_template_helpers(app)

    @app.context_processor
    def _languages():
        language = chosen_language()
        return {"html_lang": language,
                "languages": [(code, endonym(code)) for code in app.config["LANGUAGES"]]}


def _catalog():
    """The catalog of the language being written, looked up once per request (or per
    ``in_language``, which forgets it): Flask-Babel looks it up for every message, and a
    page's twenty to a hundred messages spent a fifth of a small page's time on that."""
    catalog = g.get("_mawflow_translations")
    if catalog is None:
        catalog = g._mawflow_translations = get_translations()
    return catalog
