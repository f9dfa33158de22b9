"""Task rows carry their case's code, so an inbox sorted by case reads an index

Revision ID: 5b2d7e9a41c3
Revises: c16bb68f29f2
Create Date: 2026-12-01 23:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b2d7e9a41c3'
down_revision = 'c16bb68f29f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_code', sa.String(length=20), server_default='', nullable=False))
    op.execute('UPDATE task SET case_code = (SELECT "case".code FROM "case" WHERE "case".id = task.case_id)')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index('ix_task_inbox_case', ['lane', 'organisation_id', 'case_code', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_inbox_case')
        batch_op.drop_column('case_code')
