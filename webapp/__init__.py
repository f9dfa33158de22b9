"""mawflow: case management for local multi-agency networks against violent radicalisation."""

from flask import Flask

from webapp.config import load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask app: configuration, extensions, blueprints, CLI and error pages."""
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, config)

    from webapp import cli, errors, extensions, ops, security, views

    extensions.register_extensions(app)
    security.register_security(app)
    ops.register_ops(app)
    views.register_blueprints(app)
    errors.register_error_handlers(app)
    cli.register_commands(app)
    return app
