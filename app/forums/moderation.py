"""Forum moderation: reports, hiding, bans, thread settings, blocked words and the review queue.

Like the posting services, each public function commits once and its thread event goes out after that commit.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import audit
from app.auth.models import User
from app.errors import ServiceError
from app.extensions import db
from app.forums import realtime
from app.forums.models import DELETED, HIDDEN, REPORT_REASONS, VISIBLE, Ban, BlockedWord, Post, Report, Thread
from app.forums.services import recount, thread_for
from app.forums.targets import Target
from app.utils import now

REASON_LABELS = {"spam": _l("광고·도배"), "abuse": _l("욕설·비방"), "privacy": _l("개인정보 노출"),
                 "off_topic": _l("주제와 무관"), "other": _l("기타")}


def report_post(post: Post, user, reason: str, detail: str = "") -> bool:
    """Flag a post; at the configured number of reports it is hidden until staff decide. True if newly counted."""
    if reason not in REPORT_REASONS:
        raise ServiceError(_("신고 사유를 골라 주세요."), "reason")
    detail = (detail or "").strip()
    if len(detail) > 500:
        raise ServiceError(_("설명은 500자까지 쓸 수 있습니다."), "detail")
    if post.author_id == user.id:
        raise ServiceError(_("자기 글은 신고할 수 없습니다."))
    if post.state == DELETED:
        raise ServiceError(_("삭제된 글입니다."))
    try:
        with db.session.begin_nested():
            db.session.add(Report(post_id=post.id, reporter_id=user.id, reason=reason, detail=detail, created_at=now()))
    except IntegrityError:
        return False  # reported before: counted once
    thread = db.session.get(Thread, post.thread_id)
    post.report_count = db.session.scalar(select(func.count()).select_from(Report).where(
        Report.post_id == post.id, Report.resolved_at.is_(None))) or 0
    audit.record("forums.report", post, actor=user, reason=reason, reports=post.report_count)
    threshold = current_app.config.get("FORUM_REPORT_THRESHOLD", 3)
    if post.state == VISIBLE and threshold and post.report_count >= threshold:
        post.state, post.hidden_at, post.pending_review = HIDDEN, now(), True
        post.hidden_reason = _("신고가 %(n)d건 쌓여 관리자 검토 전까지 숨겼습니다.", n=post.report_count)
        audit.record("forums.auto_hide", post, actor=None, reports=post.report_count, threshold=threshold)
        recount(thread)
        realtime.log_event(thread, "post.hidden", post=post)
    db.session.commit()
    return True


def clean_reason(reason: str) -> str:
    """A staff member's stated reason, stripped; refused if empty or over 300 characters."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("사유를 적어 주세요."), "reason")
    if len(reason) > 300:
        raise ServiceError(_("사유는 300자까지 쓸 수 있습니다."), "reason")
    return reason


def _resolve_reports(post: Post, actor) -> None:
    db.session.execute(update(Report).where(Report.post_id == post.id, Report.resolved_at.is_(None))
                       .values(resolved_at=now(), resolved_by_id=actor.id))


def hide_post(post: Post, actor, reason: str) -> Post:
    """Staff hide a post with a reason (or confirm an automatic hiding); its reports are settled."""
    reason = clean_reason(reason)
    if post.state == DELETED:
        raise ServiceError(_("삭제된 글입니다."))
    thread = db.session.get(Thread, post.thread_id)
    was_visible = post.state == VISIBLE
    post.state, post.hidden_reason, post.hidden_by_id, post.pending_review = HIDDEN, reason, actor.id, False
    if was_visible:
        post.hidden_at = now()
    _resolve_reports(post, actor)
    audit.record("forums.hide", post, actor=actor, reason=reason, thread=thread.id)
    if was_visible:
        recount(thread)
        realtime.log_event(thread, "post.hidden", post=post)
    db.session.commit()
    return post


def unhide_post(post: Post, actor, reason: str) -> Post:
    """Staff show a hidden post again with a reason (e.g. the reports were unfounded)."""
    reason = clean_reason(reason)
    if post.state != HIDDEN:
        raise ServiceError(_("숨겨진 글이 아닙니다."))
    thread = db.session.get(Thread, post.thread_id)
    post.state, post.hidden_reason, post.pending_review, post.hidden_by_id = VISIBLE, None, False, None
    post.report_count = 0
    _resolve_reports(post, actor)
    audit.record("forums.unhide", post, actor=actor, reason=reason, thread=thread.id)
    recount(thread)
    realtime.log_event(thread, "post.unhidden", post=post)
    db.session.commit()
    return post


def ban_user(user: User, actor, *, hours: int, reason: str, thread: Thread | None = None,
             event_id: int | None = None) -> Ban:
    """Keep ``user`` from posting in ``thread`` (or everything of an event) for ``hours``."""
    reason = clean_reason(reason)
    if not isinstance(hours, int) or not 1 <= hours <= 24 * 365:
        raise ServiceError(_("기간은 1시간에서 1년(8,760시간) 사이로 정해 주세요."), "hours")
    if thread is None and not event_id:
        raise ServiceError(_("어디에서 막을지 정해 주세요."))
    if user.is_staff:
        raise ServiceError(_("관리자는 막을 수 없습니다."))
    ban = Ban(user_id=user.id, thread_id=thread.id if thread else None, event_id=event_id,
              until=now() + timedelta(hours=hours), reason=reason, created_by_id=actor.id, created_at=now())
    db.session.add(ban)
    audit.record("forums.ban", ban, actor=actor, user=user.id, thread=ban.thread_id, event=event_id, hours=hours,
                 reason=reason)
    db.session.commit()
    return ban


def lift_ban(ban: Ban, actor) -> Ban:
    if ban.lifted_at is None:
        ban.lifted_at, ban.lifted_by_id = now(), actor.id
        audit.record("forums.unban", ban, actor=actor, user=ban.user_id)
        db.session.commit()
    return ban


def thread_bans(thread: Thread | None) -> list[Ban]:
    if thread is None:
        return []
    scopes = [Ban.thread_id == thread.id] + ([Ban.event_id == thread.event_id] if thread.event_id else [])
    return list(db.session.scalars(select(Ban).where(or_(*scopes), Ban.lifted_at.is_(None), Ban.until > now())
                                   .options(joinedload(Ban.user)).order_by(Ban.until)))


def configure_thread(target: Target, actor, *, slow_mode_seconds: int, locked: bool) -> Thread:
    """Slow mode (one post per person per N seconds, 0 = off) and locking, announced live and audited."""
    if not isinstance(slow_mode_seconds, int) or not 0 <= slow_mode_seconds <= 3600:
        raise ServiceError(_("천천히 모드는 0초에서 3,600초 사이로 정해 주세요."), "slow_mode_seconds")
    thread = thread_for(target)
    if thread.slow_mode_seconds == slow_mode_seconds and thread.locked == bool(locked):
        db.session.commit()
        return thread
    thread.slow_mode_seconds, thread.locked = slow_mode_seconds, bool(locked)
    audit.record("forums.thread_settings", thread, actor=actor, slow_mode_seconds=slow_mode_seconds, locked=bool(locked))
    realtime.log_event(thread, "thread.settings", data={"slow_mode_seconds": slow_mode_seconds, "locked": bool(locked)})
    db.session.commit()
    return thread


def set_blocked_words(text: str, actor) -> list[str]:
    """Replace staff's blocked-word list with the words in ``text`` (one a line)."""
    words = []
    for line in (text or "").splitlines():
        word = line.strip()
        if word and word.casefold() not in {w.casefold() for w in words}:
            if len(word) > 80:
                raise ServiceError(_("금칙어는 한 줄에 80자까지입니다."), "words")
            words.append(word)
    if len(words) > 2000:
        raise ServiceError(_("금칙어는 2,000개까지 둘 수 있습니다."), "words")
    before = set(db.session.scalars(select(BlockedWord.word)))
    added, removed = sorted(set(words) - before), sorted(before - set(words))
    if removed:
        db.session.execute(db.delete(BlockedWord).where(BlockedWord.word.in_(removed)))
    for word in added:
        db.session.add(BlockedWord(word=word, created_by_id=actor.id, created_at=now()))
    if added or removed:
        audit.record("forums.blocked_words", None, actor=actor, added=added, removed=removed)
    db.session.commit()
    return words


def review_queue() -> dict:
    """What staff should look at: posts hidden by reports, and visible posts with open reports."""
    pending = list(db.session.scalars(select(Post).where(Post.pending_review.is_(True))
                                      .options(joinedload(Post.author), joinedload(Post.thread)).order_by(Post.id)))
    reported = list(db.session.scalars(
        select(Post).where(Post.state == VISIBLE, Post.report_count > 0)
        .options(joinedload(Post.author), joinedload(Post.thread)).order_by(Post.report_count.desc(), Post.id)
        .limit(100)))
    bans = list(db.session.scalars(select(Ban).where(Ban.lifted_at.is_(None), Ban.until > now())
                                   .options(joinedload(Ban.user)).order_by(Ban.until)))
    return {"pending": pending, "reported": reported, "bans": bans}


def reports_for(post: Post) -> list[Report]:
    return list(db.session.scalars(select(Report).where(Report.post_id == post.id)
                                   .options(joinedload(Report.reporter)).order_by(Report.id)))

