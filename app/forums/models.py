"""Threads, posts, reactions, the event log that feeds realtime clients, live Q&A and moderation."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.extensions import db
from app.utils import now

# What a thread hangs on. ``members`` is a body's members-only room; ``forum`` a standalone 온라인공론장.
THREAD_KINDS = ("agenda", "event", "body", "members", "forum")

VISIBLE, HIDDEN, DELETED = "visible", "hidden", "deleted"
AGREE, DISAGREE = "agree", "disagree"
REPORT_REASONS = ("spam", "abuse", "privacy", "off_topic", "other")
QUESTION_OPEN, QUESTION_ANSWERED, QUESTION_HIDDEN = "open", "answered", "hidden"


class OnlineForum(db.Model):
    """온라인공론장: a question put to residents, open between two dates, summed up by staff at close."""

    __tablename__ = "online_forum"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime] = mapped_column(index=True)  # naive UTC
    closes_at: Mapped[datetime] = mapped_column(index=True)
    summary: Mapped[str | None] = mapped_column(Text)  # markdown source, written by staff at close
    summary_html: Mapped[str | None] = mapped_column(Text)  # sanitized
    summary_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    summarized_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    summary_by: Mapped[User | None] = relationship(foreign_keys=[summary_by_id])

    def status(self, at: datetime | None = None) -> str:
        at = at or now()
        if at < self.opens_at:
            return "upcoming"
        return "open" if at < self.closes_at else "closed"


class Thread(db.Model):
    """One discussion attached to exactly one target: an agenda item, an event, a body (public or members) or a forum."""

    __tablename__ = "forum_thread"
    __table_args__ = (UniqueConstraint("body_id", "members_only"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), unique=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id", ondelete="CASCADE"))
    forum_id: Mapped[int | None] = mapped_column(ForeignKey("online_forum.id", ondelete="CASCADE"), unique=True)
    members_only: Mapped[bool] = mapped_column(default=False)
    locked: Mapped[bool] = mapped_column(default=False)  # read-only: no new posts
    slow_mode_seconds: Mapped[int] = mapped_column(default=0)  # one post per person per N seconds; 0 = off
    last_seq: Mapped[int] = mapped_column(default=0)  # the newest ThreadEvent.seq
    post_count: Mapped[int] = mapped_column(default=0)  # visible posts
    created_at: Mapped[datetime] = mapped_column(default=now)

    @property
    def room(self) -> str:
        return f"{self.kind}-{self.target_id}"

    @property
    def target_id(self) -> int:
        return {"agenda": self.agenda_item_id, "event": self.event_id, "body": self.body_id,
                "members": self.body_id, "forum": self.forum_id}[self.kind]


class ThreadEvent(db.Model):
    """One thing that happened in a thread, numbered 1, 2, 3… per thread: what reconnecting clients replay."""

    __tablename__ = "forum_thread_event"
    __table_args__ = (UniqueConstraint("thread_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_thread.id", ondelete="CASCADE"))
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(32))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("forum_post.id", ondelete="CASCADE"))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("forum_question.id", ondelete="CASCADE"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # for events without a row (announcements)
    created_at: Mapped[datetime] = mapped_column(default=now)


class Post(db.Model):
    """A post in sanitized markdown; replies nest up to depth 3; hidden and deleted posts keep their place."""

    __tablename__ = "forum_post"
    __table_args__ = (
        UniqueConstraint("author_id", "client_id"),  # a retried send stores one post
        Index("ix_forum_post_thread_id_id", "thread_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_thread.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("forum_post.id"), index=True)
    depth: Mapped[int] = mapped_column(default=0)  # 0: top level, up to 3
    quote_of_id: Mapped[int | None] = mapped_column(ForeignKey("forum_post.id"))
    body: Mapped[str] = mapped_column(Text)  # markdown as typed
    body_html: Mapped[str] = mapped_column(Text)  # rendered and sanitized
    state: Mapped[str] = mapped_column(String(12), default=VISIBLE)
    hidden_reason: Mapped[str | None] = mapped_column(String(300))
    pending_review: Mapped[bool] = mapped_column(default=False, index=True)  # hidden by reports, for staff to decide
    report_count: Mapped[int] = mapped_column(default=0)
    agree_count: Mapped[int] = mapped_column(default=0)
    disagree_count: Mapped[int] = mapped_column(default=0)
    client_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=now)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    thread: Mapped[Thread] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    quote_of: Mapped["Post | None"] = relationship(foreign_keys=[quote_of_id], remote_side=[id])


class Reaction(db.Model):
    """Agree or disagree: one per person and post."""

    __tablename__ = "forum_reaction"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_post.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=now)


class Report(db.Model):
    """Someone flagged a post, with a reason; one per person and post."""

    __tablename__ = "forum_report"
    __table_args__ = (UniqueConstraint("post_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_post.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    reason: Mapped[str] = mapped_column(String(24))
    detail: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=now)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    post: Mapped[Post] = relationship()
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])


class Ban(db.Model):
    """A person kept from posting in a thread, or in everything of an event (thread and Q&A), until a time."""

    __tablename__ = "forum_ban"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("forum_thread.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    until: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class BlockedWord(db.Model):
    """A word posts may not contain (staff edit the list; a file named in the configuration adds more)."""

    __tablename__ = "forum_blocked_word"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(80), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)


class Question(db.Model):
    """A question asked during a town hall's live Q&A; shown publicly, with the asker's name only if they allow it."""

    __tablename__ = "forum_question"
    __table_args__ = (
        UniqueConstraint("author_id", "client_id"),
        Index("ix_forum_question_event_id_state", "event_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    body: Mapped[str] = mapped_column(String(500))
    anonymous: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(12), default=QUESTION_OPEN)
    vote_count: Mapped[int] = mapped_column(default=0)
    client_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=now)
    answered_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(String(300))
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    author: Mapped[User] = relationship(foreign_keys=[author_id])


class QuestionVote(db.Model):
    """One upvote per person and question."""

    __tablename__ = "forum_question_vote"
    __table_args__ = (UniqueConstraint("question_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("forum_question.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
