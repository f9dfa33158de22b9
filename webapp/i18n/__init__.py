"""Languages: Flask-Babel with the language chosen per request, the language switcher and
settings page, and the template filters that write dates, times and numbers the reader's
way."""

from flask import Flask

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
