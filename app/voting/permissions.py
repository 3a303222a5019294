"""Named permissions for voting."""
from app.permissions import is_authenticated, is_staff, predicate, register


@predicate
def leads_round_body(user, round_) -> bool:
    """Chair or co-chair of the body the round belongs to."""
    from app.bodies.services import is_leader

    return (round_ is not None and getattr(round_, "body", None) is not None and is_authenticated(user)
            and is_leader(round_.body, user))


@predicate
def round_is_public(user, round_) -> bool:
    from app.voting.models import RoundStatus

    return round_ is not None and round_.status is not RoundStatus.DRAFT


@predicate
def leads_event_body(user, event) -> bool:
    """Chair or co-chair of the body that hosts the event (they run that body's votes)."""
    from app.bodies.services import is_leader

    return (event is not None and getattr(event, "body", None) is not None and is_authenticated(user)
            and is_leader(event.body, user))


register("vote.manage", is_staff | leads_round_body)
# Starting a vote from an event's console: whoever may then close and publish it (vote.manage).
register("vote.launch_at_event", is_staff | leads_event_body)
register("vote.create", is_staff)
register("vote.view", round_is_public | is_staff | leads_round_body)
register("vote.paper", is_staff)
