"""Urgent cases first, what a task asks, reminders, four eyes in the inbox, person search

Cases say whether they are urgent, and their task rows carry a priority (0 urgent, 1 not)
that the inbox indexes read right after the lane, so urgent tasks come first. Task rows carry what they ask (summary), when a
reminder was last sent and who may not complete them (four eyes). A new index reads the
partner lanes across organisations for the coordinator's overview; the person's date of
birth is indexed for the search and the check for an earlier case of the same person.

Revision ID: coordinate_urgency_overview
Revises: owners_process_owners
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'coordinate_urgency_overview'
down_revision = 'owners_process_owners'
branch_labels = None
depends_on = None

OLD_INDEXES = {  # as owners_process_owners left them
    'ix_task_inbox': ['lane', 'organisation_id', 'assignee_id', 'due_at', 'created_at', 'id'],
    'ix_task_inbox_waiting': ['lane', 'organisation_id', 'assignee_id', 'created_at', 'id'],
    'ix_task_inbox_title': ['lane', 'organisation_id', 'assignee_id', 'title', 'due_at', 'id'],
    'ix_task_inbox_step': ['lane', 'organisation_id', 'assignee_id', 'spec_name', 'title',
                           'due_at', 'created_at', 'id'],
    'ix_task_inbox_case': ['lane', 'organisation_id', 'assignee_id', 'case_code', 'id'],
    'ix_task_claimed': ['claimed_by_id', 'lane', 'organisation_id', 'assignee_id', 'due_at',
                        'created_at', 'id'],
}
NEW_INDEXES = {
    'ix_task_inbox': ['lane', 'organisation_id', 'assignee_id', 'priority', 'due_at',
                      'created_at', 'id'],
    'ix_task_inbox_waiting': ['lane', 'organisation_id', 'assignee_id', 'priority',
                              'created_at', 'id'],
    'ix_task_inbox_title': ['lane', 'organisation_id', 'assignee_id', 'priority', 'title',
                            'due_at', 'id'],
    'ix_task_inbox_step': ['lane', 'organisation_id', 'assignee_id', 'spec_name', 'title',
                           'priority', 'due_at', 'created_at', 'id'],
    'ix_task_inbox_case': ['lane', 'organisation_id', 'assignee_id', 'priority', 'case_code',
                           'id'],
    'ix_task_claimed': ['claimed_by_id', 'lane', 'organisation_id', 'assignee_id', 'priority',
                        'due_at', 'created_at', 'id'],
    'ix_task_overview': ['lane', 'priority', 'due_at', 'created_at', 'id'],
}


def upgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urgent', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('urgent_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('urgent_since', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('case_subject', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_subject_date_of_birth'), ['date_of_birth'], unique=False)
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('summary', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('four_eyes_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_task_four_eyes_user_id_user', 'user', ['four_eyes_user_id'], ['id'])
        for name in OLD_INDEXES:
            batch_op.drop_index(name)
        for name, columns in NEW_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        for name in NEW_INDEXES:
            batch_op.drop_index(name)
        batch_op.drop_constraint('fk_task_four_eyes_user_id_user', type_='foreignkey')
        batch_op.drop_column('four_eyes_user_id')
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('summary')
        batch_op.drop_column('priority')
        for name, columns in OLD_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table('case_subject', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_subject_date_of_birth'))
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('urgent_since')
        batch_op.drop_column('urgent_reason')
        batch_op.drop_column('urgent')
