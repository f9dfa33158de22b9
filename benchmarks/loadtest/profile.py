"""Where the web workers spent their time, from py-spy's collapsed stacks (``--format raw``):
per page (the view function), per library (who owns the innermost frame that is not the
standard library), and the app's own functions that hold the most time per page.

    python -m benchmarks.loadtest.profile PROFILE.txt
"""

import sys
from collections import Counter, defaultdict

# The owner of a frame, by the start of its file (py-spy prints paths from site-packages on).
# The driver's calls (execute, fetch, commit) are "database": the database's own time and the
# driver's, not SQLAlchemy's Python.
DATABASE_CALLS = {"do_execute", "do_executemany", "do_execute_no_params", "do_commit",
                  "do_rollback", "fetchall", "fetchone", "fetchmany", "_fetchall_impl",
                  "_fetchone_impl", "_fetchmany_impl", "connect"}
OWNERS = [
    ("database", ("psycopg/", "psycopg_binary/", "psycopg_pool/")),
    ("sqlalchemy", ("sqlalchemy/", "flask_sqlalchemy/", "alembic/")),
    ("jinja", ("jinja2/", "markupsafe/")),
    ("engine", ("SpiffWorkflow/", "webapp/engine/", "RestrictedPython/", "lxml/")),
    ("forms", ("wtforms/", "flask_wtf/", "webapp/taskforms/", "jsonschema/", "referencing/",
               "rpds/", "jsonschema_specifications/")),
    ("flask", ("flask/", "werkzeug/", "flask_login/", "flask_babel/", "babel/",
               "itsdangerous/")),
    ("markdown", ("markdown/", "nh3/", "webapp/markup.py")),
    ("gunicorn", ("gunicorn/",)),
    ("webapp", ("webapp/",)),
]


# py-spy takes these waits for work: the master waiting for signals, an event loop waiting.
IDLE = ("Arbiter.wait_for_signals", "Arbiter.sleep", "EpollSelector.select",
        "PollSelector.select", "select", "sleep")


def _file_and_function(frame: str) -> tuple[str, str]:
    function, _, where = frame.rpartition(" (")
    return where.rstrip(")").rsplit(":", 1)[0], function


def owner(frames: list[str]) -> str:
    """The library of the innermost frame that is not the standard library."""
    for frame in reversed(frames):
        path, function = _file_and_function(frame)
        if path.endswith(".html"):
            return "jinja"  # a compiled template
        if path.startswith("sqlalchemy/") and function.rsplit(".", 1)[-1] in DATABASE_CALLS:
            return "database"
        for name, prefixes in OWNERS:
            if path.startswith(prefixes):
                return name
    return "other"


def page(frames: list[str]) -> str:
    """The view function the sample is in ("tasks.show"), the completing POST told apart
    from the task page; "(outside views)" for Flask's work around them."""
    inside = dispatched = False
    for frame in frames:
        path, function = _file_and_function(frame)
        inside = inside or function == "Flask.wsgi_app"
        dispatched = dispatched or function == "Flask.dispatch_request"
        if dispatched and path.startswith("webapp/") and path.endswith(("routes.py", "views.py")):
            area = path.split("/")[1].removesuffix(".py")
            name = f"{area}.{function}"
            if name == "tasks.show" and any("_complete_directly" in f for f in frames):
                return "tasks.show (complete)"
            return name
    if inside:
        return "(outside views)"
    if any(f.startswith(("close_graceful ", "Response.write ")) for f in frames):
        # a sync worker sends the answer and lingers until the client closes; on a busy
        # machine it is often waiting for a CPU there
        return "(gunicorn: sending, waiting for the client to close)"
    return "(gunicorn: reading the request)"


def summary(text: str, top: int = 6) -> str:
    by_page: Counter = Counter()
    by_owner: Counter = Counter()
    per_page: dict[str, Counter] = defaultdict(Counter)
    functions: dict[str, Counter] = defaultdict(Counter)
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames or _file_and_function(frames[-1])[1] in IDLE:
            continue
        n = int(count)
        where, who = page(frames), owner(frames)
        by_page[where] += n
        by_owner[who] += n
        per_page[where][who] += n
        seen = set()
        for frame in frames:  # inclusive time of the app's own functions (not the views)
            path, function = _file_and_function(frame)
            if path.startswith("webapp/") and frame not in seen and \
                    not path.endswith(("routes.py", "views.py", "ops/timing.py")):
                seen.add(frame)
                functions[where][f"{path}:{function.split('.')[-1]}"] += n
    total = sum(by_page.values()) or 1
    app = sum(n for where, n in by_page.items() if not where.startswith("(gunicorn")) or 1
    lines = [f"where the web workers' time went ({total} samples; {100 * app / total:.0f}% in "
             "the app, the rest in gunicorn around it):",
             "  by library: " + _shares(by_owner, total)]
    for where, n in by_page.most_common():
        lines.append(f"  {where} {100 * n / total:.0f}%: " + _shares(per_page[where], n))
        heavy = [f"{name} {100 * m / n:.0f}%" for name, m in functions[where].most_common(top)]
        if heavy:
            lines.append("      app functions (inclusive): " + ", ".join(heavy))
    return "\n".join(lines)


def _shares(counter: Counter, total: int) -> str:
    return ", ".join(f"{name} {100 * n / total:.0f}%" for name, n in counter.most_common())


if __name__ == "__main__":
    with open(sys.argv[1]) as profile:
        print(summary(profile.read()))
