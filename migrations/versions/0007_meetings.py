"""body meetings (roll call, agenda, decisions, minutes) and the live console's state

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
    op.create_table('body_meeting',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('quorum_rule', sa.String(length=24), nullable=False),
    sa.Column('client_token', sa.String(length=64), nullable=True),
    sa.Column('roll_call_at', sa.DateTime(), nullable=True),
    sa.Column('roll_call_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_body_meeting_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['roll_call_by_id'], ['user.id'], name=op.f('fk_body_meeting_roll_call_by_id_user')),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_body_meeting')),
    sa.UniqueConstraint('client_token', name=op.f('uq_body_meeting_client_token'))
    )
    op.create_table('meeting_agenda_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['user.id'], name=op.f('fk_meeting_agenda_item_added_by_id_user')),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], name=op.f('fk_meeting_agenda_item_agenda_item_id_agenda_item')),
    sa.ForeignKeyConstraint(['event_id'], ['body_meeting.event_id'], name=op.f('fk_meeting_agenda_item_event_id_body_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_agenda_item')),
    sa.UniqueConstraint('event_id', 'agenda_item_id', name=op.f('uq_meeting_agenda_item_event_id_agenda_item_id'))
    )
    with op.batch_alter_table('meeting_agenda_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_agenda_item_agenda_item_id'), ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_agenda_item_event_id'), ['event_id'], unique=False)

    op.create_table('meeting_roll_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('chair', 'co_chair', 'secretary', 'member', 'ex_officio', 'observer', name='memberrole', native_enum=False, length=24), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['body_meeting.event_id'], name=op.f('fk_meeting_roll_call_event_id_body_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_meeting_roll_call_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_meeting_roll_call_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_roll_call')),
    sa.UniqueConstraint('event_id', 'user_id', name=op.f('uq_meeting_roll_call_event_id_user_id'))
    )
    with op.batch_alter_table('meeting_roll_call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_roll_call_event_id'), ['event_id'], unique=False)

    op.create_table('meeting_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('from_stage', sa.String(length=24), nullable=True),
    sa.Column('to_stage', sa.String(length=24), nullable=True),
    sa.Column('vote_round_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('present_count', sa.Integer(), nullable=False),
    sa.Column('member_count', sa.Integer(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], name=op.f('fk_meeting_decision_agenda_item_id_agenda_item')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_meeting_decision_decided_by_id_user')),
    sa.ForeignKeyConstraint(['event_id'], ['body_meeting.event_id'], name=op.f('fk_meeting_decision_event_id_body_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vote_round_id'], ['vote_round.id'], name=op.f('fk_meeting_decision_vote_round_id_vote_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_decision')),
    sa.UniqueConstraint('event_id', 'agenda_item_id', name=op.f('uq_meeting_decision_event_id_agenda_item_id'))
    )
    with op.batch_alter_table('meeting_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_decision_agenda_item_id'), ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_decision_event_id'), ['event_id'], unique=False)

    op.create_table('meeting_minutes',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', name='minutesstatus', native_enum=False, length=24), nullable=False),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['body_meeting.event_id'], name=op.f('fk_meeting_minutes_event_id_body_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], name=op.f('fk_meeting_minutes_published_by_id_user')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_meeting_minutes_updated_by_id_user')),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_meeting_minutes'))
    )
    op.create_table('meeting_minutes_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('text_md', sa.Text(), nullable=False),
    sa.Column('text_html', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_meeting_minutes_correction_created_by_id_user')),
    sa.ForeignKeyConstraint(['event_id'], ['meeting_minutes.event_id'], name=op.f('fk_meeting_minutes_correction_event_id_meeting_minutes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_minutes_correction'))
    )
    with op.batch_alter_table('meeting_minutes_correction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_minutes_correction_event_id'), ['event_id'], unique=False)

    op.create_table('event_live_state',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('segment_title', sa.String(length=200), nullable=False),
    sa.Column('segment_text', sa.Text(), nullable=False),
    sa.Column('segment_set_at', sa.DateTime(), nullable=True),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_live_state_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['vote_round.id'], name=op.f('fk_event_live_state_round_id_vote_round'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_event_live_state_updated_by_id_user')),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_event_live_state'))
    )
    op.create_table('event_announcement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('client_token', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_event_announcement_created_by_id_user')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_announcement_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_announcement')),
    sa.UniqueConstraint('client_token', name=op.f('uq_event_announcement_client_token'))
    )
    with op.batch_alter_table('event_announcement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_announcement_event_id'), ['event_id'], unique=False)


def downgrade():
    with op.batch_alter_table('event_announcement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_announcement_event_id'))
    op.drop_table('event_announcement')
    op.drop_table('event_live_state')
    with op.batch_alter_table('meeting_minutes_correction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_minutes_correction_event_id'))
    op.drop_table('meeting_minutes_correction')
    op.drop_table('meeting_minutes')
    with op.batch_alter_table('meeting_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_decision_event_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_decision_agenda_item_id'))
    op.drop_table('meeting_decision')
    with op.batch_alter_table('meeting_roll_call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_roll_call_event_id'))
    op.drop_table('meeting_roll_call')
    with op.batch_alter_table('meeting_agenda_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_agenda_item_event_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_agenda_item_agenda_item_id'))
    op.drop_table('meeting_agenda_item')
    op.drop_table('body_meeting')
