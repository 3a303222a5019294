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
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import Flask
from flask_login import AnonymousUserMixin, current_user

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
    _start(app)


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
