"""The ``/forums`` Socket.IO namespace: one room per thread, every event authorized like the pages.

Anyone may connect (public threads can be read logged out); the user is the one whose session
cookie came with the connection. Each event is checked with the same permission names as the
pages and calls one service. Replies go back as the event's acknowledgement: ``{"ok": true, ...}``
or ``{"error": "…"}`` (a message in Korean to show as it is). A client that floods is refused,
then dropped; nothing it sends can take the server or other clients down.
"""
from __future__ import annotations

import functools
import logging

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import disconnect, join_room, leave_room

from app import socket_auth
from app.errors import ServiceError
from app.extensions import db, socketio
from app.forums import moderation, qa, services, targets
from app.forums.models import Post, Question, Thread
from app.forums.realtime import NAMESPACE, flood, presence, replay
from app.permissions import can

log = logging.getLogger(__name__)
MAX_ROOMS = 20  # rooms one socket may hold at once (app.socket_auth keeps which, per process)


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < 2**62 else None
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value)
    return None


def _optional_id(data: dict, key: str) -> int | None:
    """An id the client may leave out; anything else than a whole number is refused."""
    value = data.get(key)
    if value in (None, ""):
        return None
    number = _int(value)
    if number is None:
        raise ServiceError(_("잘못된 요청입니다. 페이지를 새로 고친 뒤 다시 시도해 주세요."))
    return number


def _text(value, limit: int = 20000) -> str:
    return value[:limit] if isinstance(value, str) else ""


def handler(event: str):
    """Register a /forums event handler: flood control, a dict argument, errors as messages, session freed."""

    def wrap(fn):
        @functools.wraps(fn)
        def wrapped(data=None, *args):
            try:
                verdict = flood.check(request.sid, current_app.config.get("FORUM_SOCKET_EVENTS_PER_10S", 40))
                if verdict == "drop":
                    log.warning("forums: dropping a flooding socket %s", request.sid)
                    disconnect()
                    return {"error": _("요청이 너무 많아 연결을 끊었습니다.")}
                if verdict == "refuse":
                    return {"error": _("요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.")}
                if socket_auth.login_ended(request.sid):  # logged out since it connected
                    disconnect()
                    return {"error": _("로그아웃되어 연결을 끊었습니다. 다시 로그인해 주세요.")}
                if not isinstance(data, dict):
                    return {"error": _("잘못된 요청입니다.")}
                return fn(data)
            except ServiceError as error:
                db.session.rollback()
                return {"error": error.message}
            except Exception:
                log.exception("forums: socket event %s failed", event)
                db.session.rollback()
                return {"error": _("일시적인 오류입니다. 잠시 후 다시 시도해 주세요.")}
            finally:
                db.session.remove()  # socket events outlive request contexts; free the session

        socketio.on_event(event, wrapped, namespace=NAMESPACE)
        return wrapped

    return wrap


def _need_login() -> None:
    if not current_user.is_authenticated:
        raise ServiceError(_("로그인한 뒤 참여할 수 있습니다."))


def _target(data) -> targets.Target:
    target = targets.from_room(data.get("room"))
    if target is None or not can("forums.read", target):
        raise ServiceError(_("이 토론을 볼 수 없습니다."))
    return target


def _post(data) -> tuple[Post, targets.Target]:
    post_id = _int(data.get("post_id"))
    post = db.session.get(Post, post_id) if post_id else None
    target = services.target_of(db.session.get(Thread, post.thread_id)) if post else None
    if post is None or target is None or not can("forums.read", target):
        raise ServiceError(_("글을 찾을 수 없습니다."))
    return post, target


def _event(event_id):
    from app.events.models import Event

    event = db.session.get(Event, _int(event_id)) if _int(event_id) else None
    if event is None or not can("forums.qa.view", event):
        raise ServiceError(_("행사를 찾을 수 없습니다."))
    return event


def _question(data) -> Question:
    question_id = _int(data.get("question_id"))
    question = db.session.get(Question, question_id) if question_id else None
    if question is None:
        raise ServiceError(_("질문을 찾을 수 없습니다."))
    _event(question.event_id)
    return question


def _may_stay(user, room: str) -> bool:
    """The periodic re-check of a joined room (app.socket_auth): the join's own permission."""
    target = targets.from_room(room)
    return target is not None and can("forums.read", target, user=user)


socket_auth.watch(NAMESPACE, _may_stay, on_removed=lambda sid, room: presence.leave(room, sid))


@socketio.on("connect", namespace=NAMESPACE)
def _connect(auth=None):
    # Authenticated here: the session cookie of the handshake names the user for every later event,
    # and the periodic sweep re-checks that login and every joined room.
    try:
        socket_auth.connected(request.sid, current_app._get_current_object())
        return True
    finally:
        db.session.remove()


@socketio.on("disconnect", namespace=NAMESPACE)
def _disconnect(*args):
    try:
        for room in socket_auth.disconnected(NAMESPACE, request.sid):
            presence.leave(room, request.sid)
        flood.forget(request.sid)
    finally:
        db.session.remove()


def _me() -> dict:
    if not current_user.is_authenticated:
        return {"id": None, "staff": False}
    return {"id": current_user.id, "staff": bool(current_user.is_staff)}


@handler("join")
def join(data):
    """Subscribe to a thread's room; with ``last_seq``, receive what happened since."""
    target = _target(data)
    room = target.room
    if not socket_auth.joined(NAMESPACE, request.sid, room, limit=MAX_ROOMS):
        raise ServiceError(_("한 번에 열 수 있는 토론이 너무 많습니다."))
    join_room(room)
    presence.enter(room, request.sid)
    thread = services.find_thread(target)
    last = _int(data.get("last_seq"))
    result = replay(thread, room, last) if last is not None else {"seq": thread.last_seq if thread else 0,
                                                                    "events": []}
    return {"ok": True, "room": room, "me": _me(), "presence": presence.count(room), **result}


@handler("sync")
def sync(data):
    """What a joined client missed after ``last_seq`` (it saw a gap in the numbers)."""
    target = _target(data)
    last = _int(data.get("last_seq"))
    if last is None:
        raise ServiceError(_("잘못된 요청입니다."))
    return {"ok": True, "room": target.room, **replay(services.find_thread(target), target.room, last)}


@handler("leave")
def leave(data):
    room = data.get("room")
    if not isinstance(room, str):
        raise ServiceError(_("잘못된 요청입니다."))
    if socket_auth.left(NAMESPACE, request.sid, room):
        leave_room(room)
        presence.leave(room, request.sid)
    return {"ok": True}


@handler("here")
def here(data):
    """Heartbeat: keep this socket counted in the rooms it has open."""
    for room in socket_auth.rooms_of(NAMESPACE, request.sid):
        presence.touch(room, request.sid)
    return {"ok": True}


@handler("post")
def post(data):
    _need_login()
    target = _target(data)
    created = services.create_post(target, current_user._get_current_object(), _text(data.get("body")),
                                   parent_id=_optional_id(data, "parent_id"), quote_id=_optional_id(data, "quote_id"),
                                   client_id=data.get("client_id"))
    return {"ok": True, "post_id": created.id}


@handler("edit")
def edit(data):
    _need_login()
    found, _target_ = _post(data)
    services.edit_post(found, current_user._get_current_object(), _text(data.get("body")))
    return {"ok": True}


@handler("delete")
def delete(data):
    _need_login()
    found, _target_ = _post(data)
    services.delete_post(found, current_user._get_current_object())
    return {"ok": True}


@handler("react")
def react(data):
    _need_login()
    found, _target_ = _post(data)
    result = services.react(found, current_user._get_current_object(), data.get("kind"))
    return {"ok": True, "agree": result.agree_count, "disagree": result.disagree_count}


@handler("report")
def report(data):
    _need_login()
    found, _target_ = _post(data)
    moderation.report_post(found, current_user._get_current_object(), data.get("reason"), _text(data.get("detail"), 600))
    return {"ok": True}


@handler("moderate")
def moderate(data):
    _need_login()
    found, target = _post(data)
    if not can("forums.moderate", target):
        raise ServiceError(_("이 작업을 할 수 있는 권한이 없습니다."))
    action = data.get("action")
    if action == "hide":
        moderation.hide_post(found, current_user._get_current_object(), _text(data.get("reason"), 400))
    elif action == "unhide":
        moderation.unhide_post(found, current_user._get_current_object(), _text(data.get("reason"), 400))
    else:
        raise ServiceError(_("할 일을 골라 주세요."))
    return {"ok": True}


@handler("qa_ask")
def qa_ask(data):
    _need_login()
    event = _event(data.get("event_id"))
    question = qa.ask(event, current_user._get_current_object(), _text(data.get("body"), 2000),
                            anonymous=bool(data.get("anonymous")), client_id=data.get("client_id"))
    return {"ok": True, "question_id": question.id}


@handler("qa_vote")
def qa_vote(data):
    _need_login()
    question = qa.upvote(_question(data), current_user._get_current_object())
    return {"ok": True, "votes": question.vote_count}


@handler("qa_mark")
def qa_mark(data):
    _need_login()
    question = _question(data)
    if not can("forums.qa.moderate", _event(question.event_id)):
        raise ServiceError(_("이 작업을 할 수 있는 권한이 없습니다."))
    qa.mark_question(question, current_user._get_current_object(), data.get("action"),
                           _text(data.get("reason"), 400))
    return {"ok": True}
