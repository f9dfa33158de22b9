"""What operators and their tools need: health probes and the server time of each request."""

from flask import Flask

from webapp.ops.routes import ProbeSessions, bp
from webapp.ops.timing import ServerTiming


def register_ops(app: Flask) -> None:
    """The probes (/healthz, /readyz: public, no session) and, with SERVER_TIMING on, a
    ``Server-Timing: app;dur=<ms>`` header on every response."""
    app.register_blueprint(bp)
    app.session_interface = ProbeSessions()
    if app.config["SERVER_TIMING"]:
        app.wsgi_app = ServerTiming(app.wsgi_app)
