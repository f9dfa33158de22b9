"""E-mail notifications: the outbox of events, messages, each user's choices; users' addresses

Revision ID: c646802c7a5b
Revises: 5b2d7e9a41c3
Create Date: 2026-12-03 11:54:31.974619

"""
from alembic import op
import sqlalchemy as sa

import webapp.models.types
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'c646802c7a5b'
down_revision = '5b2d7e9a41c3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('case_code', sa.String(length=20), nullable=False),
    sa.Column('spiff_task_id', sa.String(length=36), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('dedup_key', sa.String(length=80), nullable=True),
    sa.Column('created_at', webapp.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', webapp.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_event')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_notification_event_dedup_key'))
    )
    with op.batch_alter_table('notification_event', schema=None) as batch_op:
        batch_op.create_index('ix_notification_event_pending', ['done_at', 'id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('case_code', sa.String(length=20), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('step', sa.String(length=300), nullable=False),
    sa.Column('due_at', webapp.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', webapp.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', webapp.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('next_attempt_at', webapp.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('sent_at', webapp.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('digest_id', sa.Integer(), nullable=True),
    sa.Column('digest_day', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['digest_id'], ['notification.id'], name=op.f('fk_notification_digest_id_notification'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('user_id', 'digest_day', name=op.f('uq_notification_user_id'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_digest_id'), ['digest_id'], unique=False)
        batch_op.create_index('ix_notification_queue', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_notification_user_status', ['user_id', 'status'], unique=False)

    op.create_table('notification_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('modes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('digest_hour', sa.Integer(), nullable=False),
    sa.Column('stopped_at', webapp.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', webapp.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_settings_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_settings'))
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))



def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('email')

    op.drop_table('notification_settings')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_status')
        batch_op.drop_index('ix_notification_queue')
        batch_op.drop_index(batch_op.f('ix_notification_digest_id'))

    op.drop_table('notification')
    with op.batch_alter_table('notification_event', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_event_pending')

    op.drop_table('notification_event')
