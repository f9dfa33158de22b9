"""mawflow: case management for local multi-agency networks against violent radicalisation."""

from flask import Flask

from webapp.config import load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask app: configuration, extensions, blueprints, CLI and error pages."""
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, config)

    from webapp import cli, errors, extensions, i18n, ops, security
    from webapp.web import blueprints

    extensions.register_extensions(app)
    i18n.register_i18n(app)
    security.register_security(app)
    ops.register_ops(app)
    blueprints.register_blueprints(app)
    errors.register_error_handlers(app)
    cli.register_commands(app)
    _register_engine(app)
    return app


def _register_engine(app: Flask) -> None:
    """The engine's worker processes: their limits from the settings, and one started in the
    background with the first request, so nobody waits for it."""
    from webapp.engine import isolation

    try:
        isolation.configure(
            workers=app.config["ENGINE_WORKERS"], memory_mb=app.config["ENGINE_MEMORY_MB"],
            step_seconds=app.config["ENGINE_STEP_SECONDS"],
            script_seconds=app.config["SCRIPT_SECONDS"])
    except ValueError as error:
        from webapp.config import ConfigError

        raise ConfigError(str(error)) from error
    app.before_request(isolation.prestart)
