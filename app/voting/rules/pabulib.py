"""Reader and writer for the pabulib ``.pb`` format (http://pabulib.org/format).

A ``.pb`` file has three sections, ``META``, ``PROJECTS`` and ``VOTES``, each a
semicolon-separated CSV table introduced by its name on a line of its own and followed by
a header line.  Parsing mirrors the reference parser of pabulib/pabutools (section names
case-insensitive, cells stripped, ``,`` accepted as decimal separator, votes a
comma-separated list of project ids, ``points`` aligned with ``vote`` for cumulative and
scoring ballots), but it is pure standard library and keeps every META entry and every
PROJECTS / VOTES column, so that ``parse_pabulib(write_pabulib(e)) == e`` and, for
well-formed files, ``write_pabulib(parse_pabulib(text))`` gives back ``text`` up to line
endings and CSV quoting.
"""
from __future__ import annotations

import csv
import io
import os

from .election import POINT_TYPES, Election, Number, as_exact

SECTIONS = ("meta", "projects", "votes")


def _read_text(path_or_text) -> str:
    if isinstance(path_or_text, bytes):
        return path_or_text.decode("utf-8-sig")
    if isinstance(path_or_text, os.PathLike) or (
        isinstance(path_or_text, str) and "\n" not in path_or_text and "\r" not in path_or_text
    ):
        with open(path_or_text, encoding="utf-8-sig", newline="") as fh:
            return fh.read()
    if isinstance(path_or_text, str):
        return path_or_text[1:] if path_or_text.startswith("\ufeff") else path_or_text
    raise TypeError("parse_pabulib expects a path, a str with the file content or bytes")


def _split_ids(cell: str) -> list[str]:
    return [x.strip() for x in cell.split(",") if x.strip()]


def parse_pabulib(path_or_text) -> Election:
    """Parse a pabulib file.

    ``path_or_text`` is a path (``str`` without a newline, or ``os.PathLike``), the file
    content as ``str`` (must contain a newline) or ``bytes``.  Raises ``ValueError`` on a
    malformed file (missing section, unknown project in a vote, bad number...)."""
    text = _read_text(path_or_text)
    meta: dict[str, str] = {}
    project_columns: tuple[str, ...] = ()
    project_rows: dict[str, tuple[str, ...]] = {}
    costs: dict[str, Number] = {}
    vote_columns: tuple[str, ...] = ()
    voter_rows: list[tuple[str, ...]] = []
    section = ""
    header_pending = False
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=";"):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        cells = tuple(c.strip() for c in row)
        if len(cells) == 1 and cells[0].lower() in SECTIONS:
            section = cells[0].lower()
            header_pending = True
            continue
        if header_pending:
            header_pending = False
            if section == "projects":
                project_columns = cells
            elif section == "votes":
                vote_columns = cells
            continue
        if section == "meta":
            meta[cells[0]] = cells[1] if len(cells) > 1 else ""
        elif section == "projects":
            pid = cells[0]
            if pid in project_rows:
                raise ValueError(f"duplicate project id {pid!r}")
            project_rows[pid] = cells
        elif section == "votes":
            voter_rows.append(cells)
        else:
            raise ValueError("content before the META section")
    if not project_columns or "cost" not in project_columns:
        raise ValueError("PROJECTS section missing or without a cost column")
    if not vote_columns or "vote" not in vote_columns:
        raise ValueError("VOTES section missing or without a vote column")
    for key in ("budget", "vote_type"):
        if key not in meta:
            raise ValueError(f"META has no {key!r}")
    ci = project_columns.index("cost")
    for pid, cells in project_rows.items():
        try:
            costs[pid] = as_exact(cells[ci])
        except (ValueError, IndexError, ZeroDivisionError) as exc:
            raise ValueError(f"bad cost for project {pid!r}") from exc
    vote_type = meta["vote_type"].strip()
    vi = vote_columns.index("vote")
    pi = vote_columns.index("points") if "points" in vote_columns else None
    ballots: list[frozenset] = []
    points: list[dict[str, Number]] | None = [] if vote_type in POINT_TYPES else None
    interned: dict[str, frozenset] = {}
    for cells in voter_rows:
        raw = cells[vi] if vi < len(cells) else ""
        if raw.lower() == "none":
            raw = ""
        if points is None:
            b = interned.get(raw)
            if b is None:
                b = frozenset(_split_ids(raw))
                missing = [p for p in b if p not in costs]
                if missing:
                    raise ValueError(f"vote mentions unknown project(s) {missing}")
                interned[raw] = b
            ballots.append(b)
        else:
            ids = _split_ids(raw)
            praw = cells[pi] if pi is not None and pi < len(cells) else ""
            pts = [as_exact(x) for x in _split_ids(praw)] if praw.lower() != "none" else []
            if len(pts) != len(ids):
                raise ValueError(f"vote and points differ in length: {raw!r} / {praw!r}")
            m: dict[str, Number] = {}
            for p, v in zip(ids, pts):
                if p not in costs:
                    raise ValueError(f"vote mentions unknown project {p!r}")
                m[p] = m.get(p, 0) + v
            points.append(m)
            ballots.append(frozenset(m))
    return Election(
        budget=as_exact(meta["budget"]),
        projects=costs,
        ballots=tuple(ballots),
        points=tuple(points) if points is not None else None,
        vote_type=vote_type,
        meta=meta,
        project_columns=project_columns,
        project_rows=project_rows,
        vote_columns=vote_columns,
        voter_rows=tuple(voter_rows),
    )


def format_amount(x: Number) -> str:
    """Exact decimal rendering of an amount (``827838.5``); raises ``ValueError`` for a
    fraction without a finite decimal expansion."""
    x = as_exact(x)
    if isinstance(x, int):
        return str(x)
    sign = "-" if x < 0 else ""
    x = abs(x)
    den, twos, fives = x.denominator, 0, 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        raise ValueError(f"{x} has no finite decimal expansion")
    digits = max(twos, fives)
    whole, frac = divmod(int(x * 10**digits), 10**digits)
    return f"{sign}{whole}.{str(frac).rjust(digits, '0')}"


def _same_amount(raw: str | None, value: Number) -> bool:
    try:
        return raw is not None and as_exact(raw) == value
    except (ValueError, TypeError, ZeroDivisionError):
        return False


def write_pabulib(election: Election, *, newline: str = "\n") -> str:
    """Serialise ``election`` to pabulib text.

    Kept META entries, PROJECTS columns and voter rows are written back verbatim; the
    semantic fields win when they disagree (``budget``, ``vote_type``, ``num_projects``,
    ``num_votes``, the ``cost`` column and the ``vote``/``points`` cells are rewritten if
    they no longer match).  A weighted (collapsed) election is expanded to one row per
    voter with voter ids ``1..n``."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    e = election
    expand = e.weights is not None or e.voter_rows is None
    meta = dict(e.meta)
    num_votes = e.num_voters
    updates = {
        "num_projects": str(len(e.projects)),
        "num_votes": str(num_votes),
        "vote_type": e.vote_type,
    }
    if not _same_amount(meta.get("budget"), e.budget):
        meta["budget"] = format_amount(e.budget)
    for k, v in updates.items():
        if meta.get(k, "").strip() != v:
            meta[k] = v
    w.writerow(["META"])
    w.writerow(["key", "value"])
    for k, v in meta.items():
        w.writerow([k, v])

    pcols = list(e.project_columns) or ["project_id", "cost"]
    if "project_id" not in pcols:
        pcols.insert(0, "project_id")
    if "cost" not in pcols:
        pcols.insert(1, "cost")
    src_cols = list(e.project_columns)
    w.writerow(["PROJECTS"])
    w.writerow(pcols)
    for pid, cost in e.projects.items():
        src = e.project_rows.get(pid, ())
        row = []
        for col in pcols:
            raw = src[src_cols.index(col)] if col in src_cols and src_cols.index(col) < len(src) else ""
            if col == "project_id":
                raw = pid
            elif col == "cost" and not _same_amount(raw, cost):
                raw = format_amount(cost)
            row.append(raw)
        w.writerow(row)

    with_points = e.points is not None
    vcols = list(e.vote_columns) if not expand else []
    if not vcols:
        vcols = ["voter_id", "vote"] + (["points"] if with_points else [])
    if with_points and "points" not in vcols:
        vcols.append("points")
    w.writerow(["VOTES"])
    w.writerow(vcols)
    vi = vcols.index("vote")
    pi = vcols.index("points") if "points" in vcols else None

    def vote_cells(k: int, raw_vote: str | None, raw_points: str | None):
        ballot = e.ballots[k]
        if with_points:
            m = e.points[k]
            if raw_vote is not None and raw_points is not None:
                ids = _split_ids(raw_vote)
                try:
                    pts = [as_exact(x) for x in _split_ids(raw_points)]
                except (ValueError, ZeroDivisionError):
                    pts = []
                if len(ids) == len(pts) and len(set(ids)) == len(ids) and dict(zip(ids, pts)) == m:
                    return raw_vote, raw_points
            order = sorted(m, key=lambda p: (-m[p], p))
            return ",".join(order), ",".join(format_amount(m[p]) for p in order)
        if raw_vote is not None and frozenset(_split_ids(raw_vote)) == ballot:
            return raw_vote, raw_points
        return ",".join(sorted(ballot)), raw_points

    if expand:
        ws = e.weights or (1,) * len(e.ballots)
        vid = 0
        for k, mult in enumerate(ws):
            vote, pts = vote_cells(k, None, None)
            for _ in range(mult):
                vid += 1
                row = [""] * len(vcols)
                row[vcols.index("voter_id")] = str(vid)
                row[vi] = vote
                if pi is not None:
                    row[pi] = pts or ""
                w.writerow(row)
    else:
        for k, src in enumerate(e.voter_rows):
            row = list(src) + [""] * (len(vcols) - len(src))
            vote, pts = vote_cells(k, row[vi], row[pi] if pi is not None else None)
            row[vi] = vote
            if pi is not None:
                row[pi] = pts or ""
            w.writerow(row[: max(len(src), vi + 1, (pi or 0) + 1)])
    return out.getvalue()
