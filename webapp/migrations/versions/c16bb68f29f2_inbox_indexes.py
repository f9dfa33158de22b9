"""Inbox indexes: one per sort led by (lane, organisation_id), and the claimed tasks by lane

Revision ID: c16bb68f29f2
Revises: 0ac37327ac12
Create Date: 2026-12-01 21:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c16bb68f29f2'
down_revision = '0ac37327ac12'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_inbox')
        batch_op.create_index('ix_task_inbox', ['lane', 'organisation_id', 'due_at', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_task_inbox_waiting', ['lane', 'organisation_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_task_inbox_title', ['lane', 'organisation_id', 'title', 'due_at', 'id'], unique=False)
        batch_op.create_index('ix_task_inbox_step', ['lane', 'organisation_id', 'spec_name', 'title', 'due_at', 'created_at', 'id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_task_claimed_by_id'))
        batch_op.create_index('ix_task_claimed', ['claimed_by_id', 'lane', 'organisation_id', 'due_at', 'created_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_claimed')
        batch_op.create_index(batch_op.f('ix_task_claimed_by_id'), ['claimed_by_id'], unique=False)
        batch_op.drop_index('ix_task_inbox_step')
        batch_op.drop_index('ix_task_inbox_title')
        batch_op.drop_index('ix_task_inbox_waiting')
        batch_op.drop_index('ix_task_inbox')
        batch_op.create_index('ix_task_inbox', ['lane', 'organisation_id', 'due_at'], unique=False)
