"""Sockets leave the rooms their user may no longer see.

A socket's rooms are authorized when it joins them. What changes afterwards is caught by a
periodic sweep on every process:
- a membership ends;
- an event becomes members-only;
- the account is deleted, or its password changed, which ends every session.

Each socket's login is loaded again and each of its rooms checked with the same permission as
the join. A room that fails is left and the client is told (``removed``). A login that ended
disconnects the socket. The sweep runs every ``SOCKET_REAUTH_SECONDS`` (30; 0 turns it off); a
namespace takes part by calling :func:`watch` once and :func:`joined` / :func:`left` /
:func:`connected` / :func:`disconnected` from its handlers.

Logging out does not wait for the sweep. A logged-in socket also sits in two server-only rooms,
its login session's and its person's; :func:`end_logins` closes them, and the client manager
(:func:`client_manager`) disconnects whoever is in a closed login room. With a message queue the
close goes through it, so every process drops its own sockets at once. Handlers refuse an event
from a socket whose login has ended meanwhile (:func:`login_ended`).
"""
from __future__ import annotations

import contextvars
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

import socketio as python_socketio
from flask import Flask
from flask_login import AnonymousUserMixin, current_user
from flask_socketio import join_room

from app.extensions import db, socketio

log = logging.getLogger(__name__)


@dataclass
class _Namespace:
    allowed: Callable[[Any, str], bool]  # (user, room) -> may this user stay in the room?
    on_removed: Callable[[str, str], None] | None = None  # (sid, room): the namespace's own bookkeeping
    # sid -> rooms joined on this process (namespaces may read it: rooms_of)
    rooms: dict[str, set[str]] = field(default_factory=dict)


_namespaces: dict[str, _Namespace] = {}
_logins: dict[str, str | None] = {}  # sid -> Flask-Login id ("user id:session token") at connect
_lock = threading.Lock()
_started = False


def watch(namespace: str, allowed: Callable[[Any, str], bool],
          on_removed: Callable[[str, str], None] | None = None) -> None:
    _namespaces[namespace] = _Namespace(allowed, on_removed)


def connected(sid: str, app: Flask) -> None:
    """Remember who this socket is (call from the namespace's connect handler)."""
    login_id = current_user.get_id() if current_user.is_authenticated else None
    with _lock:
        _logins[sid] = login_id
    join_login_rooms()
    _start(app)


def join_login_rooms() -> None:
    """Put a logged-in socket in its login session's and its person's rooms (from a connect handler),
    so that logging out, here or everywhere, drops it at once."""
    if current_user.is_authenticated and current_user.login_session_id:
        join_room(_session_room(current_user.login_session_id))
        join_room(_person_room(current_user.id))


def login_ended(sid: str) -> bool:
    """Whether this socket connected logged in and its login has ended since (its handlers refuse it).

    ``current_user`` is loaded afresh for every event, from the cookies of the handshake."""
    with _lock:
        login_id = _logins.get(sid)
    return login_id is not None and not current_user.is_authenticated


LOGIN_ROOM_PREFIX = "login:"  # rooms only the server puts sockets in; no client event can name them


def _session_room(login_session_id: int) -> str:
    return f"{LOGIN_ROOM_PREFIX}session-{login_session_id}"


def _person_room(user_id: int) -> str:
    return f"{LOGIN_ROOM_PREFIX}user-{user_id}"


def end_logins(*, sessions: list[int] = (), user_id: int | None = None) -> None:
    """Disconnect now, on every process, the sockets opened under these login sessions (or, given
    ``user_id``, every socket of that person). Call after the commit that ended them."""
    rooms = [_session_room(s) for s in sessions] + ([_person_room(user_id)] if user_id is not None else [])

    def close():
        for namespace in ("/", *_namespaces):
            for room in rooms:
                try:
                    socketio.close_room(room, namespace=namespace)
                except Exception:  # the queue is down: the sweep and the per-event check still end them
                    log.exception("sockets: could not close %s on %s", room, namespace)

    # This process's sockets are disconnected right here, and their disconnect handlers free "the"
    # database session: in a context of their own, not the caller's request (which may go on using it).
    contextvars.Context().run(close)


def _drop_login_room(manager, room, namespace: str | None) -> None:
    """Disconnect this process's sockets in a login room that is being closed."""
    if not (isinstance(room, str) and room.startswith(LOGIN_ROOM_PREFIX)):
        return
    namespace = namespace or "/"
    for sid, _eio_sid in list(manager.get_participants(namespace, room)):
        manager.server.disconnect(sid, namespace=namespace, ignore_queue=True)


class _LocalManager(python_socketio.Manager):
    """One process, no queue: closing a login room disconnects its sockets."""

    def close_room(self, room, namespace):
        _drop_login_room(self, room, namespace)
        return super().close_room(room, namespace)


class _EndsLoginsOnEveryProcess:
    """Mixed into a queue's manager: a login room's close, sent here or received from the queue,
    disconnects this process's sockets in it."""

    def _handle_close_room(self, message):
        _drop_login_room(self, message.get("room"), message.get("namespace"))
        return super()._handle_close_room(message)


def client_manager(url: str | None, channel: str):
    """The Socket.IO client manager for ``create_app``: the one Flask-SocketIO would pick for ``url``
    (none, Redis, Kafka, ZeroMQ or Kombu), made to drop the sockets of a login that ends."""
    if not url:
        return _LocalManager()
    if url.startswith(("redis://", "rediss://")):
        base = python_socketio.RedisManager
    elif url.startswith("kafka://"):
        base = python_socketio.KafkaManager
    elif url.startswith("zmq"):
        base = python_socketio.ZmqManager
    else:
        base = python_socketio.KombuManager
    manager_class = type(f"LoginEnding{base.__name__}", (_EndsLoginsOnEveryProcess, base), {})
    return manager_class(url, channel=channel)


def joined(namespace: str, sid: str, room: str, limit: int | None = None) -> bool:
    """Record that ``sid`` joined ``room``; False, recording nothing, when it holds ``limit`` other rooms."""
    with _lock:
        mine = _namespaces[namespace].rooms.setdefault(sid, set())
        if limit is not None and room not in mine and len(mine) >= limit:
            return False
        mine.add(room)
    return True


def left(namespace: str, sid: str, room: str) -> bool:
    """Record that ``sid`` left ``room``; whether it had joined it."""
    with _lock:
        mine = _namespaces[namespace].rooms.get(sid, set())
        was_in = room in mine
        mine.discard(room)
    return was_in


def rooms_of(namespace: str, sid: str) -> list[str]:
    with _lock:
        return list(_namespaces[namespace].rooms.get(sid, ()))


def disconnected(namespace: str, sid: str) -> set[str]:
    """Forget the socket; the rooms it had joined."""
    with _lock:
        _logins.pop(sid, None)
        return _namespaces[namespace].rooms.pop(sid, set())


def sweep() -> int:
    """Check every socket of this process against its rooms now; return how many rooms were left."""
    removed = 0
    try:
        for name, namespace in _namespaces.items():
            with _lock:
                sockets = {sid: (set(rooms), _logins.get(sid)) for sid, rooms in namespace.rooms.items()}
            for sid, (rooms, login_id) in sockets.items():
                try:
                    removed += _check(name, namespace, sid, rooms, login_id)
                except Exception:  # one socket's failure does not spare the others their check
                    log.exception("sockets: re-checking %s on %s failed", sid, name)
                    db.session.rollback()
    finally:
        db.session.remove()
    return removed


def _check(name: str, namespace: _Namespace, sid: str, rooms: set[str], login_id: str | None) -> int:
    from app.auth.services import load_user_from_session

    user = load_user_from_session(login_id) if login_id else AnonymousUserMixin()
    if user is None:  # the session ended (logout elsewhere, new password, account deleted)
        socketio.server.disconnect(sid, namespace=name)
        disconnected(name, sid)
        return len(rooms)
    removed = 0
    for room in rooms:
        if namespace.allowed(user, room):
            continue
        socketio.server.leave_room(sid, room, namespace=name)
        left(name, sid, room)
        if namespace.on_removed:
            namespace.on_removed(sid, room)
        socketio.emit("removed", {"room": room}, to=sid, namespace=name)
        removed += 1
    return removed


def _start(app: Flask) -> None:
    """Start this process's sweep once (not under tests: they call :func:`sweep`)."""
    global _started
    interval = app.config.get("SOCKET_REAUTH_SECONDS", 30)
    if _started or app.testing or not interval:
        return
    with _lock:
        if _started:
            return
        _started = True

    def loop():
        while True:
            socketio.sleep(interval)
            try:
                with app.app_context():
                    if (count := sweep()):
                        log.info("sockets: %d room subscriptions withdrawn", count)
            except Exception:  # the next round tries again
                log.exception("sockets: the permission sweep failed")

    socketio.start_background_task(loop)
