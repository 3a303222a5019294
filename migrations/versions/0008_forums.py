"""forums: threads, posts, reactions, live Q&A, moderation (placeholder, filled by the forums work)

Revision ID: 0008_forums
Revises: 0007_meetings
Create Date: 2026-11-25 04:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_forums'
down_revision = '0007_meetings'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
