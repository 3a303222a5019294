"""Discussion services: threads, posts, reactions and mentions.

Moderation lives in app/forums/moderation.py, online forums (공론장) in app/forums/online.py and the live
Q&A in app/forums/qa.py. Each public function validates, writes, logs the thread event and commits once;
the event goes out to the room only after that commit (realtime.log_event).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import audit
from app.auth.models import User
from app.errors import ServiceError
from app.extensions import db, hit_personal_limit
from app.forums import realtime
from app.forums.markup import plain, render
from app.forums.models import AGREE, DELETED, DISAGREE, VISIBLE, Ban, BlockedWord, Post, Reaction, Thread
from app.forums.targets import Target
from app.notifications import notify
from app.permissions import can
from app.utils import now

MAX_DEPTH = 3
MAX_MENTIONS = 10
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


def refuse_if_banned(user, thread: Thread | None = None, event_id: int | None = None) -> None:
    """Refuse writing here while ``user`` has an active ban for this thread or event."""
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


def rate_limit(user) -> None:
    """Refuse a resident's post or question beyond the configured rate (staff are not limited)."""
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


def clean_client_id(client_id) -> str | None:
    """The client's idempotency key, stripped (None if absent); refused if malformed."""
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
    client_id = clean_client_id(client_id)
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
    refuse_if_banned(user, thread)
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
    rate_limit(user)
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
    recount(thread)
    _mention(post, thread, target, user)
    realtime.log_event(thread, "post.created", post=post)
    db.session.commit()
    return post


def recount(thread: Thread) -> None:
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
    refuse_if_banned(user, thread)
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
    recount(thread)
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
    refuse_if_banned(user, thread)
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

