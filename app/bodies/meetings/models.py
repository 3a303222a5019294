"""What a body meeting adds to its event: quorum rule, roll call, agenda, decisions, minutes."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agenda.models import AgendaItem
from app.auth.models import User
from app.bodies.models import MemberRole
from app.columns import enum_column
from app.events.models import Event
from app.extensions import db
from app.utils import now
from app.voting.models import VoteRound


class BodyMeeting(db.Model):
    """회의: the quorum rule and the roll call of one body meeting (its date and place are on the event)."""

    __tablename__ = "body_meeting"

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    quorum_rule: Mapped[str] = mapped_column(String(24), default="majority")
    client_token: Mapped[str | None] = mapped_column(String(64), unique=True)  # one meeting per submitted form
    roll_call_at: Mapped[datetime | None]
    roll_call_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    event: Mapped[Event] = relationship()
    roll_call_by: Mapped[User | None] = relationship()
    agenda: Mapped[list["MeetingAgendaItem"]] = relationship(
        order_by="(MeetingAgendaItem.position, MeetingAgendaItem.id)", cascade="all, delete-orphan",
        back_populates="meeting")
    roll_call: Mapped[list["RollCallEntry"]] = relationship(
        order_by="RollCallEntry.id", cascade="all, delete-orphan", back_populates="meeting")
    decisions: Mapped[list["MeetingDecision"]] = relationship(
        order_by="MeetingDecision.id", cascade="all, delete-orphan", back_populates="meeting")

    @property
    def id(self) -> int:
        return self.event_id

    @property
    def body(self):
        return self.event.body

    @property
    def is_upcoming(self) -> bool:
        return self.event.starts_at > now()


class MeetingAgendaItem(db.Model):
    """An agenda item (의제) on a meeting's order of business (안건), in order."""

    __tablename__ = "meeting_agenda_item"
    __table_args__ = (UniqueConstraint("event_id", "agenda_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("body_meeting.event_id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    meeting: Mapped[BodyMeeting] = relationship(back_populates="agenda")
    item: Mapped[AgendaItem] = relationship()


class RollCallEntry(db.Model):
    """One current member at the roll call (출석 점검): present or absent, with the seat they hold."""

    __tablename__ = "meeting_roll_call"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("body_meeting.event_id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    role: Mapped[MemberRole] = mapped_column(enum_column(MemberRole))
    present: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[datetime] = mapped_column(default=now)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    meeting: Mapped[BodyMeeting] = relationship(back_populates="roll_call")
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class MeetingDecision(db.Model):
    """What the meeting decided on one agenda item: who, when, with how many present, and the outcome."""

    __tablename__ = "meeting_decision"
    __table_args__ = (UniqueConstraint("event_id", "agenda_item_id"),)  # one decision per item and meeting

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("body_meeting.event_id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # a key of app.bodies.meetings.outcomes.OUTCOMES
    from_stage: Mapped[str | None] = mapped_column(String(24))
    to_stage: Mapped[str | None] = mapped_column(String(24))
    vote_round_id: Mapped[int | None] = mapped_column(ForeignKey("vote_round.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    present_count: Mapped[int] = mapped_column(default=0)
    member_count: Mapped[int] = mapped_column(default=0)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(default=now)

    meeting: Mapped[BodyMeeting] = relationship(back_populates="decisions")
    item: Mapped[AgendaItem] = relationship()
    vote_round: Mapped[VoteRound | None] = relationship()
    decided_by: Mapped[User | None] = relationship()


class MinutesStatus(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return str(MINUTES_STATUS_LABELS[self])


MINUTES_STATUS_LABELS = {MinutesStatus.DRAFT: _l("작성 중"), MinutesStatus.PUBLISHED: _l("공개")}


class Minutes(db.Model):
    """회의록: markdown written by the body's officers; locked once published (corrections are appended)."""

    __tablename__ = "meeting_minutes"

    event_id: Mapped[int] = mapped_column(ForeignKey("body_meeting.event_id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[MinutesStatus] = mapped_column(enum_column(MinutesStatus), default=MinutesStatus.DRAFT)
    body_md: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")  # sanitized rendering of body_md
    updated_at: Mapped[datetime] = mapped_column(default=now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    meeting: Mapped[BodyMeeting] = relationship()
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    corrections: Mapped[list["MinutesCorrection"]] = relationship(
        order_by="MinutesCorrection.id", cascade="all, delete-orphan", back_populates="minutes")

    @property
    def is_published(self) -> bool:
        return self.status is MinutesStatus.PUBLISHED


class MinutesCorrection(db.Model):
    """정정: a dated, signed correction appended to published minutes (the published text never changes)."""

    __tablename__ = "meeting_minutes_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("meeting_minutes.event_id", ondelete="CASCADE"), index=True)
    text_md: Mapped[str] = mapped_column(Text)
    text_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    minutes: Mapped[Minutes] = relationship(back_populates="corrections")
    created_by: Mapped[User | None] = relationship()
