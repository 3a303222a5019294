"""Vote rounds, their options, and the two separate halves of a secret vote.

Secrecy: :class:`VoterRoll` records *who* voted (one row per person and
round, enforced by a unique constraint) and :class:`Ballot` records *what*
was voted, with no voter id, a random primary key (so insertion order does
not line ballots up with the roll), a day-coarsened date and only the hash of
the receipt code. Nothing in the schema joins the two.
"""
from __future__ import annotations

import enum
import secrets
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.bodies.models import Body
from app.columns import enum_column
from app.events.models import Event
from app.extensions import db
from app.utils import now


class RoundStatus(enum.Enum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    TALLIED = "tallied"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return str(ROUND_STATUS_LABELS[self])


ROUND_STATUS_LABELS = {
    RoundStatus.DRAFT: _l("준비 중"),
    RoundStatus.SCHEDULED: _l("예정"),
    RoundStatus.OPEN: _l("투표 중"),
    RoundStatus.CLOSED: _l("마감"),
    RoundStatus.TALLIED: _l("집계 완료"),
    RoundStatus.PUBLISHED: _l("결과 공개됨"),
}

EDITABLE = (RoundStatus.DRAFT, RoundStatus.SCHEDULED)


def new_ballot_id() -> str:
    return secrets.token_hex(16)


class VoteRound(db.Model):
    """One vote: a method, who may vote, when, and on which options."""

    __tablename__ = "vote_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    method: Mapped[str] = mapped_column(String(32))
    eligibility: Mapped[str] = mapped_column(String(32))
    body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id"), index=True)  # a vote at a town hall
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("plan_cycle.id"), index=True)  # the plan year it serves
    status: Mapped[RoundStatus] = mapped_column(enum_column(RoundStatus), default=RoundStatus.DRAFT, index=True)
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    budget: Mapped[int | None]  # won, for budget votes
    min_picks: Mapped[int | None]
    max_picks: Mapped[int | None]
    seats: Mapped[int | None]  # how many options win (approval, score, ranked)
    min_age: Mapped[int | None]  # 만 나이 on the opening day, for resident votes
    tally_rule: Mapped[str] = mapped_column(String(16), default="greedy")
    allow_revote: Mapped[bool] = mapped_column(default=False)
    live_results: Mapped[bool] = mapped_column(default=False)
    frozen_rules: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    eligible_count: Mapped[int | None]
    tally_progress: Mapped[int] = mapped_column(default=0)
    pabulib_meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    # The form that created it (a console's "start the vote"): a double click or a retry makes one round.
    client_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    body: Mapped[Body | None] = relationship()
    event: Mapped[Event | None] = relationship()
    options: Mapped[list["VoteOption"]] = relationship(
        back_populates="round", order_by="(VoteOption.position, VoteOption.id)", cascade="all, delete-orphan"
    )
    criteria: Mapped[list["RubricCriterion"]] = relationship(
        back_populates="round", order_by="(RubricCriterion.position, RubricCriterion.id)",
        cascade="all, delete-orphan",
    )

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    def option_by_id(self, option_id: int) -> "VoteOption | None":
        return next((o for o in self.options if o.id == option_id), None)


class VoteOption(db.Model):
    """A choice in a round: usually a project (협치사업) with a cost in won."""

    __tablename__ = "vote_option"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("vote_round.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    cost: Mapped[int] = mapped_column(default=0)
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    external_id: Mapped[str | None] = mapped_column(String(64))  # pabulib project_id
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id"))  # the 의제 behind a project
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    round: Mapped[VoteRound] = relationship(back_populates="options")
    proposer: Mapped[User | None] = relationship()

    @property
    def key(self) -> str:
        """The id used in tallies and .pb files."""
        return self.external_id or str(self.id)


class RubricCriterion(db.Model):
    """A scoring criterion with its weight (score votes)."""

    __tablename__ = "rubric_criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("vote_round.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(100))
    weight: Mapped[int] = mapped_column(default=1)

    round: Mapped[VoteRound] = relationship(back_populates="criteria")


class Recusal(db.Model):
    """A member who may not score an option (they proposed it, or are conflicted)."""

    __tablename__ = "recusal"
    __table_args__ = (UniqueConstraint("option_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("vote_round.id", ondelete="CASCADE"), index=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("vote_option.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(String(200), default="")


class EligibleVoter(db.Model):
    """Who may vote, frozen when the round opens (for member votes)."""

    __tablename__ = "eligible_voter"

    round_id: Mapped[int] = mapped_column(ForeignKey("vote_round.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)


class VoterRoll(db.Model):
    """That a person voted in a round (never what). One row per person and round."""

    __tablename__ = "voter_roll"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("vote_round.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    source: Mapped[str] = mapped_column(String(10), default="online")
    voted_on: Mapped[date]
    # A keyed hash of the voter's receipt code (services.receipt_check), so that only the code's own
    # voter can revote with it. It cannot be matched to the ballot's plain hash of the same code
    # without the code itself, so the roll and the ballots stay unjoinable.
    receipt_check: Mapped[str | None] = mapped_column(String(64))


class Ballot(db.Model):
    """What was voted, with no voter id. ``content`` is method-specific JSON."""

    __tablename__ = "ballot"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_ballot_id)
    round_id: Mapped[int] = mapped_column(ForeignKey("vote_round.id", ondelete="CASCADE"), index=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(10), default="online")  # online | paper | import
    receipt_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    cast_on: Mapped[date]  # the day only: a time of day could line a ballot up with the roll
    superseded: Mapped[bool] = mapped_column(default=False)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # imported pabulib columns
    # False until the ballot box is shaken (services.mix_ballots): re-written in a shuffled batch, the row
    # no longer sits in the roll's order nor carries the transaction id of the voter's roll row.
    mixed: Mapped[bool] = mapped_column(default=False, index=True)
    # True for one option's scores cut from a score ballot (services.ballot_rows): the sheet itself is
    # the row with part False, so counts of ballots count those.
    part: Mapped[bool] = mapped_column(default=False)


class PaperBallot(db.Model):
    """A paper ballot typed in by one staff member, counted once a second one confirms it."""

    __tablename__ = "paper_ballot"
    __table_args__ = (UniqueConstraint("round_id", "ballot_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("vote_round.id", ondelete="CASCADE"), index=True)
    ballot_number: Mapped[str] = mapped_column(String(32))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)  # no voter: who voted on paper is marked on the roll apart
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    entered_at: Mapped[datetime] = mapped_column(default=now)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    confirmed_at: Mapped[datetime | None]

    entered_by: Mapped[User] = relationship(foreign_keys=[entered_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])


class VoteResult(db.Model):
    """A tally: the rule and its parameters, the software version and the ballots' hash."""

    __tablename__ = "vote_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("vote_round.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str | None] = mapped_column(String(16))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    software_version: Mapped[str] = mapped_column(String(32))
    ballot_hash: Mapped[str] = mapped_column(String(64))
    ballot_count: Mapped[int]
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    tallied_at: Mapped[datetime] = mapped_column(default=now)


class LiveTally(db.Model):
    """The running count shown while a round with live results is open, re-taken once per batch.

    The shown counts move only after at least ``LIVE_RESULTS_BATCH`` more ballot rows (revotes and
    paper ballots included), so watching the projector while one person votes does not reveal
    that person's ballot.
    """

    __tablename__ = "live_tally"

    round_id: Mapped[int] = mapped_column(ForeignKey("vote_round.id", ondelete="CASCADE"), primary_key=True)
    ballots_seen: Mapped[int]  # ballot rows written when it was taken (superseded ones included)
    ballot_count: Mapped[int]  # ballots counted in it
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    taken_at: Mapped[datetime] = mapped_column(default=now)
