"""Configuration: safe defaults, then the environment (MAWFLOW_* / FLASK_* / DATABASE_URL)."""

import os
from datetime import timedelta
from pathlib import Path

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-not-secret"  # noqa: S105 - refused outside development, see below


INTEGER_SETTINGS = (
    "INBOX_PAGE_SIZE", "LOGIN_MAX_FAILURES", "LOGIN_LOCKOUT_MINUTES", "LOGIN_IP_MAX_FAILURES",
    "LOGIN_IP_WINDOW_MINUTES", "REAUTH_MINUTES", "RETENTION_YEARS", "RETENTION_CHECK_SECONDS",
    "PROXY_FIX_X_FOR", "SQLITE_CACHE_MB", "ENGINE_WORKERS", "ENGINE_MEMORY_MB",
    "MAX_CONTENT_LENGTH", "MAX_FORM_MEMORY_SIZE",
)
FLOAT_SETTINGS = ("ENGINE_STEP_SECONDS", "SCRIPT_SECONDS")


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
        # Code process owners write (scripts, conditions, decision tables, timers, expressions,
        # instructions) runs in engine worker processes (webapp.engine.isolation): at most
        # ENGINE_WORKERS per web or timer process, each with ENGINE_MEMORY_MB of memory; one
        # engine call may take ENGINE_STEP_SECONDS (then its worker is killed and the step
        # fails, nothing saved), one script SCRIPT_SECONDS.
        # The largest request accepted (a form, an uploaded bundle); larger ones get a clear
        # 413 page. MAX_FORM_MEMORY_SIZE: the text fields of one form together.
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
        "ENGINE_WORKERS": 2,
        "ENGINE_MEMORY_MB": 512,
        "ENGINE_STEP_SECONDS": 5.0,
        "SCRIPT_SECONDS": 2.0,
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
    for key in FLOAT_SETTINGS:
        app.config[key] = float(app.config[key])
    synchronous = str(app.config["SQLITE_SYNCHRONOUS"]).upper()
    if synchronous not in {"NORMAL", "FULL", "EXTRA"}:
        raise ConfigError(f"SQLITE_SYNCHRONOUS must be NORMAL, FULL or EXTRA, not {synchronous!r}.")
    app.config["SQLITE_SYNCHRONOUS"] = synchronous
    if app.config["SQLITE_CACHE_MB"] < 1:
        raise ConfigError("SQLITE_CACHE_MB must be at least 1 (megabytes of pages per "
                          "connection).")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:"):
        os.makedirs(app.instance_path, exist_ok=True)
