"""What the live console persists: the segment on stage, the vote on screen, and announcements.

The live page and the projector read these on load, and a client that
reconnects is sent them again: the database holds the state, messages only
announce it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.events.models import Event
from app.extensions import db
from app.utils import now
from app.voting.models import VoteRound


class LiveState(db.Model):
    """One row per live event: the current segment (title and text) and the vote shown; ``seq`` orders pushes."""

    __tablename__ = "event_live_state"

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    segment_title: Mapped[str] = mapped_column(String(200), default="")
    segment_text: Mapped[str] = mapped_column(Text, default="")
    segment_set_at: Mapped[datetime | None]
    round_id: Mapped[int | None] = mapped_column(ForeignKey("vote_round.id", ondelete="SET NULL"))  # the vote on screen
    seq: Mapped[int] = mapped_column(default=0)  # grows with every change; clients drop older snapshots
    updated_at: Mapped[datetime] = mapped_column(default=now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    event: Mapped[Event] = relationship()
    round: Mapped[VoteRound | None] = relationship()
    updated_by: Mapped[User | None] = relationship()


class Announcement(db.Model):
    """A short notice posted from the console to everyone following the event (공지)."""

    __tablename__ = "event_announcement"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    client_token: Mapped[str | None] = mapped_column(String(64), unique=True)  # one notice per submitted form
    created_at: Mapped[datetime] = mapped_column(default=now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    event: Mapped[Event] = relationship()
    created_by: Mapped[User | None] = relationship()
