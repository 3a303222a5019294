"""The tally kernel against live pabutools (test-only oracle, GPL, never imported by app/).

Skipped as a whole when pabutools is not installed (``make test`` installs it from
``requirements-oracle.txt``).  Only elections where pabutools' MES+add1 takes a few
seconds at most run live here; the slow ones are compared with the committed outcomes
in ``test_pb_rules.py``.
"""
from __future__ import annotations

import random
from fractions import Fraction

import pytest

pytest.importorskip("pabutools")

from app.voting.rules import RULES, Election, parse_pabulib, write_pabulib  # noqa: E402
from tests.voting import pb_oracle as O  # noqa: E402

#: approval / choose-1 files on which pabutools needs at most ~3 s for MES+add1
FAST_FILES = [
    "Canada_Stanford_Dataset_PB_Dieppe_2018_vote_approvals.pb",
    "Netherlands_Amsterdam_588.pb",
    "Netherlands_Assen_2024.pb",
    "Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb",
    "Poland_Zabrze_2020_Centrum_Poludnie.pb",  # choose-1
    "Switzerland_Zurich_SN.pb",
    "US_Stanford_Dataset_PB_Seattle_2016_vote_approvals.pb",
    "Worldwide_Mechanical_Turk_Knapsack_7.pb",
]


@pytest.mark.skipif(not O.PABULIB_DIR.is_dir(), reason=f"pabulib files not found in {O.PABULIB_DIR}")
@pytest.mark.parametrize("name", FAST_FILES, ids=lambda n: n[:-3])
def test_real_election_against_live_pabutools(name):
    path = O.PABULIB_DIR / name
    instance, profile = O.parse_with_pabutools(path)
    expected = O.pabutools_outcomes(instance, profile)
    election = parse_pabulib(path)
    for rule in O.RULE_NAMES:
        assert RULES[rule].select(election) == expected[rule], rule
    committed = O.load_expected(path)
    if committed is not None and "outcomes" in committed:
        assert committed["outcomes"] == expected  # the regeneration script agrees


def _random_election(rng: random.Random, big: bool) -> Election:
    pool = ["1", "2", "9", "10", "11", "100", "a", "B", "b", "P01", "P1", "Ä", "x y", "_"]
    ids = rng.sample(pool, rng.randint(3, 12) if big else rng.randint(1, 8))
    costs = {}
    for p in ids:
        r = rng.random()
        if big:
            costs[p] = rng.choice([rng.randint(1, 1000), 100, 250])
        elif r < 0.05:
            costs[p] = 0
        elif r < 0.10:
            costs[p] = Fraction(rng.randint(1, 40), 2)
        else:
            costs[p] = rng.choice([rng.randint(1, 20), 5, 10])
    if big:
        pop = {p: rng.random() for p in ids}
        ballots = [frozenset(p for p in ids if rng.random() < pop[p]) for _ in range(rng.randint(1, 60))]
        budget = rng.randint(1, 3000)
    else:
        ballots = [frozenset(rng.sample(ids, rng.randint(0, len(ids)))) for _ in range(rng.randint(0, 25))]
        budget = rng.choice([rng.randint(0, 60), Fraction(rng.randint(1, 121), 2), rng.randint(1, 200)])
    return Election(budget=budget, projects=costs, ballots=tuple(ballots))


@pytest.mark.parametrize("big", [False, True], ids=["small", "larger"])
def test_random_elections_against_live_pabutools(big):
    """Ties, ids that sort differently as text and as numbers, cost-0 and unsupported
    projects, empty ballots, fractional budgets and costs, long add1 searches."""
    rng = random.Random(20240 + big)
    for _ in range(60 if big else 200):
        e = _random_election(rng, big)
        text = write_pabulib(e)
        assert parse_pabulib(text) == e
        instance, profile = O.parse_with_pabutools(text)
        expected = O.pabutools_outcomes(instance, profile)
        for rule in O.RULE_NAMES:
            assert RULES[rule].select(e) == expected[rule], (rule, text)
