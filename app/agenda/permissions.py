"""Named permissions for agenda items (one layer for pages, templates and the API)."""
from app.permissions import is_staff, is_verified, predicate, register


@predicate
def phase_allows_propose(user, cycle) -> bool:
    from app.cycles.phases import PROPOSE

    return cycle is not None and cycle.allows(PROPOSE)


@predicate
def may_support(user, item) -> bool:
    from app.cycles.phases import SUPPORT

    return (item is not None and item.stage_obj.open and item.proposer_id != user.id
            and item.cycle.allows(SUPPORT))


@predicate
def may_move(user, item) -> bool:
    from app.agenda.services import can_move

    return item is not None and can_move(user, item)


@predicate
def is_proposer_editing(user, item) -> bool:
    return item is not None and item.proposer_id == user.id and item.stage in ("draft", "proposed")


@predicate
def item_is_public(user, item) -> bool:
    return item is not None and item.stage != "draft"


@predicate
def is_proposer(user, item) -> bool:
    return item is not None and getattr(user, "id", None) == item.proposer_id


register("agenda.propose", is_verified & phase_allows_propose)
register("agenda.support", is_verified & may_support)
register("agenda.move", may_move)
register("agenda.edit", is_verified & is_proposer_editing)
register("agenda.answer", is_staff)
register("agenda.view", item_is_public | is_staff | is_proposer)
