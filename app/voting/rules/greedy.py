"""Greedy rule (``greedy``): utilitarian greedy by support, skipping what does not fit.

Projects are ordered by their weighted support, highest first -- the number of voters
approving / choosing / ranking them, or for cumulative and scoring ballots their total
points -- and, among equal support, by project id compared as text (``str`` order,
i.e. by Unicode code points, so ``"10" < "9"``).  Each project is then added if its cost
fits in what is left of the budget and skipped otherwise (the scan continues).

This is exactly pabutools' ``greedy_utilitarian_welfare(instance, profile,
sat_class=Cost_Sat)`` on approval profiles (the welfare gain of a project divided by its
cost is its number of approvers), including its corner cases: a project nobody supports has
score 0 and is still taken at the end if it fits, and so is a project of cost 0 (with
cost utilities it brings no utility, so pabutools gives it density 0 whatever its
support; it always fits, so this only affects the order of the output).
"""
from __future__ import annotations

from collections.abc import Iterable

from .election import Election, Number


def greedy_order(election: Election) -> list[str]:
    """All project ids in the order the greedy rule considers them."""
    score = election.scores()
    costs = election.projects

    def key(p: str):
        return (-score[p] if costs[p] > 0 else 0, p)

    return sorted(costs, key=key)


def greedy_completion(election: Election, initial: Iterable[str] = ()) -> list[str]:
    """Greedy selection on top of an initial selection.

    Returns ``initial`` (as a list, in the given order) followed by the projects the
    greedy rule adds, in the order it adds them.  This mirrors pabutools'
    ``greedy_utilitarian_welfare(..., initial_budget_allocation=initial)``."""
    chosen = list(initial)
    taken = set(chosen)
    remaining: Number = election.budget - election.total_cost(chosen)
    for p in greedy_order(election):
        if p in taken:
            continue
        c = election.projects[p]
        if c <= remaining:
            chosen.append(p)
            taken.add(p)
            remaining -= c
    return chosen


def greedy(election: Election) -> list[str]:
    """Project ids selected by the greedy rule, in selection order."""
    return greedy_completion(election, ())
