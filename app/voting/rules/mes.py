"""Method of Equal Shares (MES) with cost utilities and the ``add1`` completion.

Definitions (what pabutools' ``method_of_equal_shares(instance, profile,
sat_class=Cost_Sat, voter_budget_increment=1)`` computes, and pabulib calls
``equalshares/add1``):

* ``n`` voters (empty ballots included) each start with the same budget ``b``; the
  plain rule uses ``b = B / n``.
* Candidates are the projects with at least one supporter and a positive cost.
  Supported projects of cost 0 are selected up front (we list them first, sorted by
  id).
* In every round, for each remaining candidate ``q`` with cost ``c_q``, let ``x_q`` be the
  least payment level such that ``sum over supporters i of min(budget_i, x_q) = c_q``
  (every supporter pays the same ``x_q``, or everything they have left if that is less).
  ``q`` is affordable iff its supporters hold at least ``c_q`` in total.  With cost
  utilities the price per unit of utility is ``rho_q = x_q / c_q``; the affordable
  project with the smallest ``rho_q`` is selected, and each supporter pays
  ``min(budget_i, x_q)``.  **Ties are broken by project id compared as text** (Python
  ``str`` order: ``"10" < "9"``; this is pabutools' default ``lexico_tie_breaking``,
  which sorts tied projects by ``Project.name``).  The rule stops when no candidate is
  affordable.
* ``add1``: with ``b_k = B/n + k`` (k = 0, 1, 2, ...), compute ``O_k = MES(b_k)``; stop at
  the first ``k`` where ``O_k`` costs more than ``B`` (answer ``O_{k-1}``) or where ``O_k``
  is exhaustive, i.e. no unselected *candidate* still fits in ``B - cost(O_k)``
  (answer ``O_k``).  No greedy fill afterwards (see :mod:`.rules` for ``mes-greedy``).

Everything is exact (``int`` and ``fractions.Fraction``).

How we avoid stepping ``k`` one unit at a time
---------------------------------------------
pabutools re-runs MES for every ``k``; on real files that is hundreds to thousands of
runs.  The outcome ``O(b)`` is piecewise constant in ``b``, and we certify whole ranges of
``k`` at once with a monotonicity argument:

Fix a selection sequence ``S = (s_1, ..., s_T)`` and run MES *forced* along ``S`` with
initial budget ``b``.  Then

(M1) every voter's remaining budget, after every round, is non-decreasing in ``b``:
     a supporter of ``s_t`` keeps ``max(0, budget - x_{s_t})``, and ``x_{s_t}`` (the
     solution of ``sum min(budget_i, x) = c``) is non-increasing when the budgets grow;
     non-supporters keep their budget.  Induction over rounds.
(M2) hence, in every round, ``rho_q(b)`` is non-increasing in ``b`` for every project
     (``+inf`` while unaffordable), and "q is affordable" is monotone: once true, true.

Now let ``S`` be the actual MES outcome at ``b0``, with ``r_t = rho_{s_t}(b0)``.  Take
``b1 > b0`` and run the sequence forced at ``b1``.  If in every round ``t`` every other
remaining project ``q`` satisfies ``(r_t, s_t) < (rho_q(b1), q)`` (compared as (price,
id) pairs, i.e. strictly cheaper, or equal price and smaller id), and after the last
round no project is affordable at ``b1``, then MES selects exactly ``S`` for every
``b`` in ``[b0, b1]``: by induction on ``t`` the rounds before ``t`` agree, so (M2)
applies, giving ``rho_{s_t}(b) <= r_t`` and ``rho_q(b) >= rho_q(b1)`` -- ``s_t`` still
wins (an exact tie at some ``b`` is won by ``s_t`` on the id); at the end nothing is
affordable at ``b1``, so (M2) nothing is affordable at any ``b <= b1``.

This certificate is monotone in ``b1`` (if it holds for ``b1`` it holds for every
smaller ``b1``), so from the current grid point ``k`` we gallop (``k+1, k+2, k+4, ...``)
and then binary search for the largest certified ``K``.  All grid points in ``[k, K]``
share the outcome of ``k`` -- which was feasible and not exhaustive, otherwise we would
have stopped -- so pabutools would step over all of them; we jump to ``K+1`` and run MES
exactly there.  Where rhos are flat in ``b`` (nobody is budget-constrained, the common
case) the certificate is exact and ``K+1`` is precisely the next point where a project
becomes affordable or the winner of a round changes.  The outcome returned is therefore
identical to unit stepping, while the number of MES runs is about
``(number of distinct outcomes met) x 2 log2(segment length)``.

Speed inside a run: identical ballots are collapsed; voters who approve the same set of
already-selected projects always have the same budget, so each project only needs the
multiset of budgets of its supporters' "classes".  The class structure depends only on
the prefix of the selection sequence, not on ``b``, so it is cached in a trie shared by
all the runs of one ``add1`` search; a run at a new ``b`` only recomputes a handful of
class budgets and the prices lazily (in order of a valid lower bound, as pabutools does).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

from .election import Election, Number


class _Node:
    """Trie node for one prefix of the selection sequence.

    ``gc[g]``   -- class id of distinct ballot ``g``;
    ``pc[q]``   -- ``{class id: weight}`` of the supporters of candidate ``q`` (``None`` once
                  ``q`` is selected);
    ``new``     -- ``(class, parent class)`` pairs created when this prefix was extended
                  by its last project: members of the parent class who support that
                  project move to the new class;
    ``kids``    -- child nodes by selected project index."""

    __slots__ = ("gc", "pc", "new", "kids")

    def __init__(self, gc, pc, new):
        self.gc = gc
        self.pc = pc
        self.new = new
        self.kids: dict[int, _Node] = {}


@dataclass
class MESStats:
    """Work counters of the last ``add1`` search (for benchmarks and tests)."""

    exact_runs: int = 0
    certify_runs: int = 0
    final_k: int = 0
    trie_nodes: int = 0
    ks: list = field(default_factory=list)


class EqualSharesKernel:
    """MES machinery for one election (approval sets of its ballots, with weights).

    For cumulative / scoring / ordinal elections the approval set of a ballot is the set
    of projects it mentions (cost utilities do not look at points or ranks)."""

    #: trie size (number of prefixes) above which the cache is dropped and rebuilt
    MAX_NODES = 5000

    def __init__(self, election: Election):
        self.election = election
        costs = election.projects
        wb = election.weighted_ballots()
        self.n = sum(w for _, w in wb)
        support: Counter = Counter()
        for b, w in wb:
            for p in b:
                support[p] += w
        #: supported projects of cost 0: selected before anything else
        self.preselected = sorted(p for p in costs if support[p] > 0 and costs[p] == 0)
        # candidates are indexed in id (str) order, so comparing indices == comparing ids
        self.names = sorted(p for p in costs if support[p] > 0 and costs[p] > 0)
        idx = {p: i for i, p in enumerate(self.names)}
        m = self.m = len(self.names)
        self.cost = [costs[p] for p in self.names]
        groups: Counter = Counter()
        for b, w in wb:
            key = tuple(sorted(idx[p] for p in b if p in idx))
            if key:
                groups[key] += w
        self.groups = list(groups)
        self.gw = list(groups.values())
        self.pg: list[list[int]] = [[] for _ in range(m)]
        self.nq = [0] * m
        nb: list[set] = [set() for _ in range(m)]
        for g, (key, w) in enumerate(groups.items()):
            for q in key:
                self.pg[q].append(g)
                self.nq[q] += w
                nb[q].update(key)
        self.neighbors = [sorted(s) for s in nb]
        self.init_lb = [Fraction(1, self.nq[q]) for q in range(m)]
        self._reset_trie()
        self.stats = MESStats()

    # ------------------------------------------------------------------ trie
    def _reset_trie(self) -> None:
        pc = [{0: self.nq[q]} for q in range(self.m)]
        self.root = _Node([0] * len(self.groups), pc, [])
        self._next_cid = 1
        self._nodes = 1

    def _child(self, node: _Node, s: int) -> _Node:
        kid = node.kids.get(s)
        if kid is not None:
            return kid
        gc = node.gc[:]
        pc = node.pc[:]
        pc[s] = None
        remap: dict[int, int] = {}
        new: list[tuple[int, int]] = []
        copied: set[int] = set()
        groups, gw = self.groups, self.gw
        for g in self.pg[s]:
            old = gc[g]
            cid = remap.get(old)
            if cid is None:
                cid = self._next_cid
                self._next_cid += 1
                remap[old] = cid
                new.append((cid, old))
            gc[g] = cid
            w = gw[g]
            for q in groups[g]:
                d = pc[q]
                if d is None:
                    continue
                if q not in copied:
                    d = pc[q] = dict(d)
                    copied.add(q)
                left = d[old] - w
                if left:
                    d[old] = left
                else:
                    del d[old]
                d[cid] = d.get(cid, 0) + w
        kid = _Node(gc, pc, new)
        node.kids[s] = kid
        self._nodes += 1
        return kid

    # ------------------------------------------------------------------ one run
    def _payment_level(self, d: dict, beta: dict, q: int):
        """``x_q`` (what each unconstrained supporter pays), or ``None`` if unaffordable."""
        c = self.cost[q]
        items = []
        total = 0
        for cid, w in d.items():
            bt = beta[cid]
            total += bt * w
            items.append((bt, w))
        if total < c:
            return None
        items.sort()
        rem = c
        cnt = self.nq[q]
        for bt, w in items:
            # pabutools: afford = (c - paid_by_poorer) / remaining supporters; stop when
            # afford * c_q <= budget (here: x = rem / cnt <= bt)
            if rem <= bt * cnt:
                return Fraction(rem, cnt) if isinstance(rem, int) else rem / cnt
            rem -= bt * w
            cnt -= w
        raise AssertionError("unreachable: affordable project without a price")

    def _run(self, b: Number, forced: list[int] | None = None, thresholds: list | None = None):
        """MES with per-voter budget ``b``.

        Free run (``forced is None``): returns ``(sequence, prices)`` (candidate indices
        and their ``rho`` when selected).  Forced run: returns ``True`` iff the
        certificate described in the module docstring holds at ``b``."""
        if self._nodes > self.MAX_NODES:
            self._reset_trie()
        node = self.root
        beta: dict[int, Number] = {0: b}
        cost = self.cost
        lb = self.init_lb[:]  # lower bound on rho (exact when exact[q])
        exact = [False] * self.m
        xval: list = [None] * self.m
        alive = set(range(self.m))
        seq: list[int] = []
        prices: list = []

        def evaluate(q: int) -> bool:
            x = self._payment_level(node.pc[q], beta, q)
            if x is None:
                alive.discard(q)
                return False
            xval[q] = x
            lb[q] = x / cost[q]
            exact[q] = True
            return True

        def select(s: int) -> None:
            nonlocal node
            x = xval[s]
            seq.append(s)
            prices.append(lb[s])
            alive.discard(s)
            node = self._child(node, s)
            for cid, parent in node.new:
                bp = beta[parent]
                beta[cid] = bp - x if bp > x else 0
            for q in self.neighbors[s]:
                exact[q] = False

        if forced is None:
            while True:
                best = None
                for l, q in sorted([(lb[q], q) for q in alive]):
                    if best is not None and (l, q) > best:
                        break  # lb order: no later project can beat the best
                    if not exact[q] and not evaluate(q):
                        continue
                    key = (lb[q], q)
                    if best is None or key < best:
                        best = key
                if best is None:
                    return seq, prices
                select(best[1])
        for t, s in enumerate(forced):
            thr = (thresholds[t], s)
            for l, q in sorted([(lb[q], q) for q in alive if q != s]):
                if (l, q) > thr:
                    break
                if not exact[q] and not evaluate(q):
                    continue
                if (lb[q], q) < thr:
                    return False
            if not exact[s] and not evaluate(s):  # pragma: no cover - excluded by (M2)
                raise AssertionError("forced project unaffordable at a larger budget")
            select(s)
        for q in list(alive):
            if exact[q] or evaluate(q):
                return False
        return True

    # ------------------------------------------------------------------ rules
    def outcome(self, seq: list[int]) -> list[str]:
        return self.preselected + [self.names[q] for q in seq]

    def run(self, per_voter_budget: Number) -> list[str]:
        """Plain MES (no completion) with the given initial budget per voter."""
        if self.n == 0:
            return []
        seq, _ = self._run(Fraction(per_voter_budget))
        return self.outcome(seq)

    def add1(self, increment: Number = 1) -> list[str]:
        """MES with the ``add1`` completion, identical to stepping ``k`` one by one."""
        st = self.stats = MESStats()
        if self.n == 0:
            return []
        e = self.election
        budget = e.budget
        base = Fraction(budget) / self.n
        inc = Fraction(increment)
        fixed_cost = sum((e.projects[p] for p in self.preselected), 0)

        def grid(k: int) -> Fraction:
            return base + k * inc

        def stop_state(seq) -> str | None:
            spent = fixed_cost + sum((self.cost[q] for q in seq), 0)
            if spent > budget:
                return "infeasible"
            left = budget - spent
            chosen = set(seq)
            for q in range(self.m):
                if q not in chosen and self.cost[q] <= left:
                    return None
            return "exhaustive"

        k = 0
        previous: list[int] = []
        while True:
            st.exact_runs += 1
            st.ks.append(k)
            seq, prices = self._run(grid(k))
            state = stop_state(seq)
            if state == "infeasible":  # k > 0 here: at k = 0 MES never overspends
                st.final_k = k - 1
                st.trie_nodes = self._nodes
                return self.outcome(previous)
            if state == "exhaustive":
                st.final_k = k
                st.trie_nodes = self._nodes
                return self.outcome(seq)
            # largest K >= k such that the outcome is certified constant on [b_k, b_K]
            lo, step = k, 1
            while True:
                st.certify_runs += 1
                if self._run(grid(k + step), seq, prices):
                    lo = k + step
                    step *= 2
                else:
                    hi = k + step
                    break
            while hi - lo > 1:
                mid = (lo + hi) // 2
                st.certify_runs += 1
                if self._run(grid(mid), seq, prices):
                    lo = mid
                else:
                    hi = mid
            previous = seq
            k = lo + 1


def equal_shares(election: Election, per_voter_budget: Number | None = None) -> list[str]:
    """Plain MES (cost utilities, no completion); ``per_voter_budget`` defaults to ``B/n``."""
    kern = EqualSharesKernel(election)
    if kern.n == 0:
        return []
    b = Fraction(election.budget) / kern.n if per_voter_budget is None else per_voter_budget
    return kern.run(b)


def equal_shares_add1(election: Election) -> list[str]:
    """MES with cost utilities and the ``add1`` completion (pabulib ``equalshares/add1``)."""
    return EqualSharesKernel(election).add1()
