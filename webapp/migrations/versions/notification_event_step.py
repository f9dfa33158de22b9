"""The step a notification event names when its task row is gone (a withdrawn task)

Revision ID: notification_event_step
Revises: contribution_chosen
Create Date: 2026-12-04 03:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'notification_event_step'
down_revision = 'contribution_chosen'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('notification_event', sa.Column('step', sa.String(length=300),
                                                  server_default='', nullable=False))


def downgrade():
    op.drop_column('notification_event', 'step')
