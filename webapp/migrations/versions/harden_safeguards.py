"""Hardening: the audit trail append-only in the database, login locks per account and address,
counted refusals, role grants confirmed by a second person, tasks that went unanswered

Revision ID: a7c3e14d9b20
Revises: 179471f6cbfb
Create Date: 2026-12-03 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import webapp.models.types


# revision identifiers, used by Alembic.
revision = 'a7c3e14d9b20'
down_revision = '179471f6cbfb'
branch_labels = None
depends_on = None

APPEND_ONLY = "The audit trail is append-only."
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
    for verb in ("UPDATE", "DELETE")
]
POSTGRES_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql "
    f"AS $$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
]


def upgrade():
    op.create_table('closed_task',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('spiff_task_id', sa.String(length=36), nullable=False),
    sa.Column('spec_name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('lane', sa.String(length=40), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('form', sa.String(length=200), nullable=True),
    sa.Column('closed_at', webapp.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_closed_task_case_id_case')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_closed_task_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_closed_task'))
    )
    with op.batch_alter_table('closed_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_closed_task_case_id'), ['case_id'], unique=False)

    op.create_table('login_lock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', webapp.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_login_lock_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_lock')),
    sa.UniqueConstraint('user_id', 'remote_addr', name=op.f('uq_login_lock_user_id'))
    )
    with op.batch_alter_table('login_lock', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_lock_user_id'), ['user_id'], unique=False)

    op.create_table('denial_tally',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=400), nullable=False),
    sa.Column('window_start', webapp.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_denial_tally')),
    sa.UniqueConstraint('key', 'window_start', name=op.f('uq_denial_tally_key'))
    )
    with op.batch_alter_table('denial_tally', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_denial_tally_window_start'), ['window_start'], unique=False)

    op.create_table('role_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', webapp.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', webapp.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_role_grant_decided_by_id_user')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_role_grant_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_role_grant_requested_by_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_role_grant_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_grant'))
    )
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_grant_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_grant_user_id'), ['user_id'], unique=False)

    # Native DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch rebuild of "user" would drop the
    # table every other table refers to, which fails (or cascades) on a database with rows.
    op.execute('ALTER TABLE "user" DROP COLUMN locked_until')
    op.execute('ALTER TABLE "user" DROP COLUMN failed_logins')

    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(dialect, []):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', webapp.models.types.UTCDateTime(timezone=True), nullable=True))
    op.drop_table('role_grant')
    op.drop_table('denial_tally')
    op.drop_table('login_lock')
    op.drop_table('closed_task')
