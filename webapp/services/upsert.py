"""INSERT ... ON CONFLICT for the database in use (SQLite and PostgreSQL both have it): one
statement where a read-then-insert would race with a colleague doing the same."""

from sqlalchemy.dialects import postgresql, sqlite

from webapp.extensions import db


def insert(model):
    """The dialect's insert() into ``model``'s table, which has ``on_conflict_do_update``
    (a Core statement: run it with plain parameters, it returns plain rows)."""
    dialect = db.session.get_bind().dialect.name
    table = getattr(model, "__table__", model)
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
