"""A crowd at the door: simultaneous submissions by one voter store exactly one ballot, and a close
lets in the ballots already being cast and no others."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from app.auth.models import SiteRole, User
from app.extensions import db
from app.utils import now
from app.voting import ballots, services
from app.voting.models import Ballot, VoteRound, VoterRoll
from tests.factories import PASSWORD, _hash
from tests.helpers import receipt_code


def _open_round(title: str, staff: User, options=("사업",), allow_revote: bool = False) -> tuple[int, list[str]]:
    """An open approval round, committed for real: its id and its options' ids."""
    round_ = services.save_round(None, actor=staff, title=title, description="", method="approval",
                                 eligibility="any_user", body_id=None, budget=None, min_picks=None,
                                 max_picks=None, seats=1, tally_rule="greedy", allow_revote=allow_revote,
                                 live_results=False)
    added = [services.add_option(round_, title=name, description="", cost=0, proposer_id=None, actor=staff)
             for name in options]
    services.schedule(round_, now() - timedelta(minutes=1), now() + timedelta(hours=1), actor=staff)
    services.open_round(round_, actor=staff)
    return round_.id, [str(option.id) for option in added]


def _staff_and_voter(prefix: str, name: str) -> tuple[User, User]:
    """A staff member and a resident, committed for real (their emails start with ``prefix``)."""
    staff = User(email=f"{prefix}-staff@example.com", display_name=f"{name}직원", password_hash=_hash(PASSWORD),
                 role=SiteRole.STAFF, email_verified_at=now())
    voter = User(email=f"{prefix}-voter@example.com", display_name=f"{name}주민", password_hash=_hash(PASSWORD),
                 email_verified_at=now())
    db.session.add_all([staff, voter])
    db.session.commit()
    return staff, voter


def test_fifty_simultaneous_submissions_by_one_voter_store_one_ballot(app, monkeypatch):
    # Real commits on the real database (PostgreSQL in CI), outside the per-test rollback. All fifty
    # must reach the database: the per-person request limit (its own test) would turn most away first.
    monkeypatch.setitem(app.config, "VOTE_RATE_LIMIT", "1000 per minute")
    with app.app_context():
        staff, voter = _staff_and_voter("race", "경합")
        round_id, (option_id,) = _open_round("동시 투표", staff)
        voter_email = voter.email

    login = app.test_client()
    assert login.post("/account/login", data={"email": voter_email, "password": PASSWORD}).status_code == 302
    cookie = login.get_cookie("session").value
    barrier = threading.Barrier(50)
    statuses: list[int] = []

    def submit(n: int):
        client = app.test_client()
        client.set_cookie("session", cookie)
        barrier.wait()
        response = client.post(f"/votes/{round_id}/ballot", data={"pick": [str(option_id)]})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    with app.app_context():
        ballots = db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id))
        roll = db.session.scalar(select(func.count()).select_from(VoterRoll).where(VoterRoll.round_id == round_id))
        db.session.execute(delete(VoteRound).where(VoteRound.id == round_id))
        db.session.commit()
    assert len(statuses) == 50
    assert statuses.count(200) == 1, statuses
    assert set(statuses) <= {200, 409}, statuses  # everyone else is told they already voted; nothing fails
    assert (ballots, roll) == (1, 1)


def test_a_close_waits_for_a_ballot_being_cast_and_refuses_the_ones_after_it(app):
    from werkzeug.datastructures import MultiDict

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks are PostgreSQL's (SQLite takes one writer at a time); CI runs this on PostgreSQL")
        staff = User(email="close-staff@example.com", display_name="마감직원", password_hash=_hash(PASSWORD),
                     role=SiteRole.STAFF, email_verified_at=now())
        early, late = (User(email=f"close-{n}@example.com", display_name=f"마감주민{n}", password_hash=_hash(PASSWORD),
                            email_verified_at=now()) for n in (1, 2))
        db.session.add_all([staff, early, late])
        db.session.commit()
        round_id, (option_id,) = _open_round("마감 경합", staff)
        ids = {"round": round_id, "option": option_id, "staff": staff.id, "early": early.id}
        late_email = late.email

    read, cast_now, closed = threading.Event(), threading.Event(), threading.Event()
    outcome: dict = {}

    def ballot_in_flight():  # the early voter's ballot: the round is read, the ballot not yet written
        with app.test_request_context():
            round_ = services.get_round_for_ballot(ids["round"])
            read.set()
            cast_now.wait(30)
            outcome["code"], _lines = ballots.cast_ballot(round_, db.session.get(User, ids["early"]),
                                                          MultiDict({"pick": ids["option"]}))

    def close():
        with app.test_request_context():
            services.close_round(db.session.get(VoteRound, ids["round"]), actor=db.session.get(User, ids["staff"]))
            closed.set()

    voter = threading.Thread(target=ballot_in_flight)
    voter.start()
    assert read.wait(30)
    closer = threading.Thread(target=close)
    closer.start()
    assert not closed.wait(1.0)  # the close waits for the ballot being cast ...
    cast_now.set()
    voter.join(30)
    closer.join(30)
    assert closed.is_set() and "code" in outcome  # ... which is counted

    client = app.test_client()
    assert client.post("/account/login", data={"email": late_email, "password": PASSWORD}).status_code == 302
    refused = client.post(f"/votes/{ids['round']}/ballot", data={"pick": [ids["option"]]},
                          headers={"Accept": "application/json"})
    with app.app_context():
        mixed = db.session.scalars(select(Ballot.mixed).where(Ballot.round_id == ids["round"])).all()
        status = db.session.get(VoteRound, ids["round"]).status
        db.session.execute(delete(VoteRound).where(VoteRound.id == ids["round"]))
        db.session.commit()
    assert refused.status_code == 422 and "투표가 마감되었습니다" in refused.get_json()["error"]
    assert status.value == "closed"
    assert mixed == [True]  # one ballot, and the close shook the box after it was in


def test_simultaneous_revotes_with_one_receipt_replace_the_ballot_once(app):
    """Eight revotes sent at once with the same receipt: one replaces the ballot, the rest are told it
    already was; the voter never ends up with two counted ballots."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks are PostgreSQL's (SQLite takes one writer at a time); CI runs this on PostgreSQL")
        staff, voter = _staff_and_voter("revote-race", "재투표")
        round_id, (first_id, second_id) = _open_round("동시 재투표", staff, options=("가", "나"), allow_revote=True)
        voter_email = voter.email

    login = app.test_client()
    assert login.post("/account/login", data={"email": voter_email, "password": PASSWORD}).status_code == 302
    cast = login.post(f"/votes/{round_id}/ballot", data={"pick": [first_id]})
    code = receipt_code(cast)
    cookie = login.get_cookie("session").value
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def revote():
        client = app.test_client()
        client.set_cookie("session", cookie)
        barrier.wait()
        statuses.append(client.post(f"/votes/{round_id}/revote", data={"pick": [second_id], "receipt": code}).status_code)

    threads = [threading.Thread(target=revote) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    with app.app_context():
        counted = db.session.scalar(select(func.count()).select_from(Ballot).where(
            Ballot.round_id == round_id, Ballot.superseded.is_(False)))
        db.session.execute(delete(VoteRound).where(VoteRound.id == round_id))
        db.session.commit()
    assert sorted(statuses) == [200] + [409] * 7, statuses
    assert counted == 1
