"""Exact participatory-budgeting tally kernel (pure standard library, no Flask).

Usable from a request handler, a Celery task or a CLI::

    from app.voting.rules import RULES, Election, parse_pabulib, write_pabulib
    election = parse_pabulib("Poland_Swiecie_2023.pb")      # path, str content or bytes
    winners = RULES["mes"].select(election)                 # project ids, selection order
    election = Election(budget=1000, projects={"a": 600, "b": 500},
                        ballots=(frozenset({"a"}), frozenset({"a", "b"})), weights=(3, 2))
    text = write_pabulib(election)                          # pabulib .pb text

Public API: :class:`Election` (``budget``, ``projects`` id -> cost, ``ballots``,
``weights``, ``points``, ``vote_type`` plus the passive ``meta`` / ``project_columns`` /
``project_rows`` / ``vote_columns`` / ``voter_rows`` that make import/export lossless;
``collapsed()``, ``scores()``, ``official_selection()``...), :func:`parse_pabulib`,
:func:`write_pabulib`, ``RULES`` / :func:`get_rule` / :func:`tally`, and the lower-level
:func:`greedy`, :func:`greedy_completion`, :func:`equal_shares` (plain MES at a given
voter budget), :func:`equal_shares_add1` and :class:`EqualSharesKernel` (whose ``stats``
count the MES runs of the last ``add1`` search).

Rules (``RULES`` registry, all on approval-style ballots: an approval / choose-1 ballot
approves the listed projects; a cumulative / scoring ballot the projects it gives points
to; an ordinal ballot the projects it ranks):

``greedy`` (:class:`Greedy`)
    projects by decreasing support (approvals; total points for cumulative / scoring
    ballots), each added if it still fits in the budget, otherwise skipped.
``mes`` (:class:`EqualShares`)
    Method of Equal Shares with cost utilities and the ``add1`` completion (pabulib
    ``equalshares/add1``; pabutools ``method_of_equal_shares(instance, profile,
    sat_class=Cost_Sat, voter_budget_increment=1)``), no greedy fill.  See
    :mod:`app.voting.rules.mes` for the definition and for how the completion is computed
    without stepping the voter budget one unit at a time.
``mes-greedy`` (:class:`EqualSharesGreedy`)
    ``mes``, then the leftover budget filled by the ``greedy`` rule (pabutools
    ``completion_by_rule_combination(instance, profile, [greedy_utilitarian_welfare],
    [{"sat_class": Cost_Sat}], initial_budget_allocation=<mes outcome>)``).

``Rule.select(election) -> list[str]`` returns project ids **in selection order** (the
order in which the rule funds them; for ``mes-greedy`` the MES part first, then the
greedy additions).  Use ``set(...)`` or ``sorted(...)`` if only the winning set matters.

Tie-breaking (all rules): among projects that are exactly tied (same support for
``greedy``; same price per unit of utility for MES), the project whose id is smaller **as
text** wins -- plain Python ``str`` comparison, i.e. by Unicode code points, so ``"10"``
beats ``"9"`` and ``"P0038"`` beats ``"P0039"``.  This is pabutools' default
``lexico_tie_breaking`` (``sorted(..., key=lambda p: p.name)``, used by both
``greedy_utilitarian_welfare`` and ``method_of_equal_shares``), so the kernel reproduces
pabutools exactly.  Two further pabutools conventions
(consequences of cost utilities) are mirrored: a project nobody supports, and a project
of cost 0, is never funded by MES, while the greedy rule and the greedy completion fund
it last if it fits (a cost-0 project always fits; it counts as support 0 for the order).

Arithmetic is exact throughout (``int`` and ``fractions.Fraction``; no float anywhere).
Identical ballots are collapsed internally; an :class:`Election` can also be built
directly with ``weights`` (multiplicities).
"""
from __future__ import annotations

from .election import Election, as_exact
from .greedy import greedy, greedy_completion, greedy_order
from .mes import EqualSharesKernel, MESStats, equal_shares, equal_shares_add1
from .pabulib import format_amount, parse_pabulib, write_pabulib

__all__ = [
    "Election",
    "EqualShares",
    "EqualSharesGreedy",
    "EqualSharesKernel",
    "Greedy",
    "MESStats",
    "RULES",
    "Rule",
    "as_exact",
    "equal_shares",
    "equal_shares_add1",
    "format_amount",
    "get_rule",
    "greedy",
    "greedy_completion",
    "greedy_order",
    "parse_pabulib",
    "tally",
    "write_pabulib",
]


class Rule:
    """Common interface: ``select(election) -> list[str]`` (project ids, selection order)."""

    name: str = ""
    label: str = ""

    def select(self, election: Election) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<rule {self.name}>"


class Greedy(Rule):
    name = "greedy"
    label = "Greedy by number of approvals (points)"

    def select(self, election: Election) -> list[str]:
        return greedy(election)


class EqualShares(Rule):
    name = "mes"
    label = "Method of Equal Shares (cost utilities, add1 completion)"

    def select(self, election: Election) -> list[str]:
        return equal_shares_add1(election)


class EqualSharesGreedy(Rule):
    name = "mes-greedy"
    label = "Method of Equal Shares (add1), completed greedily"

    def select(self, election: Election) -> list[str]:
        return greedy_completion(election, equal_shares_add1(election))


#: rule name -> rule instance (instances are stateless; ``RULES[name].select(e)``)
RULES: dict[str, Rule] = {r.name: r for r in (Greedy(), EqualShares(), EqualSharesGreedy())}


def get_rule(name: str) -> Rule:
    """The rule registered under ``name``; ``KeyError`` listing the known names otherwise."""
    try:
        return RULES[name]
    except KeyError:
        raise KeyError(f"unknown rule {name!r}; known: {sorted(RULES)}") from None


def tally(election: Election, rule: str = "mes") -> list[str]:
    """Shortcut for ``get_rule(rule).select(election)``."""
    return get_rule(rule).select(election)
