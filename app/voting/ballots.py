"""Casting secret ballots: online, revotes by receipt code, paper ballots typed in twice, receipt checks.

The roll says who voted, the ballot rows say what; no row holds both.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.auth.models import User
from app.errors import Conflict, ServiceError
from app.extensions import db
from app.utils import commit_keeping_loaded, now, today
from app.voting.models import Ballot, PaperBallot, RoundStatus, VoteRound, VoterRoll, new_ballot_id
from app.voting.services import eligibility_of, has_voted, method_of

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


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
