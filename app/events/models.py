"""Events (행사·회의), registrations and attendance.

Attendance rows are the one source of participation statistics: a person
checked in on site, a walk-in, a registrant who joined the live room, or a
member present at a body meeting's roll call.
"""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.bodies.models import Body
from app.columns import enum_column
from app.cycles.models import PlanCycle
from app.extensions import db
from app.utils import now


class EventKind(enum.Enum):
    TOWN_HALL = "town_hall"
    OPEN_FORUM = "open_forum"
    DEBATE = "debate"
    TRAINING = "training"
    BODY_MEETING = "body_meeting"

    @property
    def label(self) -> str:
        return str(EVENT_KIND_LABELS[self])


EVENT_KIND_LABELS = {
    EventKind.TOWN_HALL: _l("타운홀미팅"),
    EventKind.OPEN_FORUM: _l("열린공론장"),
    EventKind.DEBATE: _l("토론회"),
    EventKind.TRAINING: _l("교육·설명회"),
    EventKind.BODY_MEETING: _l("기구 회의"),
}


class Audience(enum.Enum):
    PUBLIC = "public"
    VERIFIED_RESIDENTS = "verified_residents"
    BODY_MEMBERS = "body_members"  # members of the host body

    @property
    def label(self) -> str:
        return str(AUDIENCE_LABELS[self])


AUDIENCE_LABELS = {
    Audience.PUBLIC: _l("누구나"),
    Audience.VERIFIED_RESIDENTS: _l("인증한 구민"),
    Audience.BODY_MEMBERS: _l("주관 기구 위원"),
}


class EventStatus(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(EVENT_STATUS_LABELS[self])


EVENT_STATUS_LABELS = {
    EventStatus.DRAFT: _l("준비 중"),
    EventStatus.PUBLISHED: _l("공개"),
    EventStatus.CANCELLED: _l("취소됨"),
}


class RegistrationStatus(enum.Enum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(REGISTRATION_STATUS_LABELS[self])


REGISTRATION_STATUS_LABELS = {
    RegistrationStatus.CONFIRMED: _l("참가 확정"),
    RegistrationStatus.WAITLISTED: _l("대기"),
    RegistrationStatus.CANCELLED: _l("취소"),
}


class AttendanceMode(enum.Enum):
    ON_SITE = "on_site"
    ONLINE = "online"

    @property
    def label(self) -> str:
        return str(ATTENDANCE_MODE_LABELS[self])


ATTENDANCE_MODE_LABELS = {
    AttendanceMode.ON_SITE: _l("현장"),
    AttendanceMode.ONLINE: _l("온라인"),
}


class Event(db.Model):
    """A dated gathering hosted by a body: a town hall, forum, debate, training or body meeting."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_kind_starts", "kind", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind))
    status: Mapped[EventStatus] = mapped_column(enum_column(EventStatus), default=EventStatus.DRAFT, index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"), index=True)  # the host body
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("plan_cycle.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)  # naive UTC
    ends_at: Mapped[datetime]
    venue: Mapped[str] = mapped_column(String(200), default="")
    map_url: Mapped[str | None] = mapped_column(String(500))
    online: Mapped[bool] = mapped_column(default=False)  # a live room in the platform
    stream_url: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int | None]  # None: no limit
    registration_opens_at: Mapped[datetime | None]
    registration_closes_at: Mapped[datetime | None]
    audience: Mapped[Audience] = mapped_column(enum_column(Audience), default=Audience.PUBLIC)
    qa_open: Mapped[bool] = mapped_column(default=False)  # the live Q&A takes questions (set from the console)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    published_at: Mapped[datetime | None]
    # When the guests' names and contacts were erased (privacy; counts stay).
    guest_data_purged_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    body: Mapped[Body | None] = relationship()
    cycle: Mapped[PlanCycle | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    questions: Mapped[list["EventQuestion"]] = relationship(
        back_populates="event", order_by="EventQuestion.position", cascade="all, delete-orphan"
    )

    @property
    def is_meeting(self) -> bool:
        return self.kind is EventKind.BODY_MEETING

    @property
    def is_published(self) -> bool:
        return self.status is EventStatus.PUBLISHED

    @property
    def is_cancelled(self) -> bool:
        return self.status is EventStatus.CANCELLED


class EventQuestion(db.Model):
    """A custom question asked at registration (up to five per event)."""

    __tablename__ = "event_question"
    __table_args__ = (UniqueConstraint("event_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    prompt: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(default=False)
    # Whether answers may go into the registrant export (only for registrants who agreed).
    exportable: Mapped[bool] = mapped_column(default=False)

    event: Mapped[Event] = relationship(back_populates="questions")


class Registration(db.Model):
    """One person's place at an event: confirmed, waitlisted (in arrival order) or cancelled."""

    __tablename__ = "event_registration"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        # One registration per guest and event, by e-mail or by phone (normalised).
        UniqueConstraint("event_id", "guest_email"),
        UniqueConstraint("event_id", "guest_phone"),
        Index("ix_event_registration_event_status", "event_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)  # arrival order
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: a guest
    status: Mapped[RegistrationStatus] = mapped_column(enum_column(RegistrationStatus))
    code: Mapped[str] = mapped_column(String(16), unique=True)  # shown as text and QR, typed at check-in
    created_at: Mapped[datetime] = mapped_column(default=now)
    cancelled_at: Mapped[datetime | None]
    # A guest (no account): name and one confirmed contact; erased some days after the event.
    guest_name: Mapped[str | None] = mapped_column(String(80))
    guest_email: Mapped[str | None] = mapped_column(String(254))
    guest_phone: Mapped[str | None] = mapped_column(String(20))
    # Accessibility needs; staff see them only as totals.
    needs_sign_language: Mapped[bool] = mapped_column(default=False)
    needs_wheelchair: Mapped[bool] = mapped_column(default=False)
    needs_childcare: Mapped[bool] = mapped_column(default=False)
    # What the registrant agreed may go into the staff's registrant export.
    share_contact: Mapped[bool] = mapped_column(default=False)
    share_answers: Mapped[bool] = mapped_column(default=False)
    promoted_at: Mapped[datetime | None]  # moved from the waitlist to a seat
    reminded_day_at: Mapped[datetime | None]  # the reminder one day before went out
    reminded_hour_at: Mapped[datetime | None]  # the reminder one hour before went out

    event: Mapped[Event] = relationship()
    user: Mapped[User | None] = relationship()
    answers: Mapped[list["RegistrationAnswer"]] = relationship(
        back_populates="registration", cascade="all, delete-orphan"
    )

    @property
    def is_guest(self) -> bool:
        return self.user_id is None

    @property
    def display_code(self) -> str:
        return f"{self.code[:4]}-{self.code[4:]}" if len(self.code) == 8 else self.code

    @property
    def masked_code(self) -> str:
        """The code as staff lists show it: its last two characters only.

        The code opens and cancels the ticket (a guest's only key to it), so no page but the holder's own
        ticket and mails shows it whole; the tail is enough to find a row when someone calls.
        """
        return "••••-••" + self.code[-2:]

    @property
    def person_name(self) -> str:
        if self.user is not None:
            return self.user.public_name
        return self.guest_name or ""


class RegistrationAnswer(db.Model):
    """A registrant's answer to one of the event's questions."""

    __tablename__ = "event_registration_answer"
    __table_args__ = (UniqueConstraint("registration_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("event_registration.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("event_question.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(Text, default="")

    registration: Mapped[Registration] = relationship(back_populates="answers")
    question: Mapped[EventQuestion] = relationship()


class GuestClaim(db.Model):
    """A guest's registration waiting for the code sent to their e-mail or phone."""

    __tablename__ = "event_guest_claim"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)  # in the confirmation page's address
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSON, default=dict)  # answers, needs, consents
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("event_registration.id", ondelete="SET NULL"))

    event: Mapped[Event] = relationship()


class SmsMessage(db.Model):
    """One text message, queued or sent (an outbox like the mail outbox; no gateway yet: it is logged)."""

    __tablename__ = "sms_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=now, index=True)
    recipient: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)


class Attendance(db.Model):
    """Someone who was there: on site (checked in, walk-in, roll call) or online (joined the live room)."""

    __tablename__ = "event_attendance"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        UniqueConstraint("event_id", "registration_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("event_registration.id"))
    walk_in_name: Mapped[str | None] = mapped_column(String(80))  # a walk-in without an account
    mode: Mapped[AttendanceMode] = mapped_column(enum_column(AttendanceMode))
    checked_in_at: Mapped[datetime] = mapped_column(default=now)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    event: Mapped[Event] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    registration: Mapped[Registration | None] = relationship()
