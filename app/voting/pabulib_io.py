"""Rounds to and from the pabulib ``.pb`` format, so anyone can re-count a vote."""
from __future__ import annotations

from fractions import Fraction

from flask_babel import gettext as _

from app import audit
from app.auth.models import User
from app.errors import ServiceError
from app.extensions import db
from app.utils import today
from app.voting.models import Ballot, RoundStatus, VoteOption, VoteRound
from app.voting.rules import Election, parse_pabulib, write_pabulib

RULE_FROM_PABULIB = {"greedy": "greedy", "equalshares/add1": "mes", "equalshares": "mes"}
EXPORTABLE = ("budget_approval", "approval")


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def import_pabulib(text: str, *, actor: User | None, title: str | None = None) -> VoteRound:
    """Create a closed budget round holding the file's projects and ballots (voter ids are dropped)."""
    try:
        election = parse_pabulib(text)
    except (ValueError, KeyError, IndexError) as exc:
        raise ServiceError(_("pabulib 파일을 읽을 수 없습니다: %(e)s", e=str(exc)))
    if election.vote_type not in ("approval", "choose-1"):
        raise ServiceError(_("찬성형(approval, choose-1) 투표 파일만 가져올 수 있습니다."))
    if isinstance(election.budget, Fraction) or any(isinstance(c, Fraction) for c in election.projects.values()):
        raise ServiceError(_("예산과 사업비는 원 단위 정수여야 합니다."))
    meta = dict(election.meta)
    round_ = VoteRound(
        title=title or meta.get("description") or meta.get("unit") or _("가져온 투표"),
        description=meta.get("comment", ""),
        method="budget_approval", eligibility="any_user", status=RoundStatus.CLOSED,
        budget=int(election.budget), min_picks=_int_or_none(meta.get("min_length")),
        max_picks=_int_or_none(meta.get("max_length")),
        tally_rule=RULE_FROM_PABULIB.get(meta.get("rule", ""), "greedy"),
        pabulib_meta=meta, created_by_id=getattr(actor, "id", None),
    )
    db.session.add(round_)
    columns = list(election.project_columns)
    options = {}
    for position, (pid, cost) in enumerate(election.projects.items()):
        row = dict(zip(columns, election.project_rows.get(pid, ())))
        extra = {k: v for k, v in row.items() if k not in ("project_id", "cost")}
        option = VoteOption(round=round_, position=position, title=row.get("name") or pid, cost=int(cost),
                            external_id=pid, extra=extra)
        options[pid] = option
        db.session.add(option)
    db.session.flush()
    vote_columns = list(election.vote_columns)
    rows = election.voter_rows or ()
    position = {str(o.id): o.position for o in options.values()}
    ballots = []
    for k, ballot in enumerate(election.ballots):
        weight = election.weights[k] if election.weights else 1
        extra = {}
        if k < len(rows):
            extra = {c: v for c, v in zip(vote_columns, rows[k]) if c not in ("voter_id", "vote", "points")}
        picks = sorted((str(options[p].id) for p in ballot), key=position.__getitem__)
        for _n in range(weight):
            ballots.append({"round_id": round_.id, "content": {"picks": picks}, "source": "import",
                            "cast_on": today(), "extra": extra, "superseded": False})
    for chunk in range(0, len(ballots), 5000):
        db.session.execute(db.insert(Ballot), [dict(b, id=_ballot_id()) for b in ballots[chunk:chunk + 5000]])
    audit.record("vote.import_pabulib", round_, actor=actor, projects=len(options), ballots=len(ballots))
    db.session.commit()
    return round_


def _ballot_id() -> str:
    from app.voting.models import new_ballot_id

    return new_ballot_id()


def export_pabulib(round_: VoteRound) -> str:
    """The round's counted ballots as a pabulib file; voters numbered 1..n in a canonical order."""
    from app.voting.tally import counted_contents

    if round_.method not in EXPORTABLE:
        raise ServiceError(_("예산 투표와 찬성 투표만 pabulib 형식으로 내보낼 수 있습니다."))
    keys = {str(o.id): o.key for o in round_.options}
    project_columns = ["project_id", "cost", "name"]
    extra_columns: list[str] = []
    for option in round_.options:
        for column in option.extra or {}:
            if column not in project_columns and column not in extra_columns:
                extra_columns.append(column)
    project_columns += extra_columns
    project_rows = {
        o.key: tuple([o.key, str(o.cost), (o.extra or {}).get("name", o.title)]
                     + [str((o.extra or {}).get(c, "")) for c in extra_columns])
        for o in round_.options
    }
    from sqlalchemy import select

    rows = db.session.execute(select(Ballot.content, Ballot.extra).where(
        Ballot.round_id == round_.id, Ballot.superseded.is_(False))).all()
    # A canonical order (by the file's own project ids), never the order of casting.
    rows.sort(key=lambda r: (sorted(keys[p] for p in r[0]["picks"]), sorted((r[1] or {}).items())))
    vote_extra: list[str] = []
    for _content, extra in rows:
        for column in extra or {}:
            if column not in vote_extra:
                vote_extra.append(column)
    ballots = tuple(frozenset(keys[p] for p in content["picks"]) for content, _extra in rows)
    voter_rows = tuple(
        tuple([str(n), ",".join(keys[p] for p in content["picks"])] + [str((extra or {}).get(c, "")) for c in vote_extra])
        for n, (content, extra) in enumerate(rows, start=1)
    )
    meta = dict(round_.pabulib_meta or {})
    meta.setdefault("description", round_.title)
    meta.setdefault("country", "South Korea")
    meta["vote_type"] = "approval"
    meta["budget"] = str(round_.budget or 0)
    meta["rule"] = {"greedy": "greedy", "mes": "equalshares/add1", "mes-greedy": "equalshares/add1+greedy"}.get(
        round_.tally_rule, round_.tally_rule)
    if round_.min_picks:
        meta["min_length"] = str(round_.min_picks)
    if round_.max_picks:
        meta["max_length"] = str(round_.max_picks)
    election = Election(
        budget=round_.budget or 0, projects={o.key: o.cost for o in round_.options}, ballots=ballots,
        vote_type="approval", meta=meta, project_columns=tuple(project_columns), project_rows=project_rows,
        vote_columns=tuple(["voter_id", "vote"] + vote_extra), voter_rows=voter_rows,
    )
    return write_pabulib(election)
