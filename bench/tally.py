#!/usr/bin/env python
"""Benchmark the exact tally kernel (``app.voting.rules``) against pabutools.

Run from the repository root (pabutools from ``requirements-oracle.txt``)::

    python bench/tally.py            # everything, pabutools live (takes a while, see below)
    python bench/tally.py --quick    # no live pabutools MES on Poland_Warszawa_2026.pb:
                                     # compare with tests/voting/expected/ instead
    python bench/tally.py --bounded-memo   # pabutools without its MES memo leak (below)

pabutools is run as shipped by default.  Its MES memoises ``budget / satisfaction`` per
(project, budget) for every voter and never forgets; each ``add1`` iteration gives every
voter a new budget, so on long searches the memo dominates memory and time.
``--bounded-memo`` keeps only the current budget's entries (a pure cache change, same
outcomes): a fairer, faster baseline.

Cases, each with the ``greedy`` and ``mes`` (MES, cost utilities, add1) rules:

* ``warszawa2026`` -- ``Poland_Warszawa_2026.pb``: 61,668 voters, 83 projects.  pabutools'
  MES+add1 re-runs MES 186 times here: about 7-12 minutes and ~12 GB of RAM.
* ``synthetic`` -- 200,000 voters, 150 projects, seeded: project costs log-normal
  (median ~730k), popularity Pareto-distributed, ballot lengths 1 + geometric (mean ~4);
  the budget (7M) funds 11 projects by greedy, 17 by MES.  pabutools needs several minutes.

Times exclude parsing (reported separately) and include everything else (the kernel
collapses ballots itself).  Outcomes are compared as lists (selection order).  The last
line is ``speedup_greedy=... speedup_mes=... mismatches=...`` where a speedup is total
pabutools time / total kernel time over the cases measured live.

pabutools is GPL-3.0 and only ever used here, in tests and in scripts -- never in app/.
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.voting.rules import RULES, Election, EqualSharesKernel, parse_pabulib  # noqa: E402


def _oracle():
    spec = importlib.util.spec_from_file_location("pb_oracle", ROOT / "tests" / "voting" / "pb_oracle.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


O = _oracle()


def synthetic_election(seed: int = 2026, n: int = 200_000, m: int = 150, budget: int = 7_000_000) -> Election:
    """Seeded random approval election with realistic shapes (see module docstring)."""
    rng = random.Random(seed)
    ids = [str(100 + i) for i in range(m)]
    costs = {}
    for p in ids:
        c = int(rng.lognormvariate(13.5, 0.8))
        costs[p] = max(20_000, min(3_000_000, c // 1000 * 1000))
    cum, s = [], 0.0
    for _ in ids:
        s += rng.paretovariate(1.2)
        cum.append(s)
    ballots = []
    for _ in range(n):
        k = min(m, int(rng.expovariate(1 / 3.5)) + 1)
        picks: set[str] = set()
        while len(picks) < k:
            picks.update(rng.choices(ids, cum_weights=cum, k=k - len(picks)))
        ballots.append(frozenset(picks))
    return Election(budget=budget, projects=costs, ballots=tuple(ballots))


def pabutools_objects(e: Election):
    """pabutools Instance and (uncollapsed) ApprovalProfile for an Election."""
    from pabutools.election import ApprovalBallot, ApprovalProfile, Instance, Project

    projects = {p: Project(p, c) for p, c in e.projects.items()}
    instance = Instance(projects.values(), budget_limit=e.budget)
    profile = ApprovalProfile([ApprovalBallot([projects[p] for p in b]) for b in e.ballots])
    return instance, profile


def kernel_mes(e: Election):
    """``RULES["mes"].select(e)``, keeping the kernel's work counters."""
    kern = EqualSharesKernel(e)
    return kern.add1(), kern.stats


def timed(fn, *args):
    gc.collect()
    t = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="tally kernel vs pabutools")
    ap.add_argument("--quick", action="store_true",
                    help="skip live pabutools MES on Poland_Warszawa_2026.pb (use the committed expectation)")
    ap.add_argument("--voters", type=int, default=200_000, help="synthetic voters (default 200000)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--bounded-memo", action="store_true",
                    help="run pabutools with its MES memo bounded (tests/voting/pb_oracle.bounded_mes_memo): "
                         "same outcomes, much less memory and time than stock pabutools")
    args = ap.parse_args(argv)
    try:
        O.require_pabutools()
    except ImportError:
        print("pabutools is not installed: pip install --no-deps -r requirements-oracle.txt", file=sys.stderr)
        return 2
    if args.bounded_memo:
        with O.bounded_mes_memo():
            return _bench(args)
    return _bench(args)


def _bench(args) -> int:
    print(f"pabutools MES memo: {'bounded' if args.bounded_memo else 'stock'}", flush=True)

    totals = {"greedy": [0.0, 0.0], "mes": [0.0, 0.0]}  # [ours, pabutools] over live cases
    mismatches = 0

    def report(case: str, rule: str, ours, t_ours, theirs, t_theirs, note=""):
        nonlocal mismatches
        ok = ours == theirs
        mismatches += not ok
        if t_theirs is not None:
            totals[rule][0] += t_ours
            totals[rule][1] += t_theirs
            speed = f"pabutools {t_theirs:9.2f} s  speedup {t_theirs / t_ours:8.1f}x"
        else:
            speed = f"pabutools {'-':>9}    {note}"
        print(f"{case:14s} {rule:7s} ours {t_ours:8.3f} s  {speed}  winners {len(ours):3d}  "
              f"{'match' if ok else 'MISMATCH'}", flush=True)
        if not ok:
            print(f"    ours:      {ours}\n    pabutools: {theirs}", flush=True)

    # ---------------------------------------------------------------- Warszawa 2026
    path = O.PABULIB_DIR / "Poland_Warszawa_2026.pb"
    if path.exists():
        e, t_parse = timed(parse_pabulib, path)
        (inst, prof), t_pparse = timed(O.parse_with_pabutools, path)
        print(f"warszawa2026   parse   ours {t_parse:8.3f} s  pabutools {t_pparse:9.2f} s  "
              f"({e.num_voters} voters, {len(e.projects)} projects, budget {e.budget})", flush=True)
        g, t = timed(RULES["greedy"].select, e)
        pg, tp = timed(O.pabutools_greedy, inst, prof)
        report("warszawa2026", "greedy", g, t, pg, tp)
        (m, st), t = timed(kernel_mes, e)
        print(f"{'':14s} (kernel: {st.exact_runs} exact + {st.certify_runs} certifying MES runs; "
              f"add1 answer at k={st.final_k}: unit stepping needs >= {st.final_k + 1} runs)", flush=True)
        if args.quick:
            exp = O.load_expected(path)
            if exp is None or "outcomes" not in exp:
                print("no committed expectation for Poland_Warszawa_2026.pb", file=sys.stderr)
                return 2
            took = exp.get("seconds", {}).get("mes")
            memo = exp.get("pabutools_mes_memo", "stock")
            report("warszawa2026", "mes", m, t, exp["outcomes"]["mes"], None,
                   f"(--quick: committed expectation; pabutools, {memo} memo, took {took} s to make it)")
        else:
            pm, tp = timed(O.pabutools_mes, inst, prof)
            report("warszawa2026", "mes", m, t, pm, tp)
        del inst, prof
    else:
        print(f"{path} not found: skipping the Warszawa case", file=sys.stderr)

    # ---------------------------------------------------------------- synthetic
    e, t_gen = timed(synthetic_election, args.seed, args.voters)
    (inst, prof), t_conv = timed(pabutools_objects, e)
    print(f"synthetic      build   ours {t_gen:8.3f} s  pabutools {t_conv:9.2f} s  "
          f"({e.num_voters} voters, {len(e.projects)} projects, budget {e.budget}, "
          f"{len(set(e.ballots))} distinct ballots)", flush=True)
    g, t = timed(RULES["greedy"].select, e)
    pg, tp = timed(O.pabutools_greedy, inst, prof)
    report("synthetic", "greedy", g, t, pg, tp)
    (m, st), t = timed(kernel_mes, e)
    print(f"{'':14s} (kernel: {st.exact_runs} exact + {st.certify_runs} certifying MES runs; "
          f"add1 answer at k={st.final_k}: unit stepping needs >= {st.final_k + 1} runs)", flush=True)
    pm, tp = timed(O.pabutools_mes, inst, prof)
    report("synthetic", "mes", m, t, pm, tp)

    def speedup(rule):
        ours, theirs = totals[rule]
        return f"{theirs / ours:.1f}" if ours > 0 and theirs > 0 else "n/a"

    print(json.dumps({r: {"ours_s": round(v[0], 3), "pabutools_s": round(v[1], 2)} for r, v in totals.items()}))
    print(f"speedup_greedy={speedup('greedy')} speedup_mes={speedup('mes')} mismatches={mismatches}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
