"""What a thread hangs on, and the Socket.IO room named after it.

A room is named ``KIND-ID`` (``agenda-12``, ``event-3``, ``body-2``, ``members-2``, ``forum-7``), so a
page can subscribe before the thread's first post creates the thread row.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.extensions import db
from app.forums.models import THREAD_KINDS

ROOM = re.compile(r"^(agenda|event|body|members|forum)-(\d{1,12})$")


@dataclass(frozen=True)
class Target:
    """A thread's anchor: ``kind`` plus the object (AgendaItem, Event, Body or OnlineForum)."""

    kind: str
    obj: Any

    @property
    def id(self) -> int:
        return self.obj.id

    @property
    def room(self) -> str:
        return f"{self.kind}-{self.obj.id}"

    @property
    def title(self) -> str:
        return getattr(self.obj, "title", None) or getattr(self.obj, "name", "")

    @property
    def event(self):
        return self.obj if self.kind == "event" else None

    def url(self) -> str:
        from app.utils import link

        if self.kind == "agenda":
            return link("agenda.detail", item_id=self.obj.id)
        if self.kind == "body":
            return link("bodies.detail", body_id=self.obj.id)
        if self.kind == "forum":
            return link("forums.forum", forum_id=self.obj.id)
        return link("forums.room", room=self.room)


def _model(kind: str):
    if kind == "agenda":
        from app.agenda.models import AgendaItem

        return AgendaItem
    if kind == "event":
        from app.events.models import Event

        return Event
    if kind in ("body", "members"):
        from app.bodies.models import Body

        return Body
    from app.forums.models import OnlineForum

    return OnlineForum


def load(kind: str, target_id: int) -> Target | None:
    """The target of ``kind`` with ``target_id``, or None."""
    if kind not in THREAD_KINDS:
        return None
    obj = db.session.get(_model(kind), target_id)
    return Target(kind, obj) if obj is not None else None


def from_room(room: Any) -> Target | None:
    """The target a room name points at, or None for anything malformed or unknown."""
    match = ROOM.match(room) if isinstance(room, str) else None
    return load(match.group(1), int(match.group(2))) if match else None


def of(obj: Any, members: bool = False) -> Target:
    """The target for an AgendaItem, Event, Body (``members``: its members-only room) or OnlineForum."""
    name = type(obj).__name__
    kind = {"AgendaItem": "agenda", "Event": "event", "Body": "members" if members else "body",
            "OnlineForum": "forum"}.get(name)
    if kind is None:
        raise TypeError(f"no thread can hang on a {name}")
    return Target(kind, obj)
