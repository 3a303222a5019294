"""Tallying a round: the live count while it is open, the stored count after the close, and publishing it."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from celery import shared_task
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app import __version__, audit
from app.auth.models import User
from app.errors import ServiceError
from app.extensions import db
from app.tasks import defer
from app.utils import now
from app.voting.models import Ballot, LiveTally, RoundStatus, VoteResult, VoteRound
from app.voting.services import latest_result, method_of, refresh_status, rules_to_freeze, change_status


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
    rules = round_.frozen_rules or rules_to_freeze(round_)
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
    change_status(round_, RoundStatus.PUBLISHED, actor, "vote.publish", agenda_items_moved=moved)
