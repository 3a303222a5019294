"""Socket.IO plumbing shared by the realtime features.

``login_required`` does not guard socket events, so every handler checks
permissions itself through :func:`app.permissions.can`; connections carry
the Flask session cookie, so ``current_user`` works in handlers.
"""
from __future__ import annotations

import functools

from flask_login import current_user
from flask_socketio import disconnect

from app import socket_auth
from app.extensions import db, socketio
from app.utils import on_commit


def emit_after_commit(event: str, data: dict, *, room: str | None = None, namespace: str = "/") -> None:
    """The one way to announce a change: emit once the current transaction commits."""
    on_commit(db.session(), lambda: socketio.emit(event, data, to=room, namespace=namespace))


def authenticated_only(handler):
    """Refuse a socket event from a client that is not logged in."""

    @functools.wraps(handler)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            disconnect()
            return None
        try:
            return handler(*args, **kwargs)
        finally:
            db.session.remove()  # socket events outlive request contexts; free the session

    return wrapped


@socketio.on("connect")
def _connect(auth=None):
    # The default namespace is public (live pages can be followed logged out);
    # feature namespaces decide for themselves who may connect.
    try:
        socket_auth.join_login_rooms()  # logging out drops this socket at once
        return True
    finally:
        db.session.remove()


@socketio.on("whoami")
@authenticated_only
def _whoami(data=None):
    return {"id": current_user.id, "name": current_user.display_name}
