"""The embedded SQLite database: write-ahead log, foreign keys, how commits reach the disk, and
how much of it each connection keeps in memory."""

import pytest
from sqlalchemy import text

from webapp import create_app
from webapp.config import ConfigError
from webapp.extensions import db


def _pragmas(tmp_path, **config) -> dict:
    app = create_app({"ENV_NAME": "test", "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/s.sqlite", **config})
    with app.app_context():
        return {name: db.session.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout",
                             "cache_size")}


def test_by_default_commits_survive_a_crash_of_the_app_without_waiting_for_the_disk(tmp_path):
    assert _pragmas(tmp_path) == {"journal_mode": "wal", "foreign_keys": 1,
                                  "synchronous": 1, "busy_timeout": 5000,  # 1: NORMAL
                                  "cache_size": -64 * 1024}  # 64 MB (in KiB)


def test_full_waits_for_the_disk_at_every_commit(tmp_path, monkeypatch):
    monkeypatch.setenv("MAWFLOW_SQLITE_SYNCHRONOUS", "full")
    assert _pragmas(tmp_path)["synchronous"] == 2  # FULL


def test_an_unknown_setting_is_refused_with_its_name(tmp_path):
    with pytest.raises(ConfigError, match="SQLITE_SYNCHRONOUS must be NORMAL, FULL or EXTRA"):
        _pragmas(tmp_path, SQLITE_SYNCHRONOUS="off")


def test_the_page_cache_size_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MAWFLOW_SQLITE_CACHE_MB", "16")
    assert _pragmas(tmp_path)["cache_size"] == -16 * 1024


def test_a_cache_of_nothing_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="SQLITE_CACHE_MB must be at least 1"):
        _pragmas(tmp_path, SQLITE_CACHE_MB=0)
