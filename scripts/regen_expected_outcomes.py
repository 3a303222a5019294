#!/usr/bin/env python
"""Regenerate ``tests/voting/expected/*.json``: what pabutools says on the real elections.

For every approval / choose-1 file in the pabulib folder (``$PABULIB_DIR``, default
``/work/shared/data/pabulib``) this runs pabutools -- the GPL reference implementation,
used as a test oracle only -- with the three rules of ``app.voting.rules``:

* ``greedy``      ``greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)``
* ``mes``         ``method_of_equal_shares(instance, profile, sat_class=Cost_Sat,
                  voter_budget_increment=1)``  (pabulib ``equalshares/add1``)
* ``mes-greedy``  ``completion_by_rule_combination(instance, profile,
                  [greedy_utilitarian_welfare], [{"sat_class": Cost_Sat}],
                  initial_budget_allocation=<mes outcome>)``

and writes one JSON file per election (outcomes in selection order, the file's sha256 so
that a changed data file is detected, and how long pabutools took).  Each file runs in
its own subprocess with a time limit; a file that does not finish gets a JSON with a
``skipped`` reason instead of outcomes.

Usage, from the repository root, in an environment with the oracle installed
(``pip install --no-deps -r requirements-oracle.txt``; pabutools declares gurobipy,
which is proprietary and not needed)::

    python scripts/regen_expected_outcomes.py                 # all files
    python scripts/regen_expected_outcomes.py --only-missing
    python scripts/regen_expected_outcomes.py Poland_Swiecie_2023.pb --timeout 600

How long it takes: pabutools re-runs MES once per unit of ``add1`` budget increase, so
a few files dominate.  Measured on the 2-core development machine (pabutools 1.2.3,
bounded memo; the ``seconds`` entries of the JSON files have every figure):
Hungary_Budapest_2023_VIII_Jozsefvaros 784 s (~74,800 MES runs), Poland_Warszawa_2026
447 s, Poland_Warszawa_2020_Mokotow 266 s, Hungary_Veszprem_2025 161 s,
France_Toulouse_2022 90 s, the other 14 files 50 s together: about 30 minutes in total.
Run it in the background: ``nohup python scripts/regen_expected_outcomes.py > regen.log
2>&1 &``.

Memory: pabutools' MES memoises ``budget / satisfaction`` per (project, budget) and never
forgets, so on long ``add1`` searches stock pabutools needs ~12 GB (Warszawa 2026) and
more than 23 GB (Budapest 2023, killed).  The script therefore runs pabutools inside
``pb_oracle.bounded_mes_memo()``, which keeps only the current budget's entries -- a
pure cache change, same outcomes (checked: the 18 files that stock pabutools finishes
give identical outcomes both ways) -- and caps each file's address space (``--max-gb``,
default 16).  ``--stock-memo`` runs pabutools untouched.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _oracle():
    """``tests/voting/pb_oracle.py``, loaded by path (no test-package side effects)."""
    spec = importlib.util.spec_from_file_location("pb_oracle", ROOT / "tests" / "voting" / "pb_oracle.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run_one(path: Path, stock: bool = False) -> dict:
    """Run pabutools on one file (in this process) and return the JSON record."""
    O = _oracle()
    O.require_pabutools()
    from contextlib import nullcontext
    from importlib.metadata import version

    with nullcontext() if stock else O.bounded_mes_memo():
        return _run_one(O, path, version("pabutools"), "stock" if stock else "bounded")


def _run_one(O, path: Path, pabutools_version: str, memo: str) -> dict:
    seconds = {}
    t = time.perf_counter()
    instance, profile = O.parse_with_pabutools(path)
    seconds["parse"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    greedy = O.pabutools_greedy(instance, profile)
    seconds["greedy"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    mes = O.pabutools_mes(instance, profile)
    seconds["mes"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    mes_greedy = O.pabutools_mes_greedy(instance, profile, mes)
    seconds["mes-greedy completion"] = round(time.perf_counter() - t, 3)
    return {
        "file": path.name,
        "sha256": O.sha256_of(path),
        "vote_type": instance.meta.get("vote_type"),
        "rule": instance.meta.get("rule"),
        "num_voters": profile.num_ballots(),
        "budget": str(instance.budget_limit),
        "pabutools_version": pabutools_version,
        "pabutools_mes_memo": memo,
        "outcomes": {"greedy": greedy, "mes": mes, "mes-greedy": mes_greedy},
        "seconds": seconds,
        "generated_by": "scripts/regen_expected_outcomes.py",
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", help="file names or paths (default: every approval/choose-1 file)")
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds per file (default 3600)")
    ap.add_argument("--only-missing", action="store_true", help="skip files that already have a JSON")
    ap.add_argument("--max-gb", type=float, default=16.0,
                    help="address-space limit per file in GB (default 16); above it the file is skipped")
    ap.add_argument("--stock-memo", action="store_true",
                    help="do not bound pabutools' MES memo (see pb_oracle.bounded_mes_memo): "
                         "needs over 23 GB on Budapest 2023")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one file, print JSON
    args = ap.parse_args(argv)
    O = _oracle()
    if args.one:
        print(json.dumps(run_one(Path(args.one), stock=args.stock_memo)))
        return 0
    if args.files:
        files = [Path(f) if Path(f).exists() else O.PABULIB_DIR / f for f in args.files]
    else:
        files = O.approval_files()
    if not files:
        print(f"no approval/choose-1 .pb files found in {O.PABULIB_DIR}", file=sys.stderr)
        return 1
    O.EXPECTED_DIR.mkdir(parents=True, exist_ok=True)
    failures = 0
    for path in files:
        out = O.expected_path(path)
        if args.only_missing and out.exists():
            continue
        t = time.perf_counter()
        print(f"{path.name} ...", end=" ", flush=True)
        limit = int(args.max_gb * 2**30)

        def cap_memory(limit=limit):
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        try:
            proc = subprocess.run(
                [sys.executable, __file__, "--one", str(path)] + (["--stock-memo"] if args.stock_memo else []),
                capture_output=True, text=True, timeout=args.timeout, cwd=ROOT, preexec_fn=cap_memory,
            )
        except subprocess.TimeoutExpired:
            record = {
                "file": path.name,
                "sha256": O.sha256_of(path),
                "skipped": f"pabutools did not finish within {args.timeout:.0f} s "
                           "(regenerate with a larger --timeout)",
                "generated_by": "scripts/regen_expected_outcomes.py",
            }
            print(f"TIMEOUT after {args.timeout:.0f} s")
        else:
            if proc.returncode != 0 and "MemoryError" in proc.stderr:
                record = {
                    "file": path.name,
                    "sha256": O.sha256_of(path),
                    "skipped": f"pabutools needed more than {args.max_gb:g} GB (regenerate with a larger --max-gb)",
                    "generated_by": "scripts/regen_expected_outcomes.py",
                }
                print(f"OUT OF MEMORY (limit {args.max_gb:g} GB)")
            elif proc.returncode != 0:
                failures += 1
                print(f"FAILED\n{proc.stderr}", file=sys.stderr)
                continue
            else:
                record = json.loads(proc.stdout.strip().splitlines()[-1])
                print(f"{time.perf_counter() - t:.1f} s")
        out.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
