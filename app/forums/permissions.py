"""Named permissions for discussion and live Q&A: one layer for pages, templates and socket events.

Thread permissions take a :class:`app.forums.targets.Target`; Q&A permissions take an Event.
"""
from __future__ import annotations

from app.permissions import REGISTRY, is_authenticated, is_staff, is_verified, predicate, register
from app.utils import now, today


def is_body_member(user, body) -> bool:
    """A current member of ``body`` (any role)."""
    from sqlalchemy import select

    from app.bodies.models import Membership
    from app.extensions import db

    if body is None or not is_authenticated(user):
        return False
    return db.session.scalar(select(Membership.id).where(
        Membership.body_id == body.id, Membership.user_id == user.id, Membership.active_on(today()))) is not None


def event_visible(user, event) -> bool:
    """The events feature decides who sees an event (events.view)."""
    return REGISTRY["events.view"](user, event)


@predicate
def may_read(user, target) -> bool:
    if target is None:
        return False
    kind, obj = target.kind, target.obj
    if kind == "agenda":
        return REGISTRY["agenda.view"](user, obj)
    if kind == "event":
        # The event's room also carries its live Q&A (askers' names): a members-only or residents-only
        # event keeps its discussion to its audience, as its live page does.
        from app.events.models import Audience

        return event_visible(user, obj) and (obj.audience is Audience.PUBLIC or follows_live(user, obj))
    if kind == "members":
        return is_staff(user) or is_body_member(user, obj)
    return True  # a body's public thread and online forums are public


@predicate
def thread_takes_posts(user, target) -> bool:
    """The target is in a state where people talk: not a draft item, a forum between its dates, an event not cancelled."""
    if target is None:
        return False
    kind, obj = target.kind, target.obj
    if kind == "agenda":
        return obj.stage != "draft"
    if kind == "forum":
        return obj.status() == "open"
    if kind == "event":
        from app.events.models import EventStatus

        return obj.status is not EventStatus.CANCELLED
    return True


@predicate
def follows_live(user, event) -> bool:
    """Who may follow an event's live room: the events feature's rule (events.follow_live)."""
    return REGISTRY["events.follow_live"](user, event)


@predicate
def manages_event(user, target) -> bool:
    """Staff, or who runs the event (events.manage), for an event's discussion and Q&A."""
    event = getattr(target, "event", target) if target is not None else None
    return event is not None and type(event).__name__ == "Event" and REGISTRY["events.manage"](user, event)


@predicate
def qa_is_open(user, event) -> bool:
    return event is not None and bool(event.qa_open)


@predicate
def forum_is_closed(user, forum) -> bool:
    return forum is not None and forum.closes_at <= now()


register("forums.read", may_read)
register("forums.post", is_verified & may_read & thread_takes_posts)
register("forums.react", is_verified & may_read)
register("forums.report", is_authenticated & may_read)
register("forums.moderate", is_staff | manages_event)
register("forums.manage", is_staff)  # online forums, summaries, blocked words, the moderation queue
register("forums.summarize", is_staff & forum_is_closed)
register("forums.qa.view", follows_live)
register("forums.qa.ask", is_verified & follows_live & qa_is_open)
register("forums.qa.vote", is_verified & follows_live & qa_is_open)
register("forums.qa.moderate", is_staff | manages_event)
