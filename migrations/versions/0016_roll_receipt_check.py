"""roll receipt check: a keyed hash of the voter's receipt code, so only its own voter can revote with it

Revision ID: 0016_roll_receipt_check
Revises: 0015_ballot_parts
Create Date: 2026-11-27 11:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_roll_receipt_check'
down_revision = '0015_ballot_parts'
branch_labels = None
depends_on = None


def upgrade():
    # Votes cast before this have none: their receipts revote as before.
    with op.batch_alter_table('voter_roll', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_check', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('voter_roll', schema=None) as batch_op:
        batch_op.drop_column('receipt_check')
