"""Configuration: safe defaults, then the environment (MAWFLOW_* / FLASK_* / DATABASE_URL)."""

import os
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-not-secret"  # noqa: S105 - refused outside development, see below


INTEGER_SETTINGS = (
    "INBOX_PAGE_SIZE", "LOGIN_MAX_FAILURES", "LOGIN_LOCKOUT_MINUTES", "LOGIN_IP_MAX_FAILURES",
    "LOGIN_IP_WINDOW_MINUTES", "REAUTH_MINUTES", "RETENTION_YEARS", "RETENTION_CHECK_SECONDS",
    "PROXY_FIX_X_FOR", "SQLITE_CACHE_MB",
    "ATTACHMENT_MAX_FILE_MB", "ATTACHMENT_MAX_CASE_MB", "ATTACHMENT_MAX_FILES", "MAX_REQUEST_MB",
    "REPORT_MIN_COUNT", "REPORT_ROLLUP_SECONDS",
    "ENGINE_WORKERS", "ENGINE_MEMORY_MB", "MAX_CONTENT_LENGTH", "MAX_FORM_MEMORY_SIZE",
)
FLOAT_SETTINGS = ("ENGINE_STEP_SECONDS", "SCRIPT_SECONDS", "TIMER_POLL_SECONDS",
                  "TIMER_WAKE_CHECK_SECONDS")


class ConfigError(RuntimeError):
    """The app cannot start with this configuration."""


def _defaults(app: Flask) -> dict:
    return {
        "SECRET_KEY": DEV_SECRET,
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(app.instance_path, "mawflow.sqlite"),
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        # SQLite only. NORMAL (SQLite's advice with its write-ahead log): a commit survives
        # the app or the server process dying, and the database is never corrupted; a power
        # cut or OS crash may lose the last commits. FULL also waits for the disk at every
        # commit (about 0.5 ms more per step). PostgreSQL has its own settings.
        "SQLITE_SYNCHRONOUS": "NORMAL",
        # SQLite only: the pages each connection keeps in memory (SQLite's own default is
        # 2 MB). A step touches the case's row and a leaf of every inbox index; with 100,000
        # cases those are rarely among the last 2 MB used, and reading them again from the
        # file costs about 0.2 ms per step. Memory is taken as pages are used, up to this.
        "SQLITE_CACHE_MB": 64,
        "BUNDLE_DIR": str(PROJECT_ROOT),
        "NODE_MODULES_DIR": str(PROJECT_ROOT / "node_modules"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": True,
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=30),
        "WTF_CSRF_TIME_LIMIT": None,
        "INBOX_PAGE_SIZE": 50,
        "TIMER_POLL_SECONDS": 5.0,
        # The worker sleeps until the earliest due timer; on SQLite it looks every this often
        # whether a step scheduled an earlier one (PostgreSQL tells it with a NOTIFY).
        "TIMER_WAKE_CHECK_SECONDS": 0.5,
        "RUN_TIMER_THREAD": False,
        "ENV_NAME": "production",
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCKOUT_MINUTES": 15,
        # Per address, whatever the username: stops guessing across many accounts.
        "LOGIN_IP_MAX_FAILURES": 20,
        "LOGIN_IP_WINDOW_MINUTES": 15,
        # Exports ask for the password again; a confirmation is valid this long.
        "REAUTH_MINUTES": 5,
        # Retention: years after closure before person details and free text are deleted.
        "RETENTION_YEARS": 5,
        # How often the worker loop checks for cases whose retention period ran out.
        "RETENTION_CHECK_SECONDS": 3600,
        # Behind a reverse proxy, how many X-Forwarded-For hops to trust (0: none), so the
        # audit trail records the real client address.
        "PROXY_FIX_X_FOR": 0,
        # A Server-Timing header (app;dur=<ms>) on every response, for load tests and
        # profiling; off by default, as it tells anyone how long the server worked.
        "SERVER_TIMING": False,
        # E-mail notifications (services/notifications). Without SMTP_HOST nothing is sent:
        # messages stay in the outbox, shown on the administrator's mail page.
        "SMTP_HOST": "",
        "SMTP_PORT": None,  # default: 587 with starttls, 465 with ssl, 25 without TLS
        "SMTP_TLS": "starttls",  # starttls, ssl or none
        "SMTP_USER": "",
        "SMTP_PASSWORD": "",
        "SMTP_TIMEOUT": 10.0,
        "MAIL_CONNECTIONS": 4,  # SMTP sessions a sender uses side by side
        "MAIL_FROM": "mawflow <noreply@mawflow.invalid>",
        # Links in messages point here (the address people use to reach mawflow).
        "BASE_URL": "http://127.0.0.1:5000",
        # Digests go out at each user's chosen hour in this time zone.
        "TIMEZONE": "Europe/Brussels",
        "MAIL_SWEEP_SECONDS": 600,  # how often the worker looks for due and overdue tasks
        "MAIL_GIVE_UP_HOURS": 24,  # a message not sent by then is marked failed
        # Attachments to answers and action reports: kept in the database, or in this folder
        # when set (it must survive deployments and be backed up like the database).
        "ATTACHMENT_FOLDER": "",
        "ATTACHMENT_MAX_FILE_MB": 10,
        "ATTACHMENT_MAX_CASE_MB": 100,
        "ATTACHMENT_MAX_FILES": 5,
        # A task form sending files larger than this is refused before it is read (413); 0:
        # room for the most files one form may send, plus 2 MB.
        "MAX_REQUEST_MB": 0,
        # Evaluation reports show counts below this as "fewer than N" (and hide one more
        # count of the group, so the small one cannot be worked out from the total).
        "REPORT_MIN_COUNT": 5,
        # How often the worker rebuilds the evaluation's monthly totals (reports are exact
        # without them, only slower: they read every event of months without totals).
        "REPORT_ROLLUP_SECONDS": 3600,
        # The largest request accepted (a form, an uploaded bundle); larger ones get a clear
        # 413 page. MAX_FORM_MEMORY_SIZE: the text fields of one form together.
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
        # Code process owners write (scripts, conditions, decision tables, timers, expressions,
        # instructions) runs in engine worker processes (webapp.engine.isolation): at most
        # ENGINE_WORKERS per web or timer process, each with ENGINE_MEMORY_MB of memory; one
        # engine call may take ENGINE_STEP_SECONDS (then its worker is killed and the step
        # fails, nothing saved), one script SCRIPT_SECONDS.
        "ENGINE_WORKERS": 2,
        "ENGINE_MEMORY_MB": 512,
        "ENGINE_STEP_SECONDS": 5.0,
        "SCRIPT_SECONDS": 2.0,
        # Languages people may choose (comma-separated codes with catalogs in
        # webapp/translations), the one for whoever's browser asks for none of them, the
        # country whose date and number conventions apply (CLDR territory) and the time zone
        # in which dates and times are shown (TIMEZONE, above: digests go out in it too).
        "LANGUAGES": "en,nl,fr",
        "DEFAULT_LANGUAGE": "en",
        "TERRITORY": "BE",
    }


def _from_environment() -> dict:
    values: dict = {}
    if os.environ.get("DATABASE_URL"):
        values["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(os.environ["DATABASE_URL"])
    for key, raw in os.environ.items():
        for prefix in ("MAWFLOW_", "FLASK_"):
            if key.startswith(prefix) and key != "FLASK_APP":
                values[key[len(prefix):]] = _parse(raw)
    return values


def _parse(raw: str):
    lowered = raw.lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    return raw


def normalise_database_url(url: str) -> str:
    """Accept postgres:// and postgresql:// URLs and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_config(app: Flask, overrides: dict | None) -> None:
    """Fill app.config and refuse to run outside development without a real SECRET_KEY."""
    app.config.from_mapping(_defaults(app))
    app.config.update(_from_environment())
    if overrides:
        app.config.update(overrides)
    development = app.config["ENV_NAME"] in {"development", "test"}
    if development:
        app.config["SESSION_COOKIE_SECURE"] = False
        app.config["REMEMBER_COOKIE_SECURE"] = False
    if not development and app.config["SECRET_KEY"] in {DEV_SECRET, "", None}:
        raise ConfigError(
            "SECRET_KEY is not set. Set MAWFLOW_SECRET_KEY to a long random value "
            "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    for key in INTEGER_SETTINGS:  # numbers from the environment arrive as text
        app.config[key] = int(app.config[key])
    files_mb = app.config["ATTACHMENT_MAX_FILE_MB"] * app.config["ATTACHMENT_MAX_FILES"]
    # A task form that takes files may send them all at once (see tasks.routes); every other
    # request keeps MAX_CONTENT_LENGTH.
    app.config["TASK_FORM_MAX_BYTES"] = (app.config["MAX_REQUEST_MB"] or files_mb + 2) * 1024 * 1024
    for key in FLOAT_SETTINGS:
        app.config[key] = float(app.config[key])
    synchronous = str(app.config["SQLITE_SYNCHRONOUS"]).upper()
    if synchronous not in {"NORMAL", "FULL", "EXTRA"}:
        raise ConfigError(f"SQLITE_SYNCHRONOUS must be NORMAL, FULL or EXTRA, not {synchronous!r}.")
    app.config["SQLITE_SYNCHRONOUS"] = synchronous
    if app.config["SQLITE_CACHE_MB"] < 1:
        raise ConfigError("SQLITE_CACHE_MB must be at least 1 (megabytes of pages per "
                          "connection).")
    _check_languages(app.config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:"):
        os.makedirs(app.instance_path, exist_ok=True)


def _check_languages(config) -> None:
    """LANGUAGES as a list, the default among them, a time zone that exists; Flask-Babel's
    own settings follow from them."""
    raw = config["LANGUAGES"]
    languages = [c.strip() for c in (raw.split(",") if isinstance(raw, str) else raw)]
    languages = [c for c in languages if c]
    if not languages:
        raise ConfigError("LANGUAGES must name at least one language, e.g. en,nl,fr.")
    config["LANGUAGES"] = languages
    if config["DEFAULT_LANGUAGE"] not in languages:
        raise ConfigError(f"DEFAULT_LANGUAGE {config['DEFAULT_LANGUAGE']!r} is not one of "
                          f"LANGUAGES ({', '.join(languages)}).")
    try:
        ZoneInfo(config["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigError(f"TIMEZONE {config['TIMEZONE']!r} is not a known time zone "
                          "(e.g. Europe/Brussels).") from error
    config["BABEL_DEFAULT_LOCALE"] = config["DEFAULT_LANGUAGE"]
    config["BABEL_DEFAULT_TIMEZONE"] = config["TIMEZONE"]
