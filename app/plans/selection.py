"""Which projects a cycle selected, and which votes belong to a cycle.

A vote round belongs to a cycle when staff attached it to the cycle
(``VoteRound.cycle_id``), when it was held at one of the cycle's events
(``VoteRound.event`` → ``Event.cycle_id``) or when one of its options stands for
an agenda item of the cycle. Dates are never used (they would drag in unrelated votes).

The selected projects of a cycle are, in this order and each counted once:

1. the options selected in the latest tally of every *published* round of the
   cycle (the residents' or the committee's choice, with the option's cost);
2. the cycle's agenda items at stage ``adopted`` that no selected option
   already stands for (구 협치회의 adopted them without a vote).

An option and an adopted item that point at each other are one project.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from app.agenda.models import AgendaItem
from app.cycles.models import PlanCycle
from app.events.models import Event
from app.extensions import db
from app.voting.models import RoundStatus, VoteOption, VoteResult, VoteRound


@dataclass
class Candidate:
    source_key: str
    title: str
    cost: int
    agenda_item: AgendaItem | None
    option: VoteOption | None
    round: VoteRound | None


def rounds_of_cycle(cycle: PlanCycle) -> list[VoteRound]:
    """Vote rounds attached to the cycle, held at its events or on its agenda items, oldest first."""
    at_event = select(Event.id).where(Event.cycle_id == cycle.id)
    on_items = (select(VoteOption.round_id).join(AgendaItem, AgendaItem.id == VoteOption.agenda_item_id)
                .where(AgendaItem.cycle_id == cycle.id))
    stmt = (select(VoteRound).where(or_(VoteRound.cycle_id == cycle.id, VoteRound.event_id.in_(at_event),
                                        VoteRound.id.in_(on_items)))
            .order_by(VoteRound.opens_at, VoteRound.id))
    return list(db.session.scalars(stmt))


def latest_result(round_: VoteRound) -> VoteResult | None:
    return db.session.scalar(select(VoteResult).where(VoteResult.round_id == round_.id)
                             .order_by(VoteResult.id.desc()).limit(1))


def selected_projects(cycle: PlanCycle) -> list[Candidate]:
    """The cycle's selected projects (see the module docstring for the rule)."""
    found: list[Candidate] = []
    items_taken: set[int] = set()
    for round_ in rounds_of_cycle(cycle):
        if round_.status is not RoundStatus.PUBLISHED:
            continue
        result = latest_result(round_)
        chosen = set((result.result or {}).get("selected") or []) if result else set()
        for option in round_.options:
            if str(option.id) not in chosen:
                continue
            item = db.session.get(AgendaItem, option.agenda_item_id) if option.agenda_item_id else None
            if item is not None:
                if item.id in items_taken:
                    continue
                items_taken.add(item.id)
            found.append(Candidate(f"option-{option.id}", option.title, int(option.cost or 0), item, option, round_))
    adopted = db.session.scalars(select(AgendaItem).where(AgendaItem.cycle_id == cycle.id,
                                                          AgendaItem.stage == "adopted").order_by(AgendaItem.id))
    for item in adopted:
        if item.id in items_taken:
            continue
        items_taken.add(item.id)
        found.append(Candidate(f"item-{item.id}", item.title, int(item.cost or 0), item, None, None))
    return found
