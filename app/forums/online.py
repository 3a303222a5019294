"""Online forums (온라인 공론장): staff open a question for a set time, then lock and sum it up."""
from __future__ import annotations

from datetime import datetime

from celery import shared_task
from flask_babel import gettext as _
from sqlalchemy import select

from app import audit
from app.errors import ServiceError
from app.extensions import db
from app.forums import realtime
from app.forums.markup import render
from app.forums.models import OnlineForum, Thread
from app.forums.services import find_thread
from app.forums.targets import Target
from app.utils import now


def save_forum(forum: OnlineForum | None, actor, *, title: str, question: str, description: str,
               opens_at: datetime, closes_at: datetime) -> OnlineForum:
    """Create or edit an online forum (staff)."""
    title, question = (title or "").strip(), (question or "").strip()
    if not title:
        raise ServiceError(_("제목을 적어 주세요."), "title")
    if not question:
        raise ServiceError(_("물음을 적어 주세요."), "question")
    if closes_at <= opens_at:
        raise ServiceError(_("마감은 시작보다 늦어야 합니다."), "closes_at")
    created = forum is None
    if created:
        forum = OnlineForum(created_by_id=actor.id, created_at=now())
        db.session.add(forum)
    forum.title, forum.question, forum.description = title, question, (description or "").strip()
    forum.opens_at, forum.closes_at = opens_at, closes_at
    audit.record("forums.forum_create" if created else "forums.forum_edit", forum, actor=actor, title=title)
    db.session.commit()
    return forum


def write_summary(forum: OnlineForum, actor, text: str) -> OnlineForum:
    """Staff sum up a closed forum; the summary is shown above the discussion."""
    if forum.status() != "closed":
        raise ServiceError(_("마감된 공론장만 정리할 수 있습니다."))
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("정리 내용을 적어 주세요."), "summary")
    if len(text) > 20000:
        raise ServiceError(_("정리는 20,000자까지 쓸 수 있습니다."), "summary")
    forum.summary, forum.summary_html, forum.summary_by_id, forum.summarized_at = text, render(text), actor.id, now()
    audit.record("forums.summary", forum, actor=actor)
    thread = find_thread(Target("forum", forum))
    if thread is not None:
        realtime.log_event(thread, "forum.summary", data={"html": forum.summary_html})
    db.session.commit()
    return forum


def forums_by_status() -> dict[str, list[OnlineForum]]:
    moment = now()
    rows = list(db.session.scalars(select(OnlineForum).order_by(OnlineForum.closes_at.desc())))
    grouped: dict[str, list[OnlineForum]] = {"open": [], "upcoming": [], "closed": []}
    for forum in rows:
        grouped[forum.status(moment)].append(forum)
    return grouped


def close_due_forums() -> int:
    """Lock the threads of forums past their closing time and tell the rooms (idempotent)."""
    closed = 0
    due = db.session.scalars(select(Thread).join(OnlineForum, OnlineForum.id == Thread.forum_id)
                             .where(OnlineForum.closes_at <= now(), Thread.locked.is_(False)))
    for thread in list(due):
        thread.locked = True
        audit.record("forums.forum_close", thread, actor=None, forum=thread.forum_id)
        realtime.log_event(thread, "thread.settings", data={"slow_mode_seconds": thread.slow_mode_seconds,
                                                            "locked": True})
        closed += 1
    db.session.commit()
    return closed


@shared_task(name="app.forums.close_due_forums")
def close_due_forums_task() -> int:
    """Every few minutes (Celery beat): lock forums that have closed; emits through the message queue."""
    return close_due_forums()

