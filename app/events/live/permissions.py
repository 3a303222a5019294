"""Permissions the live console relies on.

``events.manage`` and ``events.follow_live`` belong to app/events/permissions.py;
these stand-ins are registered only when that module has not registered them
(an events package without them), so the console never runs unguarded.
"""
from app.permissions import REGISTRY, is_staff, predicate, register


@predicate
def _public_and_published(user, event) -> bool:
    from app.events.models import Audience, EventStatus

    return event is not None and event.status is EventStatus.PUBLISHED and event.audience is Audience.PUBLIC


if "events.manage" not in REGISTRY:
    register("events.manage", is_staff)
if "events.follow_live" not in REGISTRY:
    register("events.follow_live", _public_and_published | is_staff)
