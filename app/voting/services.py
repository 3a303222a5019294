"""Voting services: set up a round, run its lifecycle, cast secret ballots, tally and publish."""
from __future__ import annotations

import functools
import hashlib
import hmac
import json
import secrets
from datetime import datetime
from typing import Any

from celery import shared_task
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app import __version__, audit
from app.auth.models import User
from app.errors import Conflict, ServiceError
from app.extensions import db
from app.events.models import Event
from app.tasks import defer
from app.utils import commit_keeping_loaded, now, today
from app.voting.eligibility import ELIGIBILITY
from app.voting.methods import METHODS
from app.voting.models import (
    Ballot, EligibleVoter, LiveTally, PaperBallot, Recusal, RoundStatus, RubricCriterion, VoteOption,
    VoteResult, VoteRound, VoterRoll, new_ballot_id,
)

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


# --- reading ---------------------------------------------------------------

def get_round_or_404(round_id: int) -> VoteRound:
    return db.get_or_404(VoteRound, round_id)


def get_round_for_ballot(round_id: int) -> VoteRound:
    """The round as a ballot is cast into it: read under a key-share lock held until the ballot commits.

    ``close_round`` takes the row lock that conflicts with it, so a close waits for ballots already
    being cast, and a ballot that starts during a close reads the round after it (closed). Ballots do
    not block each other: the foreign keys of the roll and ballot rows take the same lock anyway.

    An open round's rules and options are frozen, and every change to the round moves its
    ``version``. So each process keeps a read-only copy of an open round, detached from any session,
    and the lock reads only the columns that say whether that copy is still the round: the crowd's
    ballots do not load the round and its options again and again. A round that is not open comes
    back attached to the session, as the refusal page may change it (``refresh_status``).
    """
    from flask import abort, current_app

    state = db.session.execute(_round_state_statement(), {"id": round_id}).first()
    if state is None:
        abort(404)
    if state.status is RoundStatus.SCHEDULED and state.opens_at and state.opens_at <= now():
        refresh_status(db.session.get(VoteRound, round_id))  # its opening time has come: it opens (and commits) first
        state = db.session.execute(_round_state_statement(), {"id": round_id}).first()
    if state.status is not RoundStatus.OPEN:
        return db.session.get(VoteRound, round_id, populate_existing=True)
    frozen = current_app.extensions.setdefault("voting.open_rounds", {})
    key = (state.version, state.created_at)
    cached = frozen.get(round_id)
    if cached is not None and cached[0] == key:
        return cached[1]
    round_ = db.session.get(VoteRound, round_id, populate_existing=True,
                            options=[selectinload(VoteRound.options), selectinload(VoteRound.criteria)])
    db.session.expunge(round_)  # with its options and criteria: a copy no request can change or expire
    if len(frozen) >= 256:  # rounds open at once are few; closed ones drop out here
        frozen.clear()
    frozen[round_id] = (key, round_)
    return round_


@functools.cache
def _round_state_statement():
    table = VoteRound.__table__
    return (select(table.c.status, table.c.version, table.c.created_at, table.c.opens_at)
            .where(table.c.id == bindparam("id")).with_for_update(read=True, key_share=True))


def visible_rounds(include_drafts: bool) -> list[VoteRound]:
    stmt = select(VoteRound).order_by(VoteRound.id.desc())
    if not include_drafts:
        stmt = stmt.where(VoteRound.status != RoundStatus.DRAFT)
    return list(db.session.scalars(stmt))


def method_of(round_):
    return METHODS[round_.method]


def eligibility_of(round_):
    return ELIGIBILITY[round_.eligibility]


def recused_option_ids(round_: VoteRound, user_id: int) -> set[str]:
    """Options this member may not score: ones they proposed, and declared conflicts."""
    ids = {str(o.id) for o in round_.options if o.proposer_id == user_id}
    ids |= {str(r.option_id) for r in db.session.scalars(
        select(Recusal).where(Recusal.round_id == round_.id, Recusal.user_id == user_id))}
    return ids


def has_voted(round_: VoteRound, user: User) -> bool:
    return db.session.scalar(select(VoterRoll.id).where(
        VoterRoll.round_id == round_.id, VoterRoll.user_id == user.id)) is not None


def turnout(round_: VoteRound) -> dict[str, Any]:
    """Counted ballots by source, and the eligible count where it is known."""
    rows = db.session.execute(
        select(Ballot.source, func.count()).where(Ballot.round_id == round_.id, Ballot.superseded.is_(False),
                                                  Ballot.part.is_(False))
        .group_by(Ballot.source)
    ).all()
    by_source = {source: n for source, n in rows}
    cast = sum(by_source.values())
    eligible = round_.eligible_count if round_.eligible_count is not None else eligibility_of(round_).count(round_)
    return {"cast": cast, "online": by_source.get("online", 0), "paper": by_source.get("paper", 0),
            "imported": by_source.get("import", 0), "eligible": eligible,
            "percent": (f"{cast * 100 / eligible:.1f}" if eligible else None)}


def latest_result(round_: VoteRound) -> VoteResult | None:
    return db.session.scalars(select(VoteResult).where(VoteResult.round_id == round_.id)
                              .order_by(VoteResult.id.desc())).first()


def results_visible(round_: VoteRound, user=None) -> bool:
    """Whether ``user`` may see the round's counts now (``None``: the public, as on a projector).

    While the round is open, everyone sees the running count only where staff chose live results
    (and never who wins: see :func:`result_is_final`). After the close the count is staff's alone
    until they publish it.
    """
    from app.permissions import can

    if round_.status is RoundStatus.PUBLISHED:
        return True
    if round_.status is RoundStatus.OPEN:
        return bool(round_.live_results)
    if round_.status in (RoundStatus.CLOSED, RoundStatus.TALLIED):
        return user is not None and can("vote.manage", round_, user)
    return False


def result_is_final(round_: VoteRound) -> bool:
    """Whether a shown count may say what passed or was selected: only once voting has closed."""
    return round_.status in (RoundStatus.CLOSED, RoundStatus.TALLIED, RoundStatus.PUBLISHED)


# --- setting up -------------------------------------------------------------

def _require_editable(round_: VoteRound) -> None:
    if not round_.is_editable:
        raise Conflict(_("투표가 시작된 뒤에는 규칙과 선택지를 바꿀 수 없습니다."))


def save_round(round_: VoteRound | None, *, actor: User, title: str, description: str, method: str,
               eligibility: str, body_id: int | None, budget: int | None, min_picks: int | None,
               max_picks: int | None, seats: int | None, tally_rule: str, allow_revote: bool,
               live_results: bool, event_id: int | None = None, min_age: int | None = None,
               client_token: str | None = None, commit: bool = True, cycle_id: int | None = None) -> VoteRound:
    """Create a draft round or change its settings (only before it opens).

    ``commit=False`` leaves the commit to a caller that does more in the same transaction.
    """
    if method not in METHODS:
        raise ServiceError(_("투표 방식을 골라 주세요."), "method")
    if eligibility not in ELIGIBILITY:
        raise ServiceError(_("투표 자격을 골라 주세요."), "eligibility")
    if eligibility == "body_members" and not body_id:
        raise ServiceError(_("위원 투표에는 기구를 정해 주세요."), "body_id")
    if eligibility == "event_attendees" and not event_id:
        raise ServiceError(_("행사 참석자 투표에는 행사를 정해 주세요."), "event_id")
    if min_age is not None and not 0 <= min_age <= 120:
        raise ServiceError(_("최소 나이는 0세부터 120세 사이로 적어 주세요."), "min_age")
    if min_age and eligibility != "verified_residents":
        raise ServiceError(_("최소 나이는 '구민' 자격 투표에만 정할 수 있습니다."), "min_age")
    if event_id and db.session.get(Event, event_id) is None:
        raise ServiceError(_("없는 행사입니다."), "event_id")
    if cycle_id:
        from app.cycles.models import PlanCycle

        if db.session.get(PlanCycle, cycle_id) is None:
            raise ServiceError(_("없는 수립 주기입니다."), "cycle_id")
    elif event_id:  # a vote at one of a cycle's town halls serves that cycle
        cycle_id = db.session.get(Event, event_id).cycle_id
    for name, value in (("budget", budget), ("min_picks", min_picks), ("max_picks", max_picks), ("seats", seats)):
        if value is not None and value < 0:
            raise ServiceError(_("0 이상의 정수를 입력해 주세요."), name)
    if min_picks and max_picks and min_picks > max_picks:
        raise ServiceError(_("최소 선택 수가 최대 선택 수보다 클 수 없습니다."), "min_picks")
    creating = round_ is None
    if creating:
        round_ = VoteRound(created_by_id=actor.id, created_at=now(), status=RoundStatus.DRAFT,
                           client_token=client_token or None)
        db.session.add(round_)
    else:
        _require_editable(round_)
    round_.title = title.strip()
    round_.description = description or ""
    round_.method = method
    round_.eligibility = eligibility
    round_.body_id = body_id or None
    round_.event_id = event_id or None
    round_.cycle_id = cycle_id or None
    round_.budget = budget
    round_.min_picks = min_picks
    round_.max_picks = max_picks
    round_.seats = seats
    round_.min_age = min_age or None
    round_.tally_rule = tally_rule
    round_.allow_revote = allow_revote
    round_.live_results = live_results
    db.session.flush()
    audit.record("vote.create" if creating else "vote.update", round_, actor=actor, method=method)
    if commit:
        db.session.commit()
    return round_


def add_option(round_: VoteRound, *, title: str, description: str, cost: int, proposer_id: int | None,
               actor: User, agenda_item_id: int | None = None, commit: bool = True) -> VoteOption:
    """Add a choice (a project with its cost in won), optionally the agenda item it comes from."""
    _require_editable(round_)
    if agenda_item_id:
        from app.agenda.models import AgendaItem

        if db.session.get(AgendaItem, agenda_item_id) is None:
            raise ServiceError(_("그 번호의 의제가 없습니다."), "agenda_item_id")
    if cost is None or cost < 0:
        raise ServiceError(_("사업비는 0원 이상의 정수로 적어 주세요."), "cost")
    if proposer_id and db.session.get(User, proposer_id) is None:
        raise ServiceError(_("그 번호의 회원이 없습니다."), "proposer_id")
    option = VoteOption(round=round_, title=title.strip(), description=description or "", cost=cost,
                        proposer_id=proposer_id or None, position=len(round_.options),
                        agenda_item_id=agenda_item_id or None)
    db.session.add(option)
    db.session.flush()
    audit.record("vote.option_add", round_, actor=actor, option_id=option.id, title=option.title, cost=cost)
    if commit:
        db.session.commit()
    return option


def remove_option(option: VoteOption, *, actor: User) -> None:
    round_ = option.round
    _require_editable(round_)
    audit.record("vote.option_remove", round_, actor=actor, option_id=option.id, title=option.title)
    db.session.delete(option)
    db.session.commit()


def add_criterion(round_: VoteRound, *, name: str, weight: int, actor: User) -> RubricCriterion:
    _require_editable(round_)
    if not weight or weight < 1:
        raise ServiceError(_("가중치는 1 이상의 정수입니다."), "weight")
    criterion = RubricCriterion(round=round_, name=name.strip(), weight=weight, position=len(round_.criteria))
    db.session.add(criterion)
    db.session.flush()
    audit.record("vote.criterion_add", round_, actor=actor, name=criterion.name, weight=weight)
    db.session.commit()
    return criterion


def add_recusal(round_: VoteRound, option: VoteOption, user: User, reason: str, *, actor: User) -> None:
    """Declare that ``user`` may not score ``option`` (a conflict of interest)."""
    _require_editable(round_)
    exists = db.session.scalar(select(Recusal).where(Recusal.option_id == option.id, Recusal.user_id == user.id))
    if exists:
        return
    db.session.add(Recusal(round_id=round_.id, option_id=option.id, user_id=user.id, reason=reason or ""))
    audit.record("vote.recusal_add", round_, actor=actor, option_id=option.id, user_id=user.id)
    db.session.commit()


# --- lifecycle ---------------------------------------------------------------

def _transition(round_: VoteRound, to: RoundStatus, actor: User | None, action: str, *, commit: bool = True,
                **detail) -> None:
    round_.status = to
    audit.record(action, round_, actor=actor, **detail)
    if not commit:
        db.session.flush()
        return
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(_("다른 사람이 먼저 이 투표의 상태를 바꾸었습니다. 새로 고친 뒤 확인해 주세요."))


def schedule(round_: VoteRound, opens_at: datetime, closes_at: datetime, *, actor: User) -> None:
    """Set the voting window (UTC) of a draft round and check that it can run."""
    _require_editable(round_)
    if closes_at <= opens_at:
        raise ServiceError(_("마감 시각은 시작 시각보다 늦어야 합니다."), "closes_at")
    if closes_at <= now():
        raise ServiceError(_("마감 시각이 이미 지났습니다."), "closes_at")
    method_of(round_).check_setup(round_)
    round_.opens_at, round_.closes_at = opens_at, closes_at
    _transition(round_, RoundStatus.SCHEDULED, actor, "vote.schedule",
                opens_at=opens_at.isoformat(), closes_at=closes_at.isoformat())


def _frozen_rules(round_: VoteRound) -> dict[str, Any]:
    return {
        "method": round_.method, "eligibility": round_.eligibility, "event_id": round_.event_id,
        "budget": round_.budget,
        "min_picks": round_.min_picks, "max_picks": round_.max_picks, "seats": round_.seats,
        "min_age": round_.min_age, "eligible_count": round_.eligible_count,
        "tally_rule": round_.tally_rule, "allow_revote": round_.allow_revote,
        "options": [{"id": o.id, "title": o.title, "cost": o.cost, "proposer_id": o.proposer_id}
                    for o in round_.options],
        "criteria": [{"id": c.id, "name": c.name, "weight": c.weight} for c in round_.criteria],
        "opens_at": round_.opens_at.isoformat() if round_.opens_at else None,
        "closes_at": round_.closes_at.isoformat() if round_.closes_at else None,
    }


def open_round(round_: VoteRound, *, actor: User | None, commit: bool = True) -> None:
    """Open voting now: the rules freeze, the electorate a quorum counts from (재적) is fixed and,
    for member votes, so is the voter list."""
    if round_.status not in (RoundStatus.DRAFT, RoundStatus.SCHEDULED):
        raise Conflict(_("이미 시작했거나 끝난 투표입니다."))
    method_of(round_).check_setup(round_)
    moment = now()
    if round_.opens_at is None or round_.opens_at > moment:
        round_.opens_at = moment
    if round_.closes_at is None or round_.closes_at <= moment:
        raise ServiceError(_("마감 시각을 먼저 정해 주세요."), "closes_at")
    eligibility = eligibility_of(round_)
    if eligibility.frozen:
        ids = eligibility.snapshot(round_)
        db.session.add_all(EligibleVoter(round_id=round_.id, user_id=i) for i in ids)
        round_.eligible_count = len(ids)
    elif method_of(round_).decides_by_quorum:
        # A quorum counts from the electorate as it stands now (재적), frozen: people who check in
        # later may still vote, but they do not move the base the vote is decided against.
        round_.eligible_count = eligibility.base(round_)
    round_.frozen_rules = _frozen_rules(round_)
    _transition(round_, RoundStatus.OPEN, actor, "vote.open", commit=commit, eligible=round_.eligible_count,
                rules_hash=hashlib.sha256(json.dumps(round_.frozen_rules, sort_keys=True).encode()).hexdigest())


def close_round(round_: VoteRound, *, actor: User | None) -> None:
    """Stop accepting ballots; the ballot box is shaken one last time, whatever is left in it."""
    # The exclusive row lock waits for ballots being cast (see get_round_for_ballot) and re-reads the
    # round, so the last mixing and the status change come after every ballot that made it in time.
    db.session.refresh(round_, with_for_update={"of": VoteRound})
    if round_.status is not RoundStatus.OPEN:
        raise Conflict(_("진행 중인 투표만 마감할 수 있습니다."))
    if round_.closes_at is None or round_.closes_at > now():
        round_.closes_at = now()
    _mix(round_.id, minimum=1)
    _transition(round_, RoundStatus.CLOSED, actor, "vote.close")


def mix_ballots(round_id: int, minimum: int | None = None) -> int:
    """Shake the ballot box: re-write the round's unmixed ballots in a random order, in one transaction.

    A ballot is written in the same transaction as its voter's roll row, so until it is mixed its
    physical position follows the roll's order and, on PostgreSQL, its row carries the same
    transaction id (xmin) as the roll row. Mixing deletes and re-inserts a batch of at least
    ``VOTE_MIX_BATCH`` ballots in shuffled order, which breaks both links (the old row versions are
    gone once the database vacuums them). Fewer than that wait for more, or for the close.
    """
    from flask import current_app

    moved = _mix(round_id, minimum=minimum or current_app.config["VOTE_MIX_BATCH"])
    db.session.commit()
    return moved


def _mix(round_id: int, *, minimum: int) -> int:
    rows = list(db.session.scalars(select(Ballot).where(Ballot.round_id == round_id, Ballot.mixed.is_(False))
                                   .with_for_update()))
    if sum(1 for ballot in rows if not ballot.part) < minimum:  # ballots, not rows: one voter's parts never mix alone
        return 0
    copies = [dict(id=b.id, round_id=b.round_id, content=b.content, source=b.source, receipt_hash=b.receipt_hash,
                   cast_on=b.cast_on, superseded=b.superseded, extra=b.extra, part=b.part) for b in rows]
    secrets.SystemRandom().shuffle(copies)
    for ballot in rows:
        db.session.delete(ballot)
    db.session.flush()
    db.session.add_all(Ballot(**copy, mixed=True) for copy in copies)
    db.session.flush()
    return len(copies)


def refresh_status(round_: VoteRound) -> VoteRound:
    """Open or close a round whose scheduled time has come (also run by a periodic task)."""
    moment = now()
    try:
        if round_.status is RoundStatus.SCHEDULED and round_.opens_at and round_.opens_at <= moment:
            open_round(round_, actor=None)
        if round_.status is RoundStatus.OPEN and round_.closes_at and round_.closes_at <= moment:
            close_round(round_, actor=None)
    except (Conflict, ServiceError):
        db.session.rollback()
        db.session.refresh(round_)
    return round_


# --- casting -----------------------------------------------------------------

def _receipt_code() -> str:
    """Sixteen characters of a 32-letter alphabet: 80 random bits, in four groups of four."""
    number = int.from_bytes(secrets.token_bytes(10), "big")
    raw = "".join(RECEIPT_ALPHABET[(number >> (5 * i)) & 31] for i in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def _normal_code(code: str | None) -> str:
    """A receipt code as typed, reduced to its letters and digits in capitals."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def receipt_hash(code: str) -> str:
    return hashlib.sha256(_normal_code(code).encode()).hexdigest()


def receipt_check(code: str) -> str:
    """What the roll keeps of a voter's receipt code: keyed with the site's secret, unlike the ballot's hash."""
    from flask import current_app

    return hmac.new(current_app.config["SECRET_KEY"].encode(), f"receipt-check:{_normal_code(code)}".encode(),
                    hashlib.sha256).hexdigest()


def part_hash(code: str, index: int) -> str:
    """The receipt hash of a score ballot's part for the round's ``index``-th option (see ballot_rows)."""
    return hashlib.sha256(f"{_normal_code(code)}#{index}".encode()).hexdigest()


def ballot_rows(round_: VoteRound, content: dict, source: str, code: str | None) -> list[dict]:
    """The rows one ballot is stored as.

    Most ballots are one row. A score ballot is a sheet (a row with no scores) and one row per
    scored option: a member who recuses from an option leaves out that option's row, which looks
    like every other member's row for their options, instead of handing in the one sheet that lacks
    an option, which would single out whose sheet it is (and so their other scores). A receipt
    code finds the sheet by its hash and the parts by ``part_hash``; nothing else links them.
    """
    day = today()

    def row(body: dict, receipt: str | None, part: bool) -> dict:
        return {"id": new_ballot_id(), "round_id": round_.id, "content": body, "source": source,
                "receipt_hash": receipt, "cast_on": day, "superseded": False, "extra": {}, "mixed": False,
                "part": part}

    if not method_of(round_).split_by_option:
        return [row(content, receipt_hash(code) if code else None, False)]
    index = {str(o.id): i for i, o in enumerate(round_.options)}
    return [row({"scores": {}}, receipt_hash(code) if code else None, False)] + [
        row({"scores": {option_id: scores}}, part_hash(code, index[option_id]) if code else None, True)
        for option_id, scores in content["scores"].items()]


def _check_can_vote(round_: VoteRound, user: User) -> None:
    # A pure check: the status moves on page views and in the periodic task, never under a ballot.
    if round_.status is RoundStatus.OPEN and round_.closes_at and round_.closes_at <= now():
        raise ServiceError(_("투표가 마감되었습니다."))
    if round_.status is not RoundStatus.OPEN:
        if round_.status in (RoundStatus.DRAFT, RoundStatus.SCHEDULED):
            raise ServiceError(_("아직 투표 기간이 아닙니다."))
        raise ServiceError(_("투표가 마감되었습니다."))
    eligibility = eligibility_of(round_)
    if not eligibility.is_eligible(round_, user):
        raise ServiceError(eligibility.refusal(round_, user)
                           or _("이 투표에 참여할 자격이 없습니다. (%(who)s)", who=eligibility.label))


def _write_vote(round_: VoteRound, user_id: int, rows: list[dict], check: str) -> None:
    """The roll row and the ballot rows: one statement on PostgreSQL (a data-modifying WITH) for a
    one-row ballot, plain inserts otherwise.

    Either way the roll row comes first, so the unique (round, voter) constraint refuses a second
    vote before any ballot is written, and all rows share one transaction.
    """
    roll = {"round_id": round_.id, "user_id": user_id, "source": "online", "voted_on": today(), "receipt_check": check}
    if len(rows) > 1 or db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(insert(VoterRoll.__table__).values(**roll))
        db.session.execute(insert(Ballot.__table__), rows)
        return
    db.session.execute(_vote_statement(), {**{f"roll_{k}": v for k, v in roll.items()}, **rows[0]})


@functools.cache
def _vote_statement():
    """Built once: a ballot is the crowd's path."""
    return text(
        "WITH roll AS (INSERT INTO voter_roll (round_id, user_id, source, voted_on, receipt_check)"
        " VALUES (:roll_round_id, :roll_user_id, :roll_source, :roll_voted_on, :roll_receipt_check)"
        " RETURNING round_id)"
        " INSERT INTO ballot (id, round_id, content, source, receipt_hash, cast_on, superseded, extra, mixed, part)"
        " SELECT :id, round_id, :content, :source, :receipt_hash, :cast_on, :superseded, :extra, :mixed, :part"
        " FROM roll"
    ).bindparams(bindparam("content", type_=Ballot.__table__.c.content.type),
                 bindparam("extra", type_=Ballot.__table__.c.extra.type))


def cast_ballot(round_: VoteRound, user: User, form) -> tuple[str, list[str]]:
    """Record that ``user`` voted and, separately, what; return the receipt code (shown once) and the ballot in words."""
    _check_can_vote(round_, user)
    method = method_of(round_)
    content = method.parse_form(round_, form, user.id)
    described = method.describe(round_, content)
    code = _receipt_code()
    try:
        # Two plain inserts (no unit of work: this is the crowd's path). The unique (round, voter)
        # constraint on the roll decides races and double clicks before the ballot is written.
        _write_vote(round_, user.id, ballot_rows(round_, content, "online", code), receipt_check(code))
        # Nothing loaded is expired: the reply reads only what this request already has.
        commit_keeping_loaded(db.session)
    except IntegrityError:
        db.session.rollback()
        if round_.allow_revote:  # a stale tab: say how this round lets the vote change
            raise Conflict(_("이미 투표하셨습니다. 이 투표는 마감 전까지 바꿀 수 있습니다. 처음 받은 영수증 번호를 넣고 "
                             "'다시 투표하기'로 투표해 주세요."))
        raise Conflict(_("이미 투표했습니다. 한 사람은 한 번만 투표할 수 있습니다."))
    return code, described


def revote(round_: VoteRound, user: User, old_code: str, form) -> tuple[str, list[str]]:
    """Replace one's ballot before the close, proven by its receipt code (the server cannot find it otherwise)."""
    if not round_.allow_revote:
        raise ServiceError(_("이 투표는 다시 투표할 수 없습니다."))
    _check_can_vote(round_, user)
    if not has_voted(round_, user):
        raise ServiceError(_("아직 투표하지 않았습니다."))
    method = method_of(round_)
    content = method.parse_form(round_, form, user.id)
    wrong_code = ServiceError(_("영수증 번호가 맞지 않습니다. 처음 투표할 때 받은 번호를 입력해 주세요."), "receipt")
    # The roll first, then the ballot: a revote with the same code committed in between shows as
    # "already replaced" below, not as a wrong code.
    mine = db.session.scalar(select(VoterRoll.receipt_check).where(VoterRoll.round_id == round_.id,
                                                                  VoterRoll.user_id == user.id))
    old = db.session.execute(select(Ballot.id, Ballot.superseded).where(
        Ballot.round_id == round_.id, Ballot.receipt_hash == receipt_hash(old_code), Ballot.source == "online",
        Ballot.part.is_(False))).first()
    if old is None:
        raise wrong_code
    already = Conflict(_("이 영수증의 투표지는 이미 새 투표지로 바뀌었습니다. 새 영수증 번호를 입력해 주세요."), "receipt")
    if old.superseded:
        raise already
    if mine is not None and not hmac.compare_digest(mine, receipt_check(old_code)):
        raise wrong_code  # someone else's receipt: only its own voter may replace a ballot
    # Replace only a ballot still counted, decided by the row itself: of two revotes with one code the
    # second waits for the first's row lock, then finds it replaced. The replaced rows go back in the
    # box to be shaken again, so this transaction's id does not keep them (or the new rows) together.
    replaced = db.session.execute(update(Ballot).where(Ballot.id == old.id, Ballot.superseded.is_(False))
                                  .values(superseded=True, mixed=False).execution_options(synchronize_session=False))
    if replaced.rowcount != 1:
        db.session.rollback()
        raise already
    parts = [part.id for part in _parts_of(round_, old_code)]
    if parts:
        db.session.execute(update(Ballot).where(Ballot.id.in_(parts)).values(superseded=True, mixed=False)
                           .execution_options(synchronize_session=False))
    code = _receipt_code()
    db.session.execute(insert(Ballot.__table__), ballot_rows(round_, content, "online", code))
    db.session.execute(update(VoterRoll).where(VoterRoll.round_id == round_.id, VoterRoll.user_id == user.id)
                       .values(receipt_check=receipt_check(code)).execution_options(synchronize_session=False))
    db.session.commit()
    return code, method.describe(round_, content)


def mark_paper_voter(round_: VoteRound, voter_user_id: int | None, *, actor: User) -> User:
    """At the desk: an account holder takes a paper ballot, so the roll marks them (they cannot vote online too).

    Kept apart from typing in the ballot (``enter_paper_ballot``), as a polling station keeps its
    register apart from its ballot box: no row ever holds both who voted and what.
    """
    if round_.status is not RoundStatus.OPEN:
        raise ServiceError(_("진행 중인 투표에만 종이 투표자를 명부에 적을 수 있습니다."))
    voter = db.session.get(User, voter_user_id) if voter_user_id else None
    if voter is None or voter.is_deleted:
        raise ServiceError(_("그 번호의 회원이 없습니다."), "voter_user_id")
    eligibility = eligibility_of(round_)
    if not eligibility.is_eligible(round_, voter):
        raise ServiceError(eligibility.refusal(round_, voter)
                           or _("이 회원은 이 투표에 참여할 자격이 없습니다. (%(who)s)", who=eligibility.label),
                           "voter_user_id")
    db.session.add(VoterRoll(round_id=round_.id, user_id=voter.id, source="paper", voted_on=today()))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("이 회원은 이미 투표했습니다."), "voter_user_id")
    audit.record("vote.paper_voter", round_, actor=actor, user_id=voter.id)
    db.session.commit()
    return voter


def enter_paper_ballot(round_: VoteRound, ballot_number: str, form, *, actor: User) -> PaperBallot:
    """First staff member types in a paper ballot; it is not counted until a second one confirms it."""
    if round_.status is not RoundStatus.OPEN:
        raise ServiceError(_("진행 중인 투표에만 종이 투표를 입력할 수 있습니다."))
    number = (ballot_number or "").strip()
    if not number:
        raise ServiceError(_("투표용지 번호를 적어 주세요."), "ballot_number")
    content = method_of(round_).parse_form(round_, form, None)
    paper = PaperBallot(round_id=round_.id, ballot_number=number, content=content,
                        entered_by_id=actor.id, entered_at=now())
    db.session.add(paper)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("투표용지 %(n)s번은 이미 입력되었습니다.", n=number), "ballot_number")
    audit.record("vote.paper_enter", round_, actor=actor, ballot_number=number)
    db.session.commit()
    return paper


def confirm_paper_ballot(paper: PaperBallot, *, actor: User) -> None:
    """A second staff member confirms a typed-in paper ballot; only then is it counted."""
    round_ = db.session.get(VoteRound, paper.round_id)
    if paper.entered_by_id == actor.id:
        raise ServiceError(_("입력한 사람이 아닌 다른 직원이 확인해야 합니다."))
    if paper.confirmed_at is not None:
        raise Conflict(_("이미 확인된 투표용지입니다."))
    if round_.status is not RoundStatus.OPEN:
        raise ServiceError(_("마감된 투표의 종이 투표는 확인할 수 없습니다."))
    updated = db.session.execute(
        db.update(PaperBallot).where(PaperBallot.id == paper.id, PaperBallot.confirmed_at.is_(None))
        .values(confirmed_by_id=actor.id, confirmed_at=now()).execution_options(synchronize_session=False))
    if updated.rowcount != 1:
        db.session.rollback()
        raise Conflict(_("이미 확인된 투표용지입니다."))
    db.session.execute(insert(Ballot.__table__), ballot_rows(round_, paper.content, "paper", None))
    audit.record("vote.paper_confirm", round_, actor=actor, ballot_number=paper.ballot_number)
    db.session.commit()
    db.session.refresh(paper)


def pending_paper_ballots(round_: VoteRound) -> list[PaperBallot]:
    return list(db.session.scalars(select(PaperBallot).where(
        PaperBallot.round_id == round_.id, PaperBallot.confirmed_at.is_(None)).order_by(PaperBallot.id)))


def verify_receipt(code: str) -> tuple[Ballot, VoteRound, dict] | None:
    """The ballot behind a receipt code, for the public check page: its row, round and whole content
    (a score ballot's parts put back together)."""
    ballot = db.session.scalar(select(Ballot).where(Ballot.receipt_hash == receipt_hash(code), Ballot.part.is_(False)))
    if ballot is None:
        return None
    round_ = db.session.get(VoteRound, ballot.round_id)
    content = ballot.content
    parts = _parts_of(round_, code)
    if parts:
        content = {"scores": {**content.get("scores", {})}}
        for part in parts:
            content["scores"].update(part.content["scores"])
        position = {str(o.id): i for i, o in enumerate(round_.options)}
        content["scores"] = dict(sorted(content["scores"].items(), key=lambda item: position.get(item[0], 0)))
    return ballot, round_, content


def _parts_of(round_: VoteRound, code: str) -> list[Ballot]:
    if not method_of(round_).split_by_option:
        return []
    hashes = [part_hash(code, i) for i in range(len(round_.options))]
    return list(db.session.scalars(select(Ballot).where(Ballot.round_id == round_.id, Ballot.part.is_(True),
                                                        Ballot.receipt_hash.in_(hashes))))


# --- tallying ----------------------------------------------------------------

def counted_contents(round_: VoteRound) -> list[dict]:
    """Every counted ballot row's content (a score ballot's parts each on their own), in a canonical
    order (so the hash does not depend on storage)."""
    contents = list(db.session.scalars(select(Ballot.content).where(
        Ballot.round_id == round_.id, Ballot.superseded.is_(False))))
    return _canonical(contents)


def counted_ballots(round_: VoteRound) -> int:
    """How many ballots are counted: sheets, not a score ballot's parts."""
    return db.session.scalar(select(func.count()).select_from(Ballot).where(
        Ballot.round_id == round_.id, Ballot.superseded.is_(False), Ballot.part.is_(False)))


def _canonical(contents: list[dict]) -> list[dict]:
    return sorted(contents, key=lambda c: json.dumps(c, sort_keys=True))


def shown_result(round_: VoteRound) -> dict[str, Any]:
    """What the results page and the projectors show once results are visible to the viewer.

    ``data`` is the stored tally (``stored``) when there is one; otherwise ``live`` is true. While
    the round is open it is the latest :class:`LiveTally` (``batch``, ``counted``), re-taken only
    after ``LIVE_RESULTS_BATCH`` more ballot rows, so that the shown counts never move by one
    person's ballot; ``None`` until the first batch is in. After the close, with no stored tally
    yet, every ballot is counted (no more can come).
    """
    from flask import current_app

    stored = latest_result(round_)
    if stored is not None:
        return {"data": stored.result, "live": False, "stored": stored}
    if round_.status is not RoundStatus.OPEN:
        return {"data": compute_result(round_)["result"], "live": True, "stored": None}
    batch = max(1, current_app.config["LIVE_RESULTS_BATCH"])
    snap = _live_tally(round_, batch)
    return {"data": snap.result if snap else None, "live": True, "stored": None, "batch": batch,
            "counted": snap.ballot_count if snap else 0}


def _live_tally(round_: VoteRound, batch: int) -> LiveTally | None:
    snap = db.session.get(LiveTally, round_.id, populate_existing=True)
    written = db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_.id,
                                                                             Ballot.part.is_(False)))
    seen = snap.ballots_seen if snap else 0
    if written - seen < batch:
        return snap
    # One statement gives both the ballots and how many there were, so the two agree (a score
    # ballot's parts are counted in its content, its sheet as the ballot).
    rows = db.session.execute(select(Ballot.content, Ballot.superseded, Ballot.part)
                              .where(Ballot.round_id == round_.id)).all()
    contents = _canonical([content for content, superseded, _part in rows if not superseded])
    values = {"ballots_seen": sum(1 for row in rows if not row.part),
              "ballot_count": sum(1 for row in rows if not row.superseded and not row.part), "taken_at": now(),
              "result": method_of(round_).tally(round_, contents, round_.eligible_count)}
    try:
        with db.session.begin_nested():
            if snap is None:
                db.session.add(LiveTally(round_id=round_.id, **values))
            else:  # compare-and-set: of two viewers at once, one writes the new batch
                db.session.execute(update(LiveTally).where(LiveTally.round_id == round_.id,
                                                           LiveTally.ballots_seen == seen).values(**values))
        db.session.commit()
    except IntegrityError:  # another viewer took the first batch at the same moment (the savepoint is undone)
        pass
    return db.session.get(LiveTally, round_.id, populate_existing=True)


def ballot_set_hash(contents: list[dict]) -> str:
    digest = hashlib.sha256()
    for content in contents:
        digest.update(json.dumps(content, sort_keys=True, separators=(",", ":")).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def request_tally(round_: VoteRound, *, actor: User) -> None:
    """Queue the count of a closed round (a Celery task; in-process on the embedded default)."""
    refresh_status(round_)
    if round_.status not in (RoundStatus.CLOSED, RoundStatus.TALLIED):
        raise ServiceError(_("마감된 투표만 집계할 수 있습니다."))
    round_.tally_progress = 1  # queued; the task moves it to 10 (counting) and 100 (done)
    audit.record("vote.tally_request", round_, actor=actor)
    defer(tally_round_task, round_.id)
    db.session.commit()


def compute_result(round_: VoteRound) -> dict[str, Any]:
    """Count the round's ballots with its method (no writes)."""
    contents = counted_contents(round_)
    result = method_of(round_).tally(round_, contents, round_.eligible_count)
    return {"result": result, "ballot_hash": ballot_set_hash(contents), "ballot_count": counted_ballots(round_)}


def tally_round(round_id: int) -> VoteResult | None:
    """Count a closed round and store the result with its rule, parameters, version and ballot hash."""
    round_ = db.session.get(VoteRound, round_id)
    if round_ is None or round_.status not in (RoundStatus.CLOSED, RoundStatus.TALLIED):
        return None
    round_.tally_progress = 10
    db.session.commit()
    computed = compute_result(round_)
    rules = round_.frozen_rules or _frozen_rules(round_)
    row = VoteResult(
        round_id=round_.id, method=round_.method,
        rule=round_.tally_rule if round_.method == "budget_approval" else None,
        params={k: rules.get(k) for k in ("budget", "min_picks", "max_picks", "seats", "tally_rule", "eligibility")},
        software_version=__version__, ballot_hash=computed["ballot_hash"], ballot_count=computed["ballot_count"],
        result=computed["result"], tallied_at=now(),
    )
    db.session.add(row)
    round_.tally_progress = 100
    if round_.status is RoundStatus.CLOSED:
        round_.status = RoundStatus.TALLIED
    audit.record("vote.tally", round_, actor=None, ballots=row.ballot_count, ballot_hash=row.ballot_hash,
                 rule=row.rule)
    db.session.commit()
    return row


@shared_task(name="app.voting.tally_round")
def tally_round_task(round_id: int) -> None:
    tally_round(round_id)


def publish(round_: VoteRound, *, actor: User) -> None:
    """Make the tallied result public; the agenda items behind selected projects move up a level."""
    if round_.status is not RoundStatus.TALLIED:
        raise ServiceError(_("집계가 끝난 투표만 결과를 공개할 수 있습니다."))
    from app.agenda.models import AgendaItem
    from app.agenda.services import advance_after_vote

    result = latest_result(round_)
    selected = set((result.result or {}).get("selected") or []) if result else set()
    moved = []
    for option in round_.options:
        if option.agenda_item_id and str(option.id) in selected:
            item = db.session.get(AgendaItem, option.agenda_item_id)
            if item is not None and advance_after_vote(item, actor=actor, vote_round_id=round_.id):
                moved.append(item.id)
    _transition(round_, RoundStatus.PUBLISHED, actor, "vote.publish", agenda_items_moved=moved)


@shared_task(name="app.voting.refresh_rounds")
def refresh_rounds_task() -> int:
    """Open and close rounds whose scheduled times have passed (Celery beat, every minute)."""
    moment = now()
    due = db.session.scalars(select(VoteRound).where(
        ((VoteRound.status == RoundStatus.SCHEDULED) & (VoteRound.opens_at <= moment))
        | ((VoteRound.status == RoundStatus.OPEN) & (VoteRound.closes_at <= moment))
    )).all()
    for round_ in due:
        refresh_status(round_)
    # Shake every open round's ballot box that has a batch waiting.
    waiting = db.session.scalars(select(Ballot.round_id).join(VoteRound, VoteRound.id == Ballot.round_id).where(
        VoteRound.status == RoundStatus.OPEN, Ballot.mixed.is_(False)).distinct()).all()
    for round_id in waiting:
        mix_ballots(round_id)
    return len(due)
