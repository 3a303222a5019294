"""pabutools as a test-only oracle for the tally kernel in ``app/voting/rules``.

pabutools is GPL-3.0: it is imported here, in the benchmark and in
``scripts/regen_expected_outcomes.py`` only -- never from ``app/``.  Install it with
``pip install --no-deps -r requirements-oracle.txt`` (it declares the proprietary
gurobipy, which none of the code used here needs).

This module imports nothing heavy at import time, so that test collection works without
pabutools; call :func:`require_pabutools` (or ``pytest.importorskip("pabutools")``)
before using the oracle functions.
"""
from __future__ import annotations

import hashlib
import json
import os
from contextlib import contextmanager
from pathlib import Path

#: folder of the real elections (pabulib .pb files); overridable for other checkouts
PABULIB_DIR = Path(os.environ.get("PABULIB_DIR", "/work/shared/data/pabulib"))
#: committed pabutools outcomes, one JSON file per .pb file
EXPECTED_DIR = Path(__file__).resolve().parent / "expected"
RULE_NAMES = ("greedy", "mes", "mes-greedy")
APPROVAL_TYPES = ("approval", "choose-1")


def vote_type_of(path: Path) -> str:
    """``vote_type`` from the META section, without parsing the votes."""
    with open(path, encoding="utf-8-sig") as fh:
        for line in fh:
            key, _, value = line.partition(";")
            if key.strip() == "vote_type":
                return value.strip()
            if key.strip().upper() == "PROJECTS":
                break
    return ""


def approval_files() -> list[Path]:
    """Every approval / choose-1 file of :data:`PABULIB_DIR`, sorted by name."""
    if not PABULIB_DIR.is_dir():
        return []
    return sorted(p for p in PABULIB_DIR.glob("*.pb") if vote_type_of(p) in APPROVAL_TYPES)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def expected_path(pb_file: Path) -> Path:
    return EXPECTED_DIR / (pb_file.stem + ".json")


def load_expected(pb_file: Path) -> dict | None:
    p = expected_path(pb_file)
    if not p.exists():
        return None
    return json.loads(p.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- oracle
def require_pabutools():
    import pabutools  # noqa: F401  (ImportError is the signal)

    return pabutools


def parse_with_pabutools(path_or_text):
    """``(instance, profile)`` from a file path or from pabulib text."""
    from pabutools.election.pabulib import parse_pabulib, parse_pabulib_from_string

    if isinstance(path_or_text, Path) or "\n" not in str(path_or_text):
        return parse_pabulib(str(path_or_text))
    return parse_pabulib_from_string(path_or_text)


def pabutools_greedy(instance, profile) -> list[str]:
    from pabutools.election import Cost_Sat
    from pabutools.rules import greedy_utilitarian_welfare

    return [p.name for p in greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)]


def pabutools_mes(instance, profile) -> list[str]:
    """MES, cost utilities, add1 completion (pabulib ``equalshares/add1``)."""
    from pabutools.election import Cost_Sat
    from pabutools.rules import method_of_equal_shares

    out = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=1)
    return [p.name for p in out]


def pabutools_mes_greedy(instance, profile, mes_outcome: list[str] | None = None) -> list[str]:
    """``mes`` completed by the greedy rule, via ``completion_by_rule_combination``."""
    from pabutools.election import Cost_Sat
    from pabutools.rules import completion_by_rule_combination, greedy_utilitarian_welfare

    if mes_outcome is None:
        mes_outcome = pabutools_mes(instance, profile)
    by_name = {p.name: p for p in instance}
    out = completion_by_rule_combination(
        instance,
        profile,
        [greedy_utilitarian_welfare],
        [{"sat_class": Cost_Sat}],
        initial_budget_allocation=[by_name[n] for n in mes_outcome],
    )
    return [p.name for p in out]


@contextmanager
def bounded_mes_memo():
    """Stop pabutools' MES from hoarding memory during long ``add1`` searches.

    ``MESVoter.budget_over_sat_project`` memoises ``budget / satisfaction`` per
    ``(project, budget)`` and never forgets; ``add1`` gives every voter a new budget at
    each of its iterations, so the memo grows without bound (Budapest 2023, ~74,800
    iterations: more than 23 GB).  Inside this context the memo only keeps the entries
    of the voter's current budget.  It is a pure cache: every value computed, hence
    every outcome, is unchanged."""
    from pabutools.fractions import frac
    from pabutools.rules.mes import mes_rule

    original = mes_rule.MESVoter.budget_over_sat_project

    def budget_over_sat_project(self, proj):
        memo = self.budget_over_sat_map
        if getattr(self, "_memo_budget", None) != self.budget:
            memo.clear()
            self._memo_budget = self.budget
        res = memo.get(proj)
        if res is None:
            res = memo[proj] = frac(self.budget, self.sat.sat_project(proj))
        return res

    mes_rule.MESVoter.budget_over_sat_project = budget_over_sat_project
    try:
        yield
    finally:
        mes_rule.MESVoter.budget_over_sat_project = original


def pabutools_outcomes(instance, profile, rules=RULE_NAMES) -> dict[str, list[str]]:
    res: dict[str, list[str]] = {}
    if "greedy" in rules:
        res["greedy"] = pabutools_greedy(instance, profile)
    if "mes" in rules or "mes-greedy" in rules:
        mes = pabutools_mes(instance, profile)
        if "mes" in rules:
            res["mes"] = mes
        if "mes-greedy" in rules:
            res["mes-greedy"] = pabutools_mes_greedy(instance, profile, mes)
    return res


def same_outcome(ours: list[str], theirs: list[str], free_first: int = 0) -> bool:
    """Equal as lists, except that the first ``free_first`` entries (supported projects of
    cost 0, which pabutools pre-selects in set-iteration order) are compared as sets."""
    return (
        sorted(ours[:free_first]) == sorted(theirs[:free_first])
        and ours[free_first:] == theirs[free_first:]
    )
