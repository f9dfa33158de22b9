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


def test_upgrading_from_the_first_release_keeps_drafts_and_memberships(app):
    """A deployment of the first release upgrades to this one without losing what points at
    the tables the upgrade rebuilds (on SQLite, Alembic copies a table and drops the old one:
    with foreign keys enforced, that drop would take every draft and membership with it)."""
    from flask_migrate import downgrade
    from sqlalchemy import func, select

    from webapp.models import Membership, Task, TaskDraft
    from webapp.services import accounts, bundles, drafts
    from webapp.services.audit import Actor

    from ..conftest import PASSWORD, ROOT
    from .helpers import complete, example, register

    db.drop_all()
    directory = app.root_path + "/migrations"
    upgrade(directory=directory)
    system = Actor.system()
    accounts.create_organisation(system, "municipality", "Municipality")
    coordinator = accounts.create_user(system, "coordinator", "C", PASSWORD,
                                       [("municipality", "coordinator")])
    bundles.deploy_bundle(system, ROOT)
    db.session.commit()
    register()
    complete("coordinator", "register_signal", example("register-signal"))
    task_id = db.session.scalar(select(Task.id).where(Task.spec_name == "confirm_intake_decision"))
    drafts.save_draft(Actor(user=coordinator), task_id, {"rationale": "half written"})
    db.session.commit()
    db.session.remove()

    downgrade(directory=directory, revision="5b2d7e9a41c3")  # the first release's schema
    upgrade(directory=directory)

    assert db.session.scalar(select(func.count()).select_from(Membership)) == 1
    draft = db.session.scalar(select(TaskDraft).where(TaskDraft.task_id == task_id))
    assert draft is not None and draft.data == {"rationale": "half written"}
