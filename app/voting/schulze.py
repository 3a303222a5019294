"""The Schulze method (winning-votes strength), exact and dependency-free.

The maintained Python implementations we found are GPL-licensed; we keep one
(``schulze-condorcet``) as a test-only oracle and count with this module.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence


def pairwise(ballots: Sequence[tuple[Mapping[str, int], int]], candidates: Sequence[str]) -> dict:
    """``d[(a, b)]``: the weight of ballots ranking ``a`` strictly above ``b``.

    A ballot maps candidates to ranks (1 = best; equal ranks are ties); a
    candidate missing from a ballot ranks below every ranked one.
    """
    bottom = len(candidates) + 1
    d = {(a, b): 0 for a in candidates for b in candidates if a != b}
    for ranks, weight in ballots:
        for a in candidates:
            ra = ranks.get(a, bottom)
            for b in candidates:
                if a != b and ra < ranks.get(b, bottom):
                    d[(a, b)] += weight
    return d


def _winners(d: dict, remaining: list[str]) -> list[str]:
    # Strongest paths among the remaining candidates (Floyd–Warshall on widest paths).
    p = {}
    for a in remaining:
        for b in remaining:
            if a != b:
                p[(a, b)] = d[(a, b)] if d[(a, b)] > d[(b, a)] else 0
    for i in remaining:
        for j in remaining:
            if j == i:
                continue
            for k in remaining:
                if k in (i, j):
                    continue
                p[(j, k)] = max(p[(j, k)], min(p[(j, i)], p[(i, k)]))
    return [a for a in remaining if all(p[(a, b)] >= p[(b, a)] for b in remaining if b != a)]


def schulze_order(ballots: Sequence[tuple[Mapping[str, int], int]], candidates: Sequence[str]) -> list[list[str]]:
    """The collective order as levels of tied candidates, best first (candidate order inside a level)."""
    d = pairwise(ballots, candidates)
    remaining = list(candidates)
    levels = []
    while remaining:
        winners = _winners(d, remaining)
        levels.append(winners)
        remaining = [c for c in remaining if c not in winners]
    return levels
