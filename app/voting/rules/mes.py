"""Method of Equal Shares (MES) with cost utilities and the ``add1`` completion.

Definitions (what pabutools' ``method_of_equal_shares(instance, profile,
sat_class=Cost_Sat, voter_budget_increment=1)`` computes, and pabulib calls
``equalshares/add1``):

* ``n`` voters (empty ballots included) each start with the same budget ``b``; the
  plain rule uses ``b = B / n``.
* Candidates are the projects with at least one supporter and a positive cost.  (With
  cost utilities a project of cost 0 gives nobody any utility, so pabutools never
  selects it in MES; neither do we.  The ``mes-greedy`` completion picks it up.)
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

Everything is exact (``int`` and ``fractions.Fraction``); no float is ever used.

How we avoid stepping ``k`` one unit at a time
---------------------------------------------
pabutools re-runs MES for every ``k``: hundreds to tens of thousands of runs on real
files (Hungary_Veszprem_2025: 72,726).  ``O(b)`` is piecewise constant in ``b``; we run MES
exactly only at some grid points and *certify* whole ranges of ``k`` in between.

Monotonicity.  Fix a selection sequence ``S = (s_1, ..., s_T)`` and run MES *forced*
along ``S`` with initial budget ``b`` (every ``s_t`` affordable).  Then

(M1) after every round, every voter's budget is non-decreasing in ``b``: a supporter of
     ``s_t`` keeps ``max(0, budget - x_{s_t})``, and ``x_{s_t}`` (the solution of
     ``sum min(budget_i, x) = c``) does not increase when budgets grow; others keep theirs.
(M2) so in every round every price ``rho_q(b)`` is non-increasing in ``b`` (``+inf`` while
     unaffordable) and "affordable" is monotone.  The same holds in any state reached
     by selecting any fixed set of projects in any fixed order.

Independence.  Call two projects *dependent* if some ballot approves both.  Selecting
``p`` changes only the budgets of ``p``'s supporters, hence only the prices of projects
dependent on ``p``.  So swapping two adjacent independent selections changes nothing:
all orders of ``S`` that keep every dependent pair in ``S``'s order ("linearizations")
give the same payments and end with the same budgets and the same selected set.

Certificate.  Let ``S`` be the exact outcome at ``b0`` with prices ``r_t = rho_{s_t}``,
and ``b1 > b0``.  Run ``S`` forced at ``b1``.  In round ``t``, call a later element
``s_j`` (``j > t``) *free* if every element of ``S`` that is dependent on ``s_j`` and
precedes it in ``S`` precedes ``s_t`` too.  If in every round ``t`` every remaining
project ``q != s_t`` that is not free satisfies ``(r_t, s_t) < (rho_q(b1), q)``
(price first, then id: the tie-breaking order), and after the last round no project is
affordable at ``b1``, then for every ``b`` in ``[b0, b1]`` MES selects a linearization
of ``S``: the same set with the same budgets.  Proof: let ``Y`` be the set selected so
far by the run at ``b``, closed under dependent predecessors in ``S`` (true at the
start), and ``s_m`` the first element of ``S`` not in ``Y``.  ``s_m``'s supporters have
exactly the budgets they have at position ``m`` of ``S`` (no element of ``Y`` depends on
``s_m`` except its predecessors), so ``rho_{s_m} <= r_m`` by (M2).  A project ``q`` whose
selection would break the closure of ``Y`` (``q`` outside ``S``, or with a dependent
predecessor not in ``Y``, necessarily at a position ``>= m``) is not free in round ``m``,
and since ``Y`` contains ``s_1..s_{m-1}``, ``rho_q(Y, b) >= rho_q(Y, b1) >=
rho_q(s_1..s_{m-1}, b1) > (r_m, s_m)``: ``q`` loses to ``s_m``.  The run cannot stop
before ``Y = S`` (``s_m`` is affordable) nor go on after (nothing is affordable at
``b1``, hence by (M2) at ``b``).  Feasibility and exhaustiveness depend only on the set,
so every grid point in ``[b0, b1]`` has the state of ``b0``: not a stopping point.

The certificate is monotone in ``b1``, so from a grid point ``k`` we gallop (``k+2,
k+4, k+8, ...``) and binary search for the largest certified ``K``, then run MES exactly
at ``K+1``.  Where nobody is budget-constrained prices do not move with ``b`` and ``K+1``
is exactly the next point where something becomes affordable.  A certificate costs about
one MES run, so it is tried at ``k = 0`` and then only after the outcome has stayed the
same for ``need`` consecutive grid points, ``need`` doubling (up to 32) after each
useless attempt: on elections whose outcome changes at almost every step (large
city-wide ones) we simply step, with fast runs.  The answer is always an exactly computed
outcome -- if the stop is "overspent at ``k``" and ``k-1`` was only certified, MES is
re-run at ``k-1`` -- so the result, order included, is the one unit stepping gives.

Speed of one run
----------------
* Identical ballots are collapsed and restricted to the candidates, which are indexed in
  id order (so comparing indices compares ids).
* A voter who pays for ``s`` pays ``x_s`` or everything she has, so her budget is
  ``max(0, b - sum of x_s over the selected projects she approves)``: voters approving
  the same selected *set* form a class with one budget.  The classes -- per project,
  ``{approved selected set: number of supporters}`` -- depend on the selected set only,
  not on ``b`` or the order, so they are cached per selected set (bit mask) and shared
  by all runs; a node's table is derived lazily from the nearest cached ancestor by
  moving only the ballots that approve both projects (after the first run, those
  ballots are merged on the candidates selected so far, the only bits a class keeps).
* Amounts are integers: in round ``t`` everything is a multiple of ``1 / D[t]``;
  selecting a project whose payment level needs a new denominator ``f`` multiplies the
  scale (``D[t+1] = D[t] * f``); stored values are rescaled when read.  Prices are
  compared by cross-multiplication; candidates wait in a heap keyed by a lower bound of
  their price (their last exact price), and are re-priced lazily, as pabutools does.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from heapq import heapify, heappop, heappush
from math import gcd, lcm

from .election import Election, Number


@dataclass
class MESStats:
    """Work counters of the last ``add1`` search (for benchmarks and tests)."""

    exact_runs: int = 0
    certify_runs: int = 0
    certified_steps: int = 0
    final_k: int = 0
    nodes: int = 0


class _Price:
    """Price per unit of utility ``rho = num / den`` (exact, not normalised, den > 0) of
    candidate ``q``; ordered by ``(rho, q)`` -- i.e. ties broken by project id, since
    candidate indices follow the ``str`` order of the ids.  Cross-multiplication avoids
    the gcd normalisations of ``Fraction`` on these large numbers."""

    __slots__ = ("num", "den", "q")

    def __init__(self, num: int, den: int, q: int):
        self.num = num
        self.den = den
        self.q = q

    def __lt__(self, other: "_Price") -> bool:
        a = self.num * other.den
        b = other.num * self.den
        return a < b or (a == b and self.q < other.q)

    def value(self) -> Fraction:
        return Fraction(self.num, self.den)

    def __repr__(self) -> str:
        return f"_Price({self.value()}, q={self.q})"


class _Node:
    """Selected set ``Y`` (bit mask over candidate indices) and, lazily, for candidates
    ``q`` not in ``Y``: ``pc[q] = {class mask: weight}``, the supporters of ``q`` grouped
    by the set of selected projects they approve (``ballot & Y``)."""

    __slots__ = ("mask", "pc")

    def __init__(self, mask: int, pc: dict):
        self.mask = mask
        self.pc = pc


class EqualSharesKernel:
    """MES machinery for one election (approval sets of its ballots, with weights).

    For cumulative / scoring / ordinal elections the approval set of a ballot is the set
    of projects it mentions (cost utilities do not look at points or ranks)."""

    #: number of cached selected sets above which the cache is dropped
    MAX_NODES = 20000

    def __init__(self, election: Election):
        self.election = election
        costs = election.projects
        wb = election.weighted_ballots()
        self.n = sum(w for _, w in wb)
        support: Counter = Counter()
        for b, w in wb:
            for p in b:
                support[p] += w
        #: always empty: with cost utilities a project of cost 0 brings no utility, so
        #: pabutools (and we) never select it in MES (kept for API stability)
        self.preselected: list[str] = []
        # candidates are indexed in id (str) order, so comparing indices == comparing ids
        self.names = sorted(p for p in costs if support[p] > 0 and costs[p] > 0)
        idx = {p: i for i, p in enumerate(self.names)}
        m = self.m = len(self.names)
        self.cost = [costs[p] for p in self.names]
        self._cost_frac = [Fraction(c) for c in self.cost]
        self._cost_den = lcm(1, *(c.denominator for c in self._cost_frac))
        groups: dict[int, list] = {}  # ballot mask -> [weight, candidate indices]
        for b, w in wb:
            ids = [idx[p] for p in b if p in idx]
            if ids:
                mask = 0
                for i in ids:
                    mask |= 1 << i
                entry = groups.get(mask)
                if entry is None:
                    groups[mask] = [w, ids]
                else:
                    entry[0] += w
        self.gmask = list(groups)
        self.gw = [w for w, _ in groups.values()]
        self.gids = [ids for _, ids in groups.values()]
        self._wbits = max(self.n, 1).bit_length()  # any weight fits in wbits bits
        self.pg: list[list[int]] = [[] for _ in range(m)]
        self.nq = [0] * m
        dep = [0] * m
        for g, (mask, (w, ids)) in enumerate(groups.items()):
            for q in ids:
                self.pg[q].append(g)
                self.nq[q] += w
                dep[q] |= mask
        #: dep[q]: bit mask of the candidates sharing at least one supporter with q
        #: (q included); only their selection changes the budgets of q's supporters
        self.dep = dep
        self.neighbors = [list(_bits(d)) for d in dep]
        self._cn = [c.numerator for c in self._cost_frac]
        self._cd = [c.denominator for c in self._cost_frac]
        #: candidates selected in some run so far (every selected set is a subset)
        self._ever = 0
        self._pairs: dict[tuple[int, int], list] = {}
        self._by_selected: dict[int, dict[int, list]] = {}
        self._merging = False
        self._reset_cache()
        self.stats = MESStats()

    # ------------------------------------------------------------------ structure
    def _reset_cache(self) -> None:
        self.root = _Node(0, {q: {0: self.nq[q]} for q in range(self.m)})
        self._nodes: dict[int, _Node] = {0: self.root}

    def _node(self, mask: int) -> _Node:
        node = self._nodes.get(mask)
        if node is None:
            node = self._nodes[mask] = _Node(mask, {})
        return node

    def _pair_moves(self, q: int, s: int, y: int) -> list[tuple[int, int]]:
        """Ballots approving both ``q`` and ``s``, as ``(mask, weight)`` pairs, for use as
        ``mask & y`` (``y``: the projects selected before ``s``).

        Once ``self._merging`` is on, the masks are restricted to the candidates ever
        selected so far (``self._ever``) and merged accordingly: a class is ``ballot & Y``
        for a selected set ``Y``, always a subset of ``_ever``, so only those bits
        matter.  A merged list stays good for every ``y`` within the set it was merged on
        (``(mask & E) & y == mask & y`` when ``y`` is a subset of ``E``), so it is rebuilt
        only when a ``y`` reaches beyond that set -- not whenever ``_ever`` grows -- and
        never if merging saved less than half of the entries."""
        key = (q, s) if q < s else (s, q)
        entry = self._pairs.get(key)
        if entry is None:
            raw = self._raw_moves(s).get(q, [])
            entry = self._pairs[key] = [raw, None, None]  # raw moves, the set merged on, merged
        if not self._merging or entry[1] == -1:
            return entry[0]
        merged_on = entry[1]
        if merged_on is None or y & ~merged_on:
            ever = self._ever
            merged: dict[int, int] = {}
            for mk, w in entry[0]:
                mk &= ever
                merged[mk] = merged.get(mk, 0) + w
            if 2 * len(merged) > len(entry[0]):
                entry[1] = -1  # merging does not pay for this pair: keep the raw list
                return entry[0]
            entry[1], entry[2] = ever, list(merged.items())
        return entry[2]

    def _raw_moves(self, s: int) -> dict[int, list[tuple[int, int]]]:
        """For every candidate ``q``, the ballots approving both ``q`` and ``s`` (built for all
        ``q`` in one pass over the ballots approving ``s``: the work is the size of the answer)."""
        found = self._by_selected.get(s)
        if found is None:
            found = self._by_selected[s] = {}
            gm, gw, gids = self.gmask, self.gw, self.gids
            for g in self.pg[s]:
                item = (gm[g], gw[g])
                for q in gids[g]:
                    moves = found.get(q)
                    if moves is None:
                        found[q] = [item]
                    else:
                        moves.append(item)
        return found

    def _classes(self, path: list[_Node], seq: list[int], q: int) -> dict:
        """``pc[q]`` at the last node of ``path``, derived from the nearest node of the
        path where it is known, moving only the supporters of q who also support the
        projects selected since then."""
        node = path[-1]
        d = node.pc.get(q)
        if d is not None:
            return d
        i = len(path) - 1
        while q not in path[i].pc:
            i -= 1
        d = path[i].pc[q]
        copied = False
        for j in range(i, len(path) - 1):
            s = seq[j]
            if not (self.dep[q] >> s) & 1:
                continue
            if not copied:
                d = dict(d)
                copied = True
            y = path[j].mask
            sb = 1 << s
            for c, w in self._pair_moves(q, s, y):
                c &= y
                left = d[c] - w
                if left:
                    d[c] = left
                else:
                    del d[c]
                c |= sb
                d[c] = d.get(c, 0) + w
        node.pc[q] = d
        return d

    # ------------------------------------------------------------------ one run
    def _run(self, b: Fraction, forced: list[int] | None = None, thresholds: list | None = None):
        """MES with per-voter budget ``b``.

        Free run (``forced is None``): returns ``(sequence, prices)`` (candidate indices
        and their price ``rho`` when selected).  Forced run: returns ``True`` iff the
        certificate of the module docstring holds at ``b`` for the sequence ``forced``
        whose prices at the smaller budget were ``thresholds``.

        Exact arithmetic on integers: in round ``t`` every amount is an integer multiple
        of ``1 / D[t]``; selecting a project whose payment level has denominator ``f``
        (relative to ``D[t]``) sets ``D[t+1] = D[t] * f``.  A class stores how much it
        has spent together with the round whose scale that value uses, and is rescaled
        (``R``) when read in a later round."""
        if len(self._nodes) > self.MAX_NODES:
            self._reset_cache()
        nq = self.nq
        D = [lcm(b.denominator, self._cost_den)]
        bD = [b.numerator * (D[0] // b.denominator)]
        c0 = [int(c * D[0]) for c in self._cost_frac]
        # R[ts] = D[t] // D[ts] for the current round t (scale conversion factors)
        R = [1]

        # spent[class] = (v, ts): the class has spent v / D[ts]; classes that have spent
        # their whole budget b have no entry
        spent: dict[int, tuple[int, int]] = {0: (0, 0)} if bD[0] > 0 else {}
        wbits = self._wbits
        wmask = (1 << wbits) - 1
        path = [self.root]
        seq: list[int] = []
        prices: list[_Price] = []
        # lower bound on rho (exact when exact[q]); rho >= 1 / n_q always
        lb = [_Price(1, nq[q], q) for q in range(self.m)]
        cn, cd = self._cn, self._cd
        exact = [False] * self.m
        xval: list = [None] * self.m
        alive = set(range(self.m))
        classes_at = self._classes

        def evaluate(q: int) -> bool:
            t = len(seq)
            bt = bD[t]
            items = []
            zero_w = 0
            d = classes_at(path, seq, q)
            append = items.append
            for c, sv, w in zip(d, map(spent.get, d), d.values()):
                if sv is None:  # spent everything (see select)
                    zero_w += w
                elif sv[1] == t:
                    append((sv[0] << wbits) | w)
                else:
                    v = sv[0] * R[sv[1]]
                    spent[c] = (v, t)
                    append((v << wbits) | w)
            rem = c0[q] * R[0]
            cnt = nq[q] - zero_w
            # pabutools: afford = (c - paid by the poorer) / remaining supporters; the
            # first supporter (by budget) who can pay it fixes the price.  If nobody
            # can, the supporters hold less than the cost in total: unaffordable.
            # (items encode (spent, weight) as spent << wbits | weight, so that they sort
            # by what is left, the other way round, as plain integers.  Supporters with
            # nothing left are out already: when the poorest of the others can pay an
            # equal share, that share is the price and nothing needs sorting.)
            if not items:
                alive.discard(q)
                return False
            if (bt - (max(items) >> wbits)) * cnt < rem:
                items.sort(reverse=True)
                for it in items:
                    beta = bt - (it >> wbits)
                    if rem <= beta * cnt:
                        break
                    w = it & wmask
                    rem -= beta * w
                    cnt -= w
                else:
                    alive.discard(q)
                    return False
            xval[q] = (rem, cnt, t)  # payment level x = rem / (cnt * D[t])
            lb[q] = _Price(rem * cd[q], cnt * D[t] * cn[q], q)
            exact[q] = True
            return True

        def select(s: int) -> None:
            t = len(seq)
            classes = classes_at(path, seq, s)
            rem, cnt, ts = xval[s]
            num = rem * R[ts] if ts != t else rem
            g = gcd(num, cnt)
            f = cnt // g
            xt = num // g  # x * D[t+1]
            D.append(D[t] * f)
            bt = bD[t] * f
            bD.append(bt)
            sb = 1 << s
            self._ever |= sb
            get = spent.get
            for c in classes:
                sv = get(c)
                if sv is None:
                    continue  # broke voters stay broke
                v, tc = sv
                if tc != t:
                    v *= R[tc]
                    spent[c] = (v, t)
                v = v * f + xt
                if v < bt:
                    spent[c | sb] = (v, t + 1)
                # else: the new class has spent its whole budget; it gets no entry
            R[:] = [r * f for r in R]
            R.append(1)
            seq.append(s)
            prices.append(lb[s])
            alive.discard(s)
            path.append(self._node(path[-1].mask | sb))
            for q in self.neighbors[s]:
                exact[q] = False

        # every alive candidate has exactly one entry in the heap, keyed by its lb,
        # except those popped in the current round (pushed back at its end)
        heap = lb[:]
        heapify(heap)
        if forced is None:
            while True:
                best = None
                popped = []
                while heap:
                    top = heap[0]
                    q = top.q
                    if q not in alive:
                        heappop(heap)
                        continue
                    if best is not None and best < top:
                        break  # lb order: no later project can beat the best
                    heappop(heap)
                    if not exact[q] and not evaluate(q):
                        continue
                    popped.append(q)
                    if best is None or lb[q] < best:
                        best = lb[q]
                if best is None:
                    return seq, prices
                select(best.q)
                for q in popped:
                    if q in alive:
                        heappush(heap, lb[q])

        # forced run (certificate)
        pos = {s: j for j, s in enumerate(forced)}
        last_dep = []
        for j, s in enumerate(forced):
            i = j - 1
            while i >= 0 and not (self.dep[s] >> forced[i]) & 1:
                i -= 1
            last_dep.append(i)
        for t, s in enumerate(forced):
            thr = thresholds[t]
            popped = []
            while heap:
                top = heap[0]
                q = top.q
                if q not in alive:
                    heappop(heap)
                    continue
                if thr < top:
                    break
                heappop(heap)
                popped.append(q)
                if q == s:
                    continue
                j = pos.get(q)
                if j is not None and last_dep[j] < t:
                    continue  # enabled at every cut whose first missing element is s
                if not exact[q] and not evaluate(q):
                    continue
                if lb[q] < thr:
                    return False
            if not exact[s] and not evaluate(s):  # pragma: no cover - excluded by (M2)
                raise AssertionError("forced project unaffordable at a larger budget")
            select(s)
            for q in popped:
                if q in alive:
                    heappush(heap, lb[q])
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

        def exact(k: int):
            st.exact_runs += 1
            out = self._run(grid(k))
            self._merging = True  # _ever now holds most of what will ever be selected
            return out

        k = 0
        prev_k, prev_seq = -1, None  # last grid point run exactly, and its outcome
        streak, need = 0, 1
        while True:
            seq, prices = exact(k)
            state = stop_state(seq)
            if state == "infeasible":  # k > 0 here: at k = 0 MES never overspends
                st.final_k = k - 1
                if prev_k != k - 1:  # O_{k-1} was only certified up to reordering
                    prev_seq, _ = exact(k - 1)
                st.nodes = len(self._nodes)
                return self.outcome(prev_seq)
            if state == "exhaustive":
                st.final_k = k
                st.nodes = len(self._nodes)
                return self.outcome(seq)
            # A certificate costs about one run, like an exact run, so it only pays when
            # the outcome is stable.  Try one at the start; afterwards only once the last
            # ``need`` steps all gave the same outcome (up to reordering independent
            # projects), ``need`` doubling after each useless attempt.
            if prev_seq is not None and prev_k == k - 1 and self._same_trace(prev_seq, seq):
                streak += 1
            else:
                streak = 0
            prev_k, prev_seq = k, seq
            if k > 0 and streak < need:
                k += 1
                continue
            # largest K >= k such that the outcome is certified on [b_k, b_K]
            lo, step = k, 2
            while True:
                st.certify_runs += 1
                if self._run(grid(k + step), seq, prices):
                    lo = k + step
                    step *= 2
                else:
                    hi = k + step
                    break
            while hi - lo > 2:  # (certifying a single grid point saves nothing)
                mid = (lo + hi) // 2
                st.certify_runs += 1
                if self._run(grid(mid), seq, prices):
                    lo = mid
                else:
                    hi = mid
            st.certified_steps += lo - k
            need = 1 if lo > k else min(2 * need, 32)
            streak = 0
            k = lo + 1

    def _same_trace(self, a: list[int], b: list[int]) -> bool:
        """Same selected set, and every two projects sharing a supporter in the same order
        (then the two runs end with the same budgets: only such pairs interact)."""
        if len(a) != len(b) or set(a) != set(b):
            return False
        pos = {s: i for i, s in enumerate(b)}
        dep = self.dep
        for j, s in enumerate(a):
            ds, ps = dep[s], pos[s]
            for i in range(j):
                r = a[i]
                if (ds >> r) & 1 and pos[r] > ps:
                    return False
        return True


def _bits(mask: int):
    i = 0
    while mask:
        if mask & 1:
            yield i
        mask >>= 1
        i += 1


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
