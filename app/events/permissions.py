"""Named permissions for events (one layer for pages, templates, sockets and the API).

Other features rely on these names: ``events.view`` (may see the event page),
``events.follow_live`` (may follow the live page: the event's audience rules,
staff always) and ``events.manage`` (staff, or chair / co-chair / secretary of
the host body).
"""
from app.permissions import is_authenticated, is_staff, predicate, register


def _leads_host(user, event) -> bool:
    """Chair, co-chair or secretary of the event's host body today."""
    from app.bodies.models import MemberRole
    from app.bodies.services import current_membership

    if event is None or event.body is None or not is_authenticated(user):
        return False
    seat = current_membership(event.body, user)
    return seat is not None and seat.role in (MemberRole.CHAIR, MemberRole.CO_CHAIR, MemberRole.SECRETARY)


@predicate
def manages_event(user, event) -> bool:
    return is_staff(user) or _leads_host(user, event)


@predicate
def manages_body_events(user, body) -> bool:
    """May create events hosted by ``body`` (staff: any body, or none)."""
    from app.bodies.models import MemberRole
    from app.bodies.services import current_membership

    if is_staff(user):
        return True
    if body is None or not is_authenticated(user):
        return False
    seat = current_membership(body, user)
    return seat is not None and seat.role in (MemberRole.CHAIR, MemberRole.CO_CHAIR, MemberRole.SECRETARY)


@predicate
def event_is_public(user, event) -> bool:
    from app.events.models import EventStatus

    return event is not None and event.status is not EventStatus.DRAFT


@predicate
def in_audience(user, event) -> bool:
    """The event's audience rule: anyone, verified residents, or current members of the host body."""
    from app.events.services import audience_refusal

    return event is not None and audience_refusal(event, user) is None


@predicate
def may_create_some_event(user, obj=None) -> bool:
    from app.events.services import bodies_user_hosts

    return is_staff(user) or (is_authenticated(user) and bool(bodies_user_hosts(user)))


register("events.manage", manages_event)
register("events.view", event_is_public | manages_event)
register("events.follow_live", (event_is_public & in_audience) | manages_event)
register("events.register", event_is_public & in_audience)
register("events.create", may_create_some_event)
register("events.create_for_body", manages_body_events)
register("events.check_in", manages_event)
register("events.export", manages_event)
