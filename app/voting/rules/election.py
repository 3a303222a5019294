"""The :class:`Election` value object the tally rules work on.

Pure standard library, no Flask: usable from a request, a Celery task or a CLI.

Numbers are exact: the budget and the project costs are ``int`` (or
``fractions.Fraction`` when a source file states a non-integer amount, e.g.
``budget;827838.5`` in Poland_Warszawa_2018_Ursus_Polnocny.pb); ballot points are
``int``/``Fraction``.  No float is ever used in a decision.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from numbers import Rational
from typing import Union

Number = Union[int, Fraction]

APPROVAL_LIKE = ("approval", "choose-1")
POINT_TYPES = ("cumulative", "scoring")
VOTE_TYPES = ("approval", "choose-1", "cumulative", "scoring", "ordinal")


def as_exact(value) -> Number:
    """Convert ``value`` (int, Fraction, decimal string such as ``"827838.5"`` or
    ``"1,5"``) to an exact number: ``int`` when integral, ``Fraction`` otherwise.

    Floats are refused on purpose (they are not exact)."""
    if isinstance(value, bool):
        raise TypeError("booleans are not amounts")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        raise TypeError("floats are not accepted; pass an int, a Fraction or a decimal string")
    if isinstance(value, str):
        value = Fraction(value.strip().replace(",", "."))
    elif isinstance(value, Rational):
        value = Fraction(value.numerator, value.denominator)
    else:
        raise TypeError(f"cannot use {value!r} as an exact amount")
    return value.numerator if value.denominator == 1 else value


@dataclass(frozen=True, eq=True)
class Election:
    """A participatory-budgeting election.

    Semantic fields (what the rules use):

    ``budget``
        total budget, ``int`` (``Fraction`` only if the source amount is not integral).
    ``projects``
        ``{project_id: cost}`` with ``str`` ids and ``int``/``Fraction`` costs, in source order.
    ``ballots``
        one ``frozenset`` of project ids per ballot (the approved / chosen / ranked /
        pointed projects).
    ``weights``
        ``None`` (every ballot counts once, one ballot per voter) or one positive ``int``
        multiplicity per ballot, so that identical ballots can be stored once
        (see :meth:`collapsed`).
    ``points``
        ``None``, or for ``cumulative``/``scoring`` elections one ``{project_id: points}``
        mapping per ballot (aligned with ``ballots``).
    ``vote_type``
        ``approval``, ``choose-1``, ``cumulative``, ``scoring`` or ``ordinal``.

    Passive fields (kept so that an import/export round trip is lossless; the rules
    never read them):

    ``meta``
        the META section, ``{key: value}`` strings in source order.
    ``project_columns`` / ``project_rows``
        header of the PROJECTS section and ``{project_id: (raw values...)}`` aligned with it
        (``name``, ``selected``, ``votes``, ``category``... columns live here).
    ``vote_columns`` / ``voter_rows``
        header of the VOTES section and one tuple of raw values per ballot (``voter_id``,
        ``vote``, ``points``, ``age``...), aligned with ``ballots``; ``None`` when the
        election was built from aggregated ballots.
    """

    budget: Number
    projects: Mapping[str, Number]
    ballots: tuple[frozenset, ...]
    weights: tuple[int, ...] | None = None
    points: tuple[Mapping[str, Number], ...] | None = None
    vote_type: str = "approval"
    meta: Mapping[str, str] = field(default_factory=dict, compare=False)
    project_columns: tuple[str, ...] = field(default=(), compare=False)
    project_rows: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    vote_columns: tuple[str, ...] = field(default=(), compare=False)
    voter_rows: tuple[tuple[str, ...], ...] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "budget", as_exact(self.budget))
        projects = {str(p): as_exact(c) for p, c in dict(self.projects).items()}
        object.__setattr__(self, "projects", projects)
        ballots = tuple(b if isinstance(b, frozenset) else frozenset(b) for b in self.ballots)
        object.__setattr__(self, "ballots", ballots)
        if self.vote_type not in VOTE_TYPES:
            raise ValueError(f"unknown vote_type {self.vote_type!r}")
        if self.budget < 0:
            raise ValueError("negative budget")
        for p, c in projects.items():
            if c < 0:
                raise ValueError(f"project {p!r} has a negative cost")
        seen: set[frozenset] = set()
        for b in ballots:
            if b not in seen:
                seen.add(b)
                unknown = [p for p in b if p not in projects]
                if unknown:
                    raise ValueError(f"ballot mentions unknown project(s) {sorted(unknown)}")
        if self.weights is not None:
            weights = tuple(self.weights)
            if len(weights) != len(ballots):
                raise ValueError("weights and ballots differ in length")
            for w in weights:
                if not isinstance(w, int) or isinstance(w, bool) or w <= 0:
                    raise ValueError("weights must be positive integers")
            object.__setattr__(self, "weights", weights)
        if self.points is not None:
            if len(self.points) != len(ballots):
                raise ValueError("points and ballots differ in length")
            pts = tuple({str(p): as_exact(v) for p, v in dict(m).items()} for m in self.points)
            for b, m in zip(ballots, pts):
                if set(m) != set(b):
                    raise ValueError("points must be given for exactly the projects of the ballot")
            object.__setattr__(self, "points", pts)
        if self.voter_rows is not None and len(self.voter_rows) != len(ballots):
            raise ValueError("voter_rows and ballots differ in length")

    # ------------------------------------------------------------------ helpers
    @property
    def num_voters(self) -> int:
        """Number of voters (sum of the weights), empty ballots included."""
        return len(self.ballots) if self.weights is None else sum(self.weights)

    @property
    def voter_ids(self) -> list[str] | None:
        """Voter ids from the source file, or ``None`` if unknown."""
        if self.voter_rows is None or "voter_id" not in self.vote_columns:
            return None
        i = self.vote_columns.index("voter_id")
        return [row[i] if i < len(row) else "" for row in self.voter_rows]

    def weighted_ballots(self) -> list[tuple[frozenset, int]]:
        """Distinct approval sets with their multiplicities (order of first appearance)."""
        counts: Counter = Counter()
        if self.weights is None:
            counts.update(self.ballots)
        else:
            for b, w in zip(self.ballots, self.weights):
                counts[b] += w
        return list(counts.items())

    def collapsed(self) -> "Election":
        """Same election with identical ballots merged into one weighted ballot.

        Voter rows are dropped (they are per voter).  Point ballots are merged only when
        both the approval set and the points coincide."""
        if self.points is None:
            items = self.weighted_ballots()
            return Election(
                budget=self.budget, projects=dict(self.projects),
                ballots=tuple(b for b, _ in items), weights=tuple(w for _, w in items),
                vote_type=self.vote_type, meta=dict(self.meta),
                project_columns=self.project_columns, project_rows=dict(self.project_rows),
            )
        counts: Counter = Counter()
        ws = self.weights or (1,) * len(self.ballots)
        for m, w in zip(self.points, ws):
            counts[frozenset(m.items())] += w
        return Election(
            budget=self.budget, projects=dict(self.projects),
            ballots=tuple(frozenset(p for p, _ in k) for k in counts),
            weights=tuple(counts.values()), points=tuple(dict(k) for k in counts),
            vote_type=self.vote_type, meta=dict(self.meta),
            project_columns=self.project_columns, project_rows=dict(self.project_rows),
        )

    def scores(self) -> dict[str, Number]:
        """Weighted support of every project: number of approving (choosing, ranking)
        voters, or the total number of points for cumulative / scoring ballots."""
        score: dict[str, Number] = {p: 0 for p in self.projects}
        ws = self.weights or (1,) * len(self.ballots)
        if self.points is not None:
            for m, w in zip(self.points, ws):
                for p, v in m.items():
                    score[p] += v * w
        else:
            for b, w in zip(self.ballots, ws):
                for p in b:
                    score[p] += w
        return score

    def project_field(self, project_id: str, column: str) -> str | None:
        """Raw value of a PROJECTS column (``name``, ``selected``...) or ``None``."""
        if column not in self.project_columns:
            return None
        row = self.project_rows.get(project_id)
        i = self.project_columns.index(column)
        if row is None or i >= len(row):
            return None
        return row[i]

    def official_selection(self) -> list[str] | None:
        """Project ids whose ``selected`` column is ``1`` (official winners), or ``None``
        when the file has no ``selected`` column."""
        if "selected" not in self.project_columns:
            return None
        return [p for p in self.projects if (self.project_field(p, "selected") or "").strip() == "1"]

    def total_cost(self, project_ids) -> Number:
        return sum((self.projects[p] for p in project_ids), 0)
