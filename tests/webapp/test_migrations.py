"""The migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from webapp.extensions import db


def test_migrations_match_the_models(app):
    db.drop_all()
    upgrade(directory=app.root_path + "/migrations")
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_the_evaluation_history_is_backfilled_from_what_was_recorded(app):
    """Upgrading a database with cases writes their registration, completed steps (with the
    decision taken) and outcome into the case history."""
    from flask_migrate import downgrade
    from sqlalchemy import select

    from webapp.models import CaseEvent
    from webapp.services import accounts, bundles
    from webapp.services.audit import Actor

    from ..conftest import PASSWORD, ROOT
    from .helpers import complete, example, register

    db.drop_all()
    directory = app.root_path + "/migrations"
    upgrade(directory=directory)
    system = Actor.system()
    accounts.create_organisation(system, "municipality", "Municipality")
    accounts.create_user(system, "coordinator", "C", PASSWORD, [("municipality", "coordinator")])
    bundles.deploy_bundle(system, ROOT)
    db.session.commit()
    register()
    complete("coordinator", "register_signal", example("register-signal"))
    complete("coordinator", "confirm_intake_decision",
             example("intake-decision", intake_decision="out_of_scope"))
    written = sorted(db.session.execute(select(CaseEvent.kind, CaseEvent.element,
                                               CaseEvent.value)
                                        .where(CaseEvent.kind.in_(("open", "done", "outcome")))))
    db.session.commit()
    db.session.remove()
    downgrade(directory=directory, revision="d15c105e0a77")
    upgrade(directory=directory)
    backfilled = sorted(db.session.execute(select(CaseEvent.kind, CaseEvent.element,
                                                  CaseEvent.value)))
    assert backfilled == written
    assert ("done", "confirm_intake_decision", "out_of_scope") in backfilled
