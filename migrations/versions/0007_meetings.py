"""body meetings: roll call, agenda, decisions, minutes (placeholder, filled by the meetings work)

Revision ID: 0007_meetings
Revises: 0006_events
Create Date: 2026-11-25 04:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_meetings'
down_revision = '0006_events'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
