"""ballot parts: a score ballot is stored as a sheet and one row per scored option

Revision ID: 0015_ballot_parts
Revises: 0014_live_tally
Create Date: 2026-11-27 10:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_ballot_parts'
down_revision = '0014_live_tally'
branch_labels = None
depends_on = None


def upgrade():
    # Ballots already cast stay whole sheets (part false); the tally and the receipt check read both forms.
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('part', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.drop_column('part')
