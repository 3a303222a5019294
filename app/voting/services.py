"""Voting services: read a round, set it up and run its lifecycle (schedule, open, close, shake the box).

Casting secret ballots lives in app/voting/ballots.py, tallying and publishing in app/voting/tally.py.
"""
from __future__ import annotations

import functools
import hashlib
import json
import secrets
from datetime import datetime
from typing import Any

from celery import shared_task
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app import audit
from app.auth.models import User
from app.errors import Conflict, ServiceError
from app.extensions import db
from app.events.models import Event
from app.utils import now
from app.voting.eligibility import ELIGIBILITY
from app.voting.methods import METHODS
from app.voting.models import (
    Ballot, EligibleVoter, Recusal, RoundStatus, RubricCriterion, VoteOption, VoteResult, VoteRound, VoterRoll,
)


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

def change_status(round_: VoteRound, to: RoundStatus, actor: User | None, action: str, *, commit: bool = True,
                  **detail) -> None:
    """Move the round to ``to`` and audit it; a concurrent change to the round is a Conflict."""
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
    change_status(round_, RoundStatus.SCHEDULED, actor, "vote.schedule",
                opens_at=opens_at.isoformat(), closes_at=closes_at.isoformat())


def rules_to_freeze(round_: VoteRound) -> dict[str, Any]:
    """The rules and options a round runs under, as frozen when it opens and recorded with its result."""
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
    round_.frozen_rules = rules_to_freeze(round_)
    change_status(round_, RoundStatus.OPEN, actor, "vote.open", commit=commit, eligible=round_.eligible_count,
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
    change_status(round_, RoundStatus.CLOSED, actor, "vote.close")


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
