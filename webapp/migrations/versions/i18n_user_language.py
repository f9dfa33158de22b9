"""A user's chosen language, and organisation names in other languages

Revision ID: i18n_user_language
Revises: a7c3e14d9b20
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'i18n_user_language'
down_revision = 'a7c3e14d9b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=10), nullable=True))
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'names', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
            nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+ has it): a batch copy of `organisation` would drop the
    # table that users, tasks and shares point at, which SQLite refuses with foreign keys on.
    op.drop_column('organisation', 'names')
    op.drop_column('user', 'language')
