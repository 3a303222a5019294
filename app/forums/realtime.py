"""The thread event log and its broadcast: numbered per thread, written in the transaction it announces,
emitted after that transaction commits, replayed from the database to clients that reconnect.

All live traffic of the ``/forums`` namespace goes out as one Socket.IO event, ``thread_event``:
``{"room": "agenda-12", "seq": 41, "type": "post.created", "post": {...}}``. ``seq`` grows by one
per thread, so a client that saw 40 and gets 42 knows it missed one and asks for a replay.
Presence counts go out as ``presence`` (not logged: they are a gauge, not history).
"""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app.extensions import db, socketio
from app.forums.models import VISIBLE, Post, Question, Thread, ThreadEvent
from app.utils import now, on_commit

NAMESPACE = "/forums"
EVENT = "thread_event"
REPLAY_LIMIT = 500  # a client further behind than this reloads the page instead

log = logging.getLogger(__name__)
_write_only = None
_write_only_lock = threading.Lock()


# --- emitting ------------------------------------------------------------------------

def emitter():
    """The app's Socket.IO server, or inside a Celery worker a write-only one on the message queue."""
    global _write_only
    try:
        from celery import current_task

        in_worker = current_task is not None and current_task.request.id is not None \
            and not current_task.request.is_eager
    except Exception:  # pragma: no cover - Celery not importable
        in_worker = False
    queue = current_app.config.get("SOCKETIO_MESSAGE_QUEUE")
    if in_worker and queue:
        with _write_only_lock:
            if _write_only is None:
                from flask_socketio import SocketIO

                _write_only = SocketIO(message_queue=queue,
                                       channel=current_app.config.get("SOCKETIO_CHANNEL", "flask-socketio"))
        return _write_only
    return socketio


def emit_after_commit(payload: dict, room: str, event: str = EVENT) -> None:
    """Announce ``payload`` to ``room`` once the current transaction commits (never before)."""
    on_commit(db.session(), lambda: emitter().emit(event, payload, to=room, namespace=NAMESPACE))


# --- serializing -----------------------------------------------------------------------

def _iso(moment) -> str | None:
    return moment.isoformat() + "Z" if moment else None


def _kst(moment) -> str:
    from app.templating import _kst as kst

    return kst(moment)


def post_data(post: Post) -> dict[str, Any]:
    """What every reader may see of a post, in its current state (hidden and deleted posts keep only their place)."""
    data = {"id": post.id, "parent_id": post.parent_id, "depth": post.depth, "state": post.state,
            "created_at": _iso(post.created_at), "created_kst": _kst(post.created_at),
            "edited": post.edited_at is not None, "agree": post.agree_count, "disagree": post.disagree_count,
            "client_id": post.client_id}
    if post.state == VISIBLE:
        minutes = current_app.config.get("FORUM_EDIT_MINUTES", 15)
        data.update(author=post.author.public_name, author_id=post.author_id, html=post.body_html,
                    editable_until=_iso(post.created_at + timedelta(minutes=minutes)), quote=quote_data(post))
    return data


def quote_data(post: Post) -> dict[str, Any] | None:
    """The quoted post as it is now: an excerpt while it is visible, only its place once hidden."""
    from app.forums.markup import plain

    quoted = post.quote_of
    if quoted is None:
        return None
    if quoted.state != VISIBLE:
        return {"id": quoted.id, "state": quoted.state}
    return {"id": quoted.id, "state": quoted.state, "author": quoted.author.public_name,
            "excerpt": plain(quoted.body, 200)}


def question_data(question: Question) -> dict[str, Any]:
    """A question as the public sees it: the asker's name only if they allowed it; nothing of a hidden one."""
    data = {"id": question.id, "state": question.state, "votes": question.vote_count,
            "created_at": _iso(question.created_at), "created_kst": _kst(question.created_at)}
    if question.state != "hidden":
        data.update(body=question.body, author=None if question.anonymous else question.author.public_name)
    return data


def _payload(row: ThreadEvent, room: str, posts: dict[int, Post], questions: dict[int, Question]) -> dict:
    payload: dict[str, Any] = {"room": room, "seq": row.seq, "type": row.kind}
    if row.post_id is not None and row.post_id in posts:
        payload["post"] = post_data(posts[row.post_id])
    if row.question_id is not None and row.question_id in questions:
        payload["question"] = question_data(questions[row.question_id])
    if row.data:
        payload["data"] = row.data
    return payload


# --- the log -------------------------------------------------------------------------------

def log_event(thread: Thread, kind: str, *, post: Post | None = None, question: Question | None = None,
              data: dict | None = None) -> ThreadEvent:
    """Number the next event of ``thread`` and broadcast it after commit.

    The counter is bumped with one UPDATE … RETURNING: on PostgreSQL the row lock it takes orders
    concurrent writers of one thread until they commit, so numbers are gap-free and increasing.
    """
    seq = db.session.execute(
        update(Thread).where(Thread.id == thread.id).values(last_seq=Thread.last_seq + 1)
        .returning(Thread.last_seq).execution_options(synchronize_session=False)).scalar_one()
    row = ThreadEvent(thread_id=thread.id, seq=seq, kind=kind, post_id=post.id if post else None,
                      question_id=question.id if question else None, data=data or {}, created_at=now())
    db.session.add(row)
    payload = _payload(row, thread.room, {post.id: post} if post else {}, {question.id: question} if question else {})
    emit_after_commit(payload, thread.room)
    return row


def current_seq(thread: Thread | None) -> int:
    if thread is None:
        return 0
    return db.session.scalar(select(Thread.last_seq).where(Thread.id == thread.id)) or 0


def replay(thread: Thread | None, room: str, after: int) -> dict[str, Any]:
    """Everything in ``thread`` after event ``after``, rebuilt from the database in today's state."""
    if thread is None:
        return {"seq": 0, "events": []}
    rows = list(db.session.scalars(select(ThreadEvent).where(ThreadEvent.thread_id == thread.id, ThreadEvent.seq > after)
                                   .order_by(ThreadEvent.seq).limit(REPLAY_LIMIT + 1)))
    last = current_seq(thread)
    if len(rows) > REPLAY_LIMIT:
        return {"seq": last, "reset": True, "events": []}
    post_ids = {r.post_id for r in rows if r.post_id}
    question_ids = {r.question_id for r in rows if r.question_id}
    posts = {p.id: p for p in db.session.scalars(
        select(Post).where(Post.id.in_(post_ids)).options(joinedload(Post.author), joinedload(Post.quote_of)))} \
        if post_ids else {}
    questions = {q.id: q for q in db.session.scalars(
        select(Question).where(Question.id.in_(question_ids)).options(joinedload(Question.author)))} \
        if question_ids else {}
    return {"seq": max([last] + [r.seq for r in rows]), "events": [_payload(r, room, posts, questions) for r in rows]}


# --- presence ------------------------------------------------------------------------------

class Presence:
    """How many clients have a room open, across every server process.

    With a message queue the count lives in Redis (a sorted set of socket ids scored by expiry, refreshed
    by the clients' heartbeats, so a crashed process's sockets age out); otherwise in this process.
    Counts go out at most once per ``interval`` seconds per room, so a thousand joins do not
    become a million messages.
    """

    TTL = 75  # seconds without a heartbeat before a socket stops counting
    interval = 2.0

    def __init__(self):
        self._local: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()
        self._pending: set[str] = set()
        self._redis = None
        self._prefix = "forums"

    def _store(self):
        if self._redis is None:
            url = current_app.config.get("SOCKETIO_MESSAGE_QUEUE")
            if url and url.startswith(("redis://", "rediss://", "unix://")):
                import redis

                self._redis = redis.Redis.from_url(url)
                self._prefix = "forums:" + current_app.config.get("SOCKETIO_CHANNEL", "flask-socketio")
            else:
                self._redis = False
        return self._redis or None

    def _key(self, room: str) -> str:
        return f"{self._prefix}:presence:{room}"

    def enter(self, room: str, sid: str) -> None:
        self.touch(room, sid)
        self._announce(room)

    def touch(self, room: str, sid: str) -> None:
        """Count ``sid`` in ``room`` for another TTL seconds (a heartbeat; announces nothing)."""
        expiry = time.time() + self.TTL
        store = self._store()
        if store is not None:
            try:
                store.zadd(self._key(room), {sid: expiry})
                store.expire(self._key(room), self.TTL * 2)
            except Exception:
                log.warning("presence: Redis unavailable", exc_info=True)
        else:
            with self._lock:
                self._local.setdefault(room, {})[sid] = expiry

    def leave(self, room: str, sid: str) -> None:
        store = self._store()
        if store is not None:
            try:
                store.zrem(self._key(room), sid)
            except Exception:
                log.warning("presence: Redis unavailable", exc_info=True)
        else:
            with self._lock:
                self._local.get(room, {}).pop(sid, None)
        self._announce(room)

    def count(self, room: str) -> int:
        moment = time.time()
        store = self._store()
        if store is not None:
            try:
                store.zremrangebyscore(self._key(room), "-inf", moment)
                return int(store.zcard(self._key(room)))
            except Exception:
                return 0
        with self._lock:
            members = self._local.get(room, {})
            for sid in [s for s, t in members.items() if t < moment]:
                members.pop(sid, None)
            return len(members)

    def _announce(self, room: str) -> None:
        with self._lock:
            if room in self._pending:
                return
            self._pending.add(room)
        app = current_app._get_current_object()

        def later():
            socketio.sleep(self.interval)
            with app.app_context():
                with self._lock:
                    self._pending.discard(room)
                socketio.emit("presence", {"room": room, "count": self.count(room)}, to=room, namespace=NAMESPACE)

        socketio.start_background_task(later)


presence = Presence()


class Flood:
    """Per-connection event budget: past it events are refused; far past it the socket is dropped."""

    def __init__(self):
        self._events: dict[str, deque] = {}
        self._lock = threading.Lock()

    def check(self, sid: str, limit: int, window: float = 10.0) -> str:
        """'ok', 'refuse' or 'drop' for one more event from ``sid``."""
        moment = time.monotonic()
        with self._lock:
            seen = self._events.setdefault(sid, deque())
            while seen and seen[0] < moment - window:
                seen.popleft()
            seen.append(moment)
            if len(seen) > limit * 3:
                return "drop"
            return "refuse" if len(seen) > limit else "ok"

    def forget(self, sid: str) -> None:
        with self._lock:
            self._events.pop(sid, None)


flood = Flood()
