"""Named permissions for the hierarchy."""
from app.bodies.models import BodyKind
from app.permissions import is_authenticated, is_staff, predicate, register


@predicate
def leads_body(user, body) -> bool:
    """Chair or co-chair of ``body`` today."""
    from app.bodies.services import is_leader

    return body is not None and is_authenticated(user) and is_leader(body, user)


@predicate
def body_takes_applications(user, body) -> bool:
    return body is not None and body.kind is BodyKind.SUBCOMMITTEE and body.accepts_applications


register("body.manage", is_staff)
register("body.decide_applications", is_staff | leads_body)
register("body.apply", is_authenticated & body_takes_applications)
