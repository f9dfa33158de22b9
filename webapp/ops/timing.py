"""The server time of each request in a ``Server-Timing`` header, so a load test (or the
browser's developer tools) can tell the application's time from the network's and the queue's.
"""

from time import perf_counter


class ServerTiming:
    """WSGI middleware: ``Server-Timing: app;dur=<ms>``, the milliseconds from the moment the
    WSGI server hands the request to the app until the app starts its response (routing,
    the view, its queries and commit, the template). Flask builds the whole body before it
    starts the response; the teardown after it (returning the database connection) is not
    counted."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        started = perf_counter()

        def timed(status, headers, exc_info=None):
            headers.append(("Server-Timing", f"app;dur={(perf_counter() - started) * 1000:.2f}"))
            return start_response(status, headers, exc_info)

        return self.app(environ, timed)
