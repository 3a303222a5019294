"""Discussion services: threads and posts, reactions, mentions, moderation, online forums and live Q&A.

Each public function validates, writes, logs the thread event and commits once; the event goes
out to the room only after that commit (realtime.log_event).
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from celery import shared_task
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import audit
from app.auth.models import User
from app.errors import ServiceError
from app.extensions import db, hit_personal_limit
from app.forums import realtime
from app.forums.markup import plain, render
from app.forums.models import (
    AGREE, DELETED, DISAGREE, HIDDEN, QUESTION_ANSWERED, QUESTION_HIDDEN, QUESTION_OPEN, REPORT_REASONS, VISIBLE,
    Ban, BlockedWord, OnlineForum, Post, Question, QuestionVote, Reaction, Report, Thread,
)
from app.forums.targets import Target
from app.notifications import notify
from app.permissions import can
from app.utils import now

MAX_DEPTH = 3
MAX_MENTIONS = 10
MAX_QUESTION_CHARS = 300
REASON_LABELS = {"spam": _l("광고·도배"), "abuse": _l("욕설·비방"), "privacy": _l("개인정보 노출"),
                 "off_topic": _l("주제와 무관"), "other": _l("기타")}
MENTION = re.compile(r"@([0-9A-Za-z가-힣_.\-]{2,30})")


# --- threads ---------------------------------------------------------------------------

def _thread_filter(target: Target):
    kind, obj_id = target.kind, target.id
    column = {"agenda": Thread.agenda_item_id, "event": Thread.event_id, "body": Thread.body_id,
              "members": Thread.body_id, "forum": Thread.forum_id}[kind]
    clauses = [column == obj_id]
    if kind in ("body", "members"):
        clauses.append(Thread.members_only.is_(kind == "members"))
    return clauses


def find_thread(target: Target) -> Thread | None:
    """The thread of ``target`` if anyone has written in it yet."""
    return db.session.scalar(select(Thread).where(*_thread_filter(target)))


def thread_for(target: Target) -> Thread:
    """The thread of ``target``, created on first use (two first posts at once still make one thread)."""
    thread = find_thread(target)
    if thread is not None:
        return thread
    columns = {"agenda": "agenda_item_id", "event": "event_id", "body": "body_id", "members": "body_id",
               "forum": "forum_id"}
    thread = Thread(kind=target.kind, members_only=target.kind == "members", created_at=now(),
                    slow_mode_seconds=current_app.config.get("FORUM_SLOW_MODE_DEFAULT", 0),
                    **{columns[target.kind]: target.id})
    try:
        with db.session.begin_nested():
            db.session.add(thread)
    except IntegrityError:
        thread = find_thread(target)
    return thread


def target_of(thread: Thread) -> Target:
    from app.forums import targets

    return targets.load(thread.kind, thread.target_id)


@dataclass
class PostNode:
    post: Post
    children: list["PostNode"]


def post_tree(thread: Thread | None) -> list[PostNode]:
    """Top-level posts in order, each with its replies (depth ≤ 3) in order: one query."""
    if thread is None:
        return []
    posts = list(db.session.scalars(
        select(Post).where(Post.thread_id == thread.id).order_by(Post.id)
        .options(joinedload(Post.author), joinedload(Post.quote_of).joinedload(Post.author))))
    nodes = {p.id: PostNode(p, []) for p in posts}
    roots = []
    for p in posts:
        parent = nodes.get(p.parent_id) if p.parent_id else None
        (parent.children if parent else roots).append(nodes[p.id])
    return roots


def my_reactions(thread: Thread | None, user) -> dict[int, str]:
    if thread is None or not getattr(user, "is_authenticated", False):
        return {}
    return dict(db.session.execute(
        select(Reaction.post_id, Reaction.kind).join(Post, Post.id == Reaction.post_id)
        .where(Post.thread_id == thread.id, Reaction.user_id == user.id)).all())


def active_ban(user, thread: Thread | None = None, event_id: int | None = None) -> Ban | None:
    """The ban that keeps ``user`` out of ``thread`` (or the event it belongs to, or ``event_id``), if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    scopes = []
    if thread is not None and thread.id is not None:
        scopes.append(Ban.thread_id == thread.id)
        if thread.event_id:
            event_id = event_id or thread.event_id
    if event_id:
        scopes.append(Ban.event_id == event_id)
    if not scopes:
        return None
    return db.session.scalar(select(Ban).where(Ban.user_id == user.id, Ban.lifted_at.is_(None), Ban.until > now(),
                                               or_(*scopes)).order_by(Ban.until.desc()).limit(1))


def _refuse_if_banned(user, thread: Thread | None = None, event_id: int | None = None) -> None:
    ban = active_ban(user, thread, event_id)
    if ban is not None:
        from app.templating import _kst

        raise ServiceError(_("%(until)s까지 이곳에 글을 쓸 수 없습니다. 사유: %(reason)s", until=_kst(ban.until),
                             reason=ban.reason))


# --- posting -----------------------------------------------------------------------------

def blocked_words() -> list[str]:
    """Staff's list plus the configured file (one word a line, # starts a comment)."""
    words = list(db.session.scalars(select(BlockedWord.word)))
    path = current_app.config.get("FORUM_BLOCKED_WORDS_FILE")
    if path and Path(path).is_file():
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                words.append(line)
    return words


def find_blocked_word(text: str) -> str | None:
    folded = text.casefold()
    squeezed = re.sub(r"\s+", "", folded)
    for word in blocked_words():
        w = word.casefold()
        if w and (w in folded or re.sub(r"\s+", "", w) in squeezed):
            return word
    return None


def _check_text(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not text:
        raise ServiceError(_("내용을 적어 주세요."), "body")
    limit = current_app.config.get("FORUM_MAX_POST_CHARS", 5000)
    if len(text) > limit:
        raise ServiceError(_("글은 %(n)s자까지 쓸 수 있습니다. 지금 %(m)s자입니다.", n=f"{limit:,}", m=f"{len(text):,}"),
                           "body")
    word = find_blocked_word(text)
    if word is not None:
        raise ServiceError(_("쓸 수 없는 낱말이 들어 있습니다: %(word)s", word=word), "body")
    return text


def _rate_limit(user) -> None:
    if user.is_staff:
        return
    if not hit_personal_limit("forums-post", current_app.config.get("FORUM_POST_RATE_LIMIT", "10 per minute"),
                              user.id):
        raise ServiceError(_("글을 너무 빨리 쓰고 있습니다. 잠시 후 다시 써 주세요."))


def _slow_mode(thread: Thread, user) -> None:
    if not thread.slow_mode_seconds or user.is_staff:
        return
    last = db.session.scalar(select(func.max(Post.created_at)).where(Post.thread_id == thread.id,
                                                                     Post.author_id == user.id))
    if last is not None:
        wait = int((last + timedelta(seconds=thread.slow_mode_seconds) - now()).total_seconds()) + 1
        if wait > 0:
            raise ServiceError(_("천천히 모드입니다. %(n)d초 뒤에 다시 쓸 수 있습니다.", n=min(wait, thread.slow_mode_seconds)))


def _existing_post(user, client_id: str | None) -> Post | None:
    if not client_id:
        return None
    return db.session.scalar(select(Post).where(Post.author_id == user.id, Post.client_id == client_id))


def _clean_client_id(client_id) -> str | None:
    if client_id is None:
        return None
    client_id = str(client_id).strip()
    if not client_id:
        return None
    if len(client_id) > 64 or not re.fullmatch(r"[A-Za-z0-9_\-:.]+", client_id):
        raise ServiceError(_("잘못된 요청입니다. 페이지를 새로 고친 뒤 다시 시도해 주세요."))
    return client_id


def create_post(target: Target, user, text: str, *, parent_id: int | None = None, quote_id: int | None = None,
                client_id: str | None = None) -> Post:
    """Post in the thread of ``target``; the same ``client_id`` sent twice stores one post."""
    client_id = _clean_client_id(client_id)
    existing = _existing_post(user, client_id)
    if existing is not None:
        return existing  # a retry or a double click: the first one stands
    if not can("forums.read", target, user=user):
        raise ServiceError(_("이 토론을 볼 수 있는 사람만 글을 쓸 수 있습니다."))
    if not can("forums.post", target, user=user):
        if not getattr(user, "is_verified", False):
            raise ServiceError(_("이메일 주소를 확인한 뒤 글을 쓸 수 있습니다."))
        raise ServiceError(_("지금은 이 토론에 글을 쓸 수 없습니다."))
    text = _check_text(text)
    thread = thread_for(target)
    if thread.locked:
        raise ServiceError(_("닫힌 토론입니다. 더 이상 글을 쓸 수 없습니다."))
    _refuse_if_banned(user, thread)
    _slow_mode(thread, user)
    parent = None
    depth = 0
    if parent_id:
        parent = db.session.get(Post, parent_id)
        if parent is None or parent.thread_id != thread.id:
            raise ServiceError(_("답글을 달 글을 찾을 수 없습니다."))
        if parent.state != VISIBLE:
            raise ServiceError(_("숨겨지거나 삭제된 글에는 답글을 달 수 없습니다."))
        if parent.depth >= MAX_DEPTH:  # the deepest level takes replies as siblings
            parent = db.session.get(Post, parent.parent_id)
        depth = parent.depth + 1
    quoted = None
    if quote_id:
        quoted = db.session.get(Post, quote_id)
        if quoted is None or quoted.thread_id != thread.id or quoted.state != VISIBLE:
            raise ServiceError(_("인용할 글을 찾을 수 없습니다."))
    _rate_limit(user)
    post = Post(thread_id=thread.id, author_id=user.id, parent_id=parent.id if parent else None, depth=depth,
                quote_of_id=quoted.id if quoted else None, body=text, body_html=render(text), state=VISIBLE,
                client_id=client_id, created_at=now())
    try:
        with db.session.begin_nested():
            db.session.add(post)
    except IntegrityError:  # the same client id committed meanwhile (the savepoint is rolled back)
        existing = _existing_post(user, client_id)
        if existing is not None:
            return existing
        raise
    post.author, post.quote_of = user, quoted
    _recount(thread)
    _mention(post, thread, target, user)
    realtime.log_event(thread, "post.created", post=post)
    db.session.commit()
    return post


def _recount(thread: Thread) -> None:
    """Visible posts on the thread and, for an agenda item, its comment_count (the "most discussed" sort)."""
    visible = select(func.count()).select_from(Post).where(Post.thread_id == thread.id, Post.state == VISIBLE) \
        .scalar_subquery()
    db.session.execute(update(Thread).where(Thread.id == thread.id).values(post_count=visible)
                       .execution_options(synchronize_session=False))
    if thread.agenda_item_id:
        from app.agenda.models import AgendaItem

        # A plain UPDATE: the item's optimistic-lock version is about stage moves, not comments.
        db.session.execute(update(AgendaItem).where(AgendaItem.id == thread.agenda_item_id)
                           .values(comment_count=visible).execution_options(synchronize_session=False))


def _mention(post: Post, thread: Thread, target: Target, author) -> None:
    """Tell people named as @이름 (spaces in names left out) who can read the thread."""
    names = list(dict.fromkeys(MENTION.findall(post.body)))[:MAX_MENTIONS]
    if not names:
        return
    squeezed = func.replace(User.display_name, " ", "")
    candidates = list(db.session.scalars(select(User).where(or_(User.display_name.in_(names), squeezed.in_(names)),
                                                            User.deleted_at.is_(None))))
    posters = set(db.session.scalars(select(Post.author_id).where(Post.thread_id == thread.id)))
    told = set()
    for name in names:
        matches = [u for u in candidates if name in (u.display_name, u.display_name.replace(" ", ""))]
        if len(matches) > 1:
            matches = [u for u in matches if u.id in posters]  # the namesake who takes part
        if len(matches) != 1:
            continue
        person = matches[0]
        if person.id == author.id or person.id in told or not can("forums.read", target, user=person):
            continue
        told.add(person.id)
        notify(person, _("%(who)s님이 「%(title)s」 토론에서 회원님을 언급했습니다: %(text)s", who=author.public_name,
                         title=target.title, text=plain(post.body, 80)),
               target.url() + f"#post-{post.id}", email_subject=_("[협치 플랫폼] 토론에서 언급"))


def _own_post(post: Post, user) -> None:
    if post.author_id != getattr(user, "id", None):
        raise ServiceError(_("자기가 쓴 글만 고치거나 지울 수 있습니다."))


def edit_post(post: Post, user, text: str) -> Post:
    """The author edits within the edit window (15 minutes by default) while the post is visible."""
    _own_post(post, user)
    if post.state != VISIBLE:
        raise ServiceError(_("숨겨지거나 삭제된 글은 고칠 수 없습니다."))
    minutes = current_app.config.get("FORUM_EDIT_MINUTES", 15)
    if now() > post.created_at + timedelta(minutes=minutes):
        raise ServiceError(_("글은 쓴 뒤 %(n)d분 안에만 고칠 수 있습니다.", n=minutes))
    thread = db.session.get(Thread, post.thread_id)
    _refuse_if_banned(user, thread)
    text = _check_text(text)
    if text == post.body:
        return post
    post.body, post.body_html, post.edited_at = text, render(text), now()
    realtime.log_event(thread, "post.edited", post=post)
    db.session.commit()
    return post


def delete_post(post: Post, user) -> Post:
    """The author deletes; the post keeps its place (replies stay readable) but its words are gone."""
    _own_post(post, user)
    if post.state == DELETED:
        return post
    thread = db.session.get(Thread, post.thread_id)
    post.state, post.deleted_at = DELETED, now()
    audit.record("forums.post_delete", post, actor=user, thread=thread.id)
    _recount(thread)
    realtime.log_event(thread, "post.deleted", post=post)
    db.session.commit()
    return post


def react(post: Post, user, kind: str) -> Post:
    """Agree or disagree (one per person); the same choice again takes it back."""
    if kind not in (AGREE, DISAGREE):
        raise ServiceError(_("찬성이나 반대를 골라 주세요."))
    if post.state != VISIBLE:
        raise ServiceError(_("숨겨지거나 삭제된 글에는 반응할 수 없습니다."))
    thread = db.session.get(Thread, post.thread_id)
    target = target_of(thread)
    if not can("forums.react", target, user=user):
        raise ServiceError(_("이메일 주소를 확인한 뒤 반응할 수 있습니다."))
    if post.author_id == user.id:
        raise ServiceError(_("자기 글에는 반응할 수 없습니다."))
    _refuse_if_banned(user, thread)
    mine = db.session.scalar(select(Reaction).where(Reaction.post_id == post.id, Reaction.user_id == user.id))
    if mine is None:
        try:
            with db.session.begin_nested():
                db.session.add(Reaction(post_id=post.id, user_id=user.id, kind=kind, created_at=now()))
        except IntegrityError:
            return post  # a double click: the first one counted
    elif mine.kind == kind:
        db.session.delete(mine)
    else:
        mine.kind = kind
    db.session.flush()
    counts = dict(db.session.execute(select(Reaction.kind, func.count()).where(Reaction.post_id == post.id)
                                     .group_by(Reaction.kind)).all())
    post.agree_count, post.disagree_count = counts.get(AGREE, 0), counts.get(DISAGREE, 0)
    realtime.log_event(thread, "post.reactions", post=post)
    db.session.commit()
    return post


# --- moderation ---------------------------------------------------------------------------

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
        _recount(thread)
        realtime.log_event(thread, "post.hidden", post=post)
    db.session.commit()
    return True


def _reason(reason: str) -> str:
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
    reason = _reason(reason)
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
        _recount(thread)
        realtime.log_event(thread, "post.hidden", post=post)
    db.session.commit()
    return post


def unhide_post(post: Post, actor, reason: str) -> Post:
    """Staff show a hidden post again with a reason (e.g. the reports were unfounded)."""
    reason = _reason(reason)
    if post.state != HIDDEN:
        raise ServiceError(_("숨겨진 글이 아닙니다."))
    thread = db.session.get(Thread, post.thread_id)
    post.state, post.hidden_reason, post.pending_review, post.hidden_by_id = VISIBLE, None, False, None
    post.report_count = 0
    _resolve_reports(post, actor)
    audit.record("forums.unhide", post, actor=actor, reason=reason, thread=thread.id)
    _recount(thread)
    realtime.log_event(thread, "post.unhidden", post=post)
    db.session.commit()
    return post


def ban_user(user: User, actor, *, hours: int, reason: str, thread: Thread | None = None,
             event_id: int | None = None) -> Ban:
    """Keep ``user`` from posting in ``thread`` (or everything of an event) for ``hours``."""
    reason = _reason(reason)
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


# --- online forums -------------------------------------------------------------------------

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


# --- live Q&A ----------------------------------------------------------------------------

def _event_thread(event) -> Thread:
    return thread_for(Target("event", event))


def questions(event, viewer=None) -> list[Question]:
    """Open questions by votes (then age), then answered ones; hidden ones only for staff."""
    stmt = select(Question).where(Question.event_id == event.id).options(joinedload(Question.author)) \
        .execution_options(populate_existing=True)
    if not (viewer is not None and can("forums.qa.moderate", event, user=viewer)):
        stmt = stmt.where(Question.state != QUESTION_HIDDEN)
    rows = list(db.session.scalars(stmt))
    order = {QUESTION_OPEN: 0, QUESTION_ANSWERED: 1, QUESTION_HIDDEN: 2}
    return sorted(rows, key=lambda q: (order.get(q.state, 3), -q.vote_count, q.id))


def my_votes(event, user) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(db.session.scalars(select(QuestionVote.question_id).join(Question, Question.id == QuestionVote.question_id)
                                  .where(Question.event_id == event.id, QuestionVote.user_id == user.id)))


def _qa_refusal(event, user) -> str:
    if not getattr(user, "is_authenticated", False):
        return _("로그인한 뒤 참여할 수 있습니다.")
    if not user.is_verified:
        return _("이메일 주소를 확인한 뒤 참여할 수 있습니다.")
    if not event.qa_open:
        return _("지금은 질문을 받지 않습니다.")
    return _("이 행사의 실시간 질문에 참여할 수 없습니다.")


def ask(event, user, text: str, *, anonymous: bool = False, client_id: str | None = None) -> Question:
    """Ask a question while the Q&A is open; the same ``client_id`` twice stores one question."""
    client_id = _clean_client_id(client_id)
    if client_id:
        existing = db.session.scalar(select(Question).where(Question.author_id == user.id,
                                                            Question.client_id == client_id))
        if existing is not None:
            return existing
    if not can("forums.qa.ask", event, user=user):
        raise ServiceError(_qa_refusal(event, user))
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise ServiceError(_("질문을 적어 주세요."), "body")
    if len(text) > MAX_QUESTION_CHARS:
        raise ServiceError(_("질문은 %(n)d자까지 쓸 수 있습니다.", n=MAX_QUESTION_CHARS), "body")
    word = find_blocked_word(text)
    if word is not None:
        raise ServiceError(_("쓸 수 없는 낱말이 들어 있습니다: %(word)s", word=word), "body")
    thread = _event_thread(event)
    _refuse_if_banned(user, thread, event.id)
    _rate_limit(user)
    question = Question(event_id=event.id, author_id=user.id, body=text, anonymous=bool(anonymous),
                        state=QUESTION_OPEN, client_id=client_id, created_at=now())
    try:
        with db.session.begin_nested():
            db.session.add(question)
    except IntegrityError:
        return db.session.scalar(select(Question).where(Question.author_id == user.id, Question.client_id == client_id))
    question.author = user
    realtime.log_event(thread, "question.created", question=question)
    db.session.commit()
    return question


def upvote(question: Question, user) -> Question:
    """One upvote per person and question; voting again takes it back."""
    from app.events.models import Event

    event = db.session.get(Event, question.event_id)
    if not can("forums.qa.vote", event, user=user):
        raise ServiceError(_qa_refusal(event, user))
    if question.state != QUESTION_OPEN:
        raise ServiceError(_("답변했거나 숨긴 질문에는 공감할 수 없습니다."))
    if question.author_id == user.id:
        raise ServiceError(_("자기 질문에는 공감할 수 없습니다."))
    thread = _event_thread(event)
    _refuse_if_banned(user, thread, event.id)
    mine = db.session.scalar(select(QuestionVote).where(QuestionVote.question_id == question.id,
                                                        QuestionVote.user_id == user.id))
    if mine is None:
        try:
            with db.session.begin_nested():
                db.session.add(QuestionVote(question_id=question.id, user_id=user.id, created_at=now()))
        except IntegrityError:
            return question
    else:
        db.session.delete(mine)
    db.session.flush()
    question.vote_count = db.session.scalar(select(func.count()).select_from(QuestionVote)
                                            .where(QuestionVote.question_id == question.id)) or 0
    realtime.log_event(thread, "question.votes", question=question)
    db.session.commit()
    return question


QUESTION_ACTIONS = {"answered": (QUESTION_ANSWERED, "question.answered"), "hide": (QUESTION_HIDDEN, "question.hidden"),
                    "reopen": (QUESTION_OPEN, "question.reopened")}


def mark_question(question: Question, actor, action: str, reason: str = "") -> Question:
    """Staff mark a question answered, hide it (with a reason) or put it back in the list."""
    from app.events.models import Event

    if action not in QUESTION_ACTIONS:
        raise ServiceError(_("할 일을 골라 주세요."))
    state, kind = QUESTION_ACTIONS[action]
    if action == "hide":
        reason = _reason(reason)
    if question.state == state:
        return question
    event = db.session.get(Event, question.event_id)
    question.state, question.moderated_by_id = state, actor.id
    question.answered_at = now() if state == QUESTION_ANSWERED else question.answered_at
    if state == QUESTION_HIDDEN:
        question.hidden_at, question.hidden_reason = now(), reason
    audit.record(f"forums.qa_{action}", question, actor=actor, event=event.id, reason=reason or None)
    realtime.log_event(_event_thread(event), kind, question=question)
    db.session.commit()
    return question


def publish_live(event, kind: str, data: dict) -> int:
    """For the live console: log ``kind`` (e.g. "announcement", "segment", "qa.state") with ``data`` in the
    event's room, numbered like every thread event, and broadcast after the caller's commit.

    Does not commit: call it inside the transaction that makes the change, then commit. Returns the seq.
    """
    if not re.fullmatch(r"[a-z][a-z_.]{1,31}", kind or ""):
        raise ValueError("event kinds are short lowercase names")
    return realtime.log_event(_event_thread(event), kind, data=dict(data or {})).seq


def new_client_id() -> str:
    return secrets.token_hex(16)
