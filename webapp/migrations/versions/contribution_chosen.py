"""What a contribution's answers chose from the task's own data (e.g. the actions a review
closed), kept with the answers

Revision ID: contribution_chosen
Revises: i18n_user_language
Create Date: 2026-12-03 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'contribution_chosen'
down_revision = 'i18n_user_language'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('contribution', sa.Column(
        'chosen', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
        nullable=True))


def downgrade():
    op.drop_column('contribution', 'chosen')
