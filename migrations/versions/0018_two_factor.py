"""two factor: an authenticator app's secret per account and its one-time recovery codes

Revision ID: 0018_two_factor
Revises: 0017_session_revocation
Create Date: 2026-12-02 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_two_factor'
down_revision = '0017_session_revocation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'two_factor',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('secret', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(), nullable=True),
        sa.Column('last_timestep', sa.Integer(), nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_two_factor_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_two_factor')),
    )
    op.create_table(
        'two_factor_recovery_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_two_factor_recovery_code_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_two_factor_recovery_code')),
    )
    with op.batch_alter_table('two_factor_recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_two_factor_recovery_code_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('two_factor_recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_two_factor_recovery_code_user_id'))
    op.drop_table('two_factor_recovery_code')
    op.drop_table('two_factor')
