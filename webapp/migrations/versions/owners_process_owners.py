"""Process owners: tasks for one person (lane_owners) and several rows per task, inbox indexes
with the assignee, republishing older content, the trial's log, saved scenarios, the process
"Register a case" starts

Revision ID: owners_process_owners
Revises: c646802c7a5b
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import webapp.models.types
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'owners_process_owners'
down_revision = 'c646802c7a5b'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
INBOX = {
    'ix_task_inbox': ['due_at', 'created_at', 'id'],
    'ix_task_inbox_waiting': ['created_at', 'id'],
    'ix_task_inbox_title': ['title', 'due_at', 'id'],
    'ix_task_inbox_step': ['spec_name', 'title', 'due_at', 'created_at', 'id'],
    'ix_task_inbox_case': ['case_code', 'id'],
}
CLAIMED = ['due_at', 'created_at', 'id']


def upgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_task_assignee_id_user'), 'user', ['assignee_id'], ['id'])
        batch_op.drop_constraint(batch_op.f('uq_task_case_id'), type_='unique')
        for name, columns in INBOX.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, ['lane', 'organisation_id', 'assignee_id', *columns], unique=False)
        batch_op.drop_index('ix_task_claimed')
        batch_op.create_index('ix_task_claimed', ['claimed_by_id', 'lane', 'organisation_id', 'assignee_id', *CLAIMED], unique=False)

    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_process_version_bundle_hash'), type_='unique')
        batch_op.create_index(batch_op.f('ix_process_version_bundle_hash'), ['bundle_hash'], unique=False)

    with op.batch_alter_table('process_draft', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trial_log', JSON, nullable=True))

    op.create_table('process_scenario',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('steps', JSON, nullable=False),
    sa.Column('path', JSON, nullable=False),
    sa.Column('ending', JSON, nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', webapp.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_result', JSON, nullable=True),
    sa.Column('last_hash', sa.String(length=64), nullable=True),
    sa.Column('last_run_at', webapp.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_process_scenario_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_scenario')),
    sa.UniqueConstraint('process_id', 'name', name=op.f('uq_process_scenario_process_id'))
    )
    with op.batch_alter_table('process_scenario', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_scenario_process_id'), ['process_id'], unique=False)

    op.create_table('workbench_setting',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', webapp.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_workbench_setting_updated_by_id_user')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_workbench_setting'))
    )


def downgrade():
    op.drop_table('workbench_setting')
    with op.batch_alter_table('process_scenario', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_scenario_process_id'))
    op.drop_table('process_scenario')

    with op.batch_alter_table('process_draft', schema=None) as batch_op:
        batch_op.drop_column('trial_log')

    with op.batch_alter_table('process_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_version_bundle_hash'))
        batch_op.create_unique_constraint(batch_op.f('uq_process_version_bundle_hash'), ['bundle_hash'])

    # A task for several owners has several rows: keep one per task before the old constraint.
    op.execute('DELETE FROM task WHERE id NOT IN (SELECT min(id) FROM task GROUP BY case_id, spiff_task_id)')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_claimed')
        batch_op.create_index('ix_task_claimed', ['claimed_by_id', 'lane', 'organisation_id', *CLAIMED], unique=False)
        for name, columns in INBOX.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, ['lane', 'organisation_id', *columns], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_task_case_id'), ['case_id', 'spiff_task_id'])
        batch_op.drop_constraint(batch_op.f('fk_task_assignee_id_user'), type_='foreignkey')
        batch_op.drop_column('assignee_id')
