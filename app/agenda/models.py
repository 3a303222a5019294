"""Agenda items (의제), their supports, followers, stage moves and attachments."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agenda.stages import STAGES, Stage
from app.auth.models import User
from app.bodies.models import Body
from app.cycles.models import PlanCycle
from app.extensions import db
from app.utils import now

ANSWER_LABELS = {"accepted": "수용", "partly": "일부 수용", "not_feasible": "수용 곤란"}


class AgendaItem(db.Model):
    """A local agenda item proposed by a resident, climbing the hierarchy."""

    __tablename__ = "agenda_item"
    __table_args__ = (
        Index("ix_agenda_item_cycle_stage", "cycle_id", "stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("plan_cycle.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    field: Mapped[str] = mapped_column(String(40), index=True)
    dong: Mapped[str | None] = mapped_column(String(40), index=True)  # None: district-wide
    problem: Mapped[str] = mapped_column(Text, default="")
    solution: Mapped[str] = mapped_column(Text, default="")
    effect: Mapped[str] = mapped_column(Text, default="")
    cost: Mapped[int | None]  # estimated, in won
    proposer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    stage: Mapped[str] = mapped_column(String(24), default="draft", index=True)
    held_stage: Mapped[str | None] = mapped_column(String(24))  # where an on-hold item resumes
    body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"), index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id"))
    support_count: Mapped[int] = mapped_column(default=0, index=True)
    comment_count: Mapped[int] = mapped_column(default=0)
    department: Mapped[str | None] = mapped_column(String(80))
    answer_status: Mapped[str | None] = mapped_column(String(16))
    answer_text: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    client_token: Mapped[str | None] = mapped_column(String(64), unique=True)  # one item per submitted form
    created_at: Mapped[datetime] = mapped_column(default=now, index=True)
    submitted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=now)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    cycle: Mapped[PlanCycle] = relationship()
    proposer: Mapped[User] = relationship()
    body: Mapped[Body | None] = relationship()
    merged_into: Mapped["AgendaItem | None"] = relationship(remote_side=[id])
    moves: Mapped[list["StageMove"]] = relationship(back_populates="item", order_by="StageMove.id",
                                                    cascade="all, delete-orphan")
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="item", order_by="Attachment.id",
                                                           cascade="all, delete-orphan")

    @property
    def stage_obj(self) -> Stage:
        return STAGES[self.stage]

    @property
    def answer_label(self) -> str | None:
        from flask_babel import gettext

        return gettext(ANSWER_LABELS[self.answer_status]) if self.answer_status else None


class Support(db.Model):
    """공감: one per verified user and item."""

    __tablename__ = "agenda_support"
    __table_args__ = (UniqueConstraint("item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)


class Follow(db.Model):
    """A user who wants to hear about an item."""

    __tablename__ = "agenda_follow"
    __table_args__ = (UniqueConstraint("item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)


class StageMove(db.Model):
    """One step on an item's public timeline: who moved it where, how, why and when."""

    __tablename__ = "agenda_stage_move"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(24))
    to_stage: Mapped[str] = mapped_column(String(24))
    body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decision_type: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text, default="")
    minutes_ref: Mapped[str | None] = mapped_column(String(300))
    vote_round_id: Mapped[int | None] = mapped_column(ForeignKey("vote_round.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    item: Mapped[AgendaItem] = relationship(back_populates="moves")
    body: Mapped[Body | None] = relationship()
    actor: Mapped[User | None] = relationship()


class Attachment(db.Model):
    """An image or PDF attached to an item, stored outside the web root."""

    __tablename__ = "agenda_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    item: Mapped[AgendaItem] = relationship(back_populates="attachments")
