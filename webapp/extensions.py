"""Unbound Flask extensions; imports nothing of ours."""

from flask import Flask
from flask_babel import Babel
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event

naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=naming_convention))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def _sqlite_pragmas(synchronous: str, cache_mb: int):
    """Per connection: foreign keys on, write-ahead log, wait for a writer instead of failing,
    how hard a commit waits for the disk (SQLITE_SYNCHRONOUS) and how many pages stay in
    memory (SQLITE_CACHE_MB)."""
    def on_connect(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute(f"PRAGMA cache_size=-{int(cache_mb) * 1024}")  # negative: in KiB
        cursor.close()
    return on_connect


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas(
                app.config["SQLITE_SYNCHRONOUS"], app.config["SQLITE_CACHE_MB"]))
    migrate.init_app(app, db, directory=str(app.root_path) + "/migrations", render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.localize_callback = str  # the lazy message in the reader's language
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    csrf.init_app(app)  # babel: webapp.i18n.register_i18n (it brings the language selector)
