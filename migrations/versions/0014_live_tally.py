"""live tally: the running count shown while a round is open, taken per batch of ballots

Revision ID: 0014_live_tally
Revises: 0013_round_cycle
Create Date: 2026-11-27 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_live_tally'
down_revision = '0013_round_cycle'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('live_tally',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('ballots_seen', sa.Integer(), nullable=False),
    sa.Column('ballot_count', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('taken_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['vote_round.id'], name=op.f('fk_live_tally_round_id_vote_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', name=op.f('pk_live_tally'))
    )


def downgrade():
    op.drop_table('live_tally')
