"""Similar-item detection that works for Korean: character bigrams, not word splitting.

Korean words change form with particles (놀이터가, 놀이터를, 놀이터에서), so
splitting on spaces misses near-duplicates; overlapping character bigrams of
the text without spaces and punctuation catch them.
"""
from __future__ import annotations

import re

_NOT_WORD = re.compile(r"[^0-9a-z\u3131-\u318e\uac00-\ud7a3]+")


def bigrams(text: str) -> frozenset[str]:
    """Overlapping character pairs of ``text`` with spaces and punctuation removed (each word separately)."""
    grams = set()
    for word in _NOT_WORD.split((text or "").lower()):
        if len(word) == 1:
            grams.add(word)
        grams.update(word[i:i + 2] for i in range(len(word) - 1))
    return frozenset(grams)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice coefficient of two bigram sets (0 = nothing shared, 1 = the same)."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def rank_similar(query: str, candidates: list[tuple[int, str]], limit: int = 5,
                 threshold: float = 0.25) -> list[tuple[int, float]]:
    """The ``limit`` candidates (id, text) most similar to ``query`` above ``threshold``, best first."""
    q = bigrams(query)
    scored = [(item_id, similarity(q, bigrams(text))) for item_id, text in candidates]
    scored = [s for s in scored if s[1] >= threshold]
    scored.sort(key=lambda s: (-s[1], s[0]))
    return scored[:limit]
