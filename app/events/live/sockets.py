"""The ``/live`` Socket.IO namespace: follow an event's live room.

A client connects (logged in or not), then asks to ``join`` an event; the
permission layer decides (``events.follow_live``), the client joins the
event's room, gets the current state in the acknowledgement, and joining
counts as online attendance where it should. After a reconnect the client
joins again and so is whole again. Changes arrive as ``state`` messages.
"""
from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import disconnect, join_room, leave_room

from app import socket_auth
from app.events.live import services
from app.events.models import Event
from app.extensions import db, socketio
from app.permissions import can


def _event_from(data) -> Event | None:
    try:
        event_id = int((data or {}).get("event_id"))
    except (TypeError, ValueError, AttributeError):
        return None
    event = db.session.get(Event, event_id)
    return event if event is not None and event.online else None


def _may_stay(user, room: str) -> bool:
    """The periodic re-check of a joined room (app.socket_auth): the join's own permission."""
    event_id = services.event_id_of(room)
    event = db.session.get(Event, event_id) if event_id else None
    return event is not None and can("events.follow_live", event, user=user)


socket_auth.watch(services.NAMESPACE, _may_stay)


@socketio.on("connect", namespace=services.NAMESPACE)
def _connect(auth=None):
    # Public events can be followed logged out: each join is checked on its own, and again by the
    # periodic sweep while the socket stays.
    try:
        socket_auth.connected(request.sid, current_app._get_current_object())
        return True
    finally:
        db.session.remove()


@socketio.on("disconnect", namespace=services.NAMESPACE)
def _disconnect(*args):
    socket_auth.disconnected(services.NAMESPACE, request.sid)


@socketio.on("join", namespace=services.NAMESPACE)
def _join(data=None):
    try:
        if socket_auth.login_ended(request.sid):  # logged out since it connected
            disconnect()
            return {"ok": False, "error": _("로그아웃되어 연결을 끊었습니다. 다시 로그인해 주세요.")}
        event = _event_from(data)
        if event is None:
            return {"ok": False, "error": _("없는 행사이거나 온라인 행사가 아닙니다.")}
        if not can("events.follow_live", event):
            return {"ok": False, "error": _("이 행사의 실시간 화면을 볼 수 없습니다. 로그인하거나 참가 신청을 확인해 주세요.")}
        join_room(services.room(event.id))
        socket_auth.joined(services.NAMESPACE, request.sid, services.room(event.id))
        counted = services.record_online_attendance(event, current_user)
        return {"ok": True, "counted": counted, "state": services.snapshot(event)}
    finally:
        db.session.remove()  # socket events outlive request contexts; free the session


@socketio.on("leave", namespace=services.NAMESPACE)
def _leave(data=None):
    try:
        if socket_auth.login_ended(request.sid):
            disconnect()
            return {"ok": False, "error": _("로그아웃되어 연결을 끊었습니다. 다시 로그인해 주세요.")}
        event = _event_from(data)
        if event is not None:
            leave_room(services.room(event.id))
            socket_auth.left(services.NAMESPACE, request.sid, services.room(event.id))
        return {"ok": True}
    finally:
        db.session.remove()
