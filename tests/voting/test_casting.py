"""Casting a secret ballot: one per person, inside the window, within the rules, with a receipt."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from app.errors import ServiceError
from app.utils import now
from app.voting import services, tally
from app.voting.models import Ballot, VoterRoll, VoteRound
from tests.helpers import receipt_code, text


def _count(db, model, round_):
    return db.session.scalar(select(func.count()).select_from(model).where(model.round_id == round_.id))


def test_resident_votes_gets_a_receipt_and_can_check_it(client, db, auth, make, rounds):
    round_ = rounds.create()
    a, b, c = rounds.option_ids(round_)
    auth.login(make.user())
    response = client.post(f"/votes/{round_.id}/ballot", data={"pick": [a, c]})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    code = receipt_code(response)
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", code)
    assert _count(db, VoterRoll, round_) == 1 and _count(db, Ballot, round_) == 1
    stored = db.session.scalar(select(Ballot).where(Ballot.round_id == round_.id))
    assert stored.content == {"picks": [a, c]} and stored.receipt_hash != code  # only a hash is kept

    check = client.post("/votes/receipt", data={"code": code.lower().replace("-", " ")})
    assert check.status_code == 200
    page = text(check)
    assert "A" in page and "C" in page and "기록되었고" in page
    assert client.post("/votes/receipt", data={"code": "AAAA-BBBB-CCCC-DDDD"}).status_code == 404


def test_voting_twice_is_refused_and_stores_nothing_more(client, db, auth, make, rounds):
    round_ = rounds.create()
    a, b, _c = rounds.option_ids(round_)
    auth.login(make.user())
    client.post(f"/votes/{round_.id}/ballot", data={"pick": [a]})
    again = client.post(f"/votes/{round_.id}/ballot", data={"pick": [b]})
    assert again.status_code == 409 and "이미 투표했습니다" in text(again)
    assert _count(db, Ballot, round_) == 1


def test_bad_ballots_are_refused_with_a_reason_and_store_nothing(client, db, auth, make, rounds):
    round_ = rounds.create(max_picks=2)
    a, b, c = rounds.option_ids(round_)
    auth.login(make.user())
    cases = [
        ({"pick": [b, c, a]}, "최대 2개까지"),            # too many picks
        ({"pick": ["999999"]}, "이 투표에 없는 선택지"),  # a tampered option id
        ({"pick": ["abc"]}, "이 투표에 없는 선택지"),
        ({"pick": [a, a]}, "같은 선택지를 두 번"),
        ({}, "하나 이상 골라 주세요"),
    ]
    for data, message in cases:
        response = client.post(f"/votes/{round_.id}/ballot", data=data)
        assert response.status_code == 422, data
        assert message in text(response)
    assert _count(db, Ballot, round_) == 0 and _count(db, VoterRoll, round_) == 0


def test_over_budget_ballot_is_refused(client, db, auth, make, rounds):
    round_ = rounds.create(options=(("큰 사업", 800), ("작은 사업", 300)), budget=1000)
    big, small = rounds.option_ids(round_)
    auth.login(make.user())
    response = client.post(f"/votes/{round_.id}/ballot", data={"pick": [big, small]})
    assert response.status_code == 422
    assert "합계 1,100원이 예산 1,000원을 넘습니다" in text(response)
    assert 'checked' in text(response)  # the picks are kept on the form
    assert _count(db, Ballot, round_) == 0


def test_the_ballot_pages_script_gets_the_receipt_and_refusals_as_json(client, db, auth, make, rounds):
    round_ = rounds.create(options=(("큰 사업", 800), ("작은 사업", 300)), budget=1000)
    big, small = rounds.option_ids(round_)
    auth.login(make.user())
    as_script = {"Accept": "application/json"}
    over = client.post(f"/votes/{round_.id}/ballot", data={"pick": [big, small]}, headers=as_script)
    assert over.status_code == 422 and "합계 1,100원이 예산 1,000원을 넘습니다" in over.get_json()["error"]
    assert _count(db, Ballot, round_) == 0 and _count(db, VoterRoll, round_) == 0

    cast = client.post(f"/votes/{round_.id}/ballot", data={"pick": [small]}, headers=as_script)
    assert cast.status_code == 200 and cast.headers["Cache-Control"] == "no-store"
    reply = cast.get_json()
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", reply["receipt"]) and reply["ballot"] == ["작은 사업"]
    again = client.post(f"/votes/{round_.id}/ballot", data={"pick": [big]}, headers=as_script)
    assert again.status_code == 409 and "이미 투표했습니다" in again.get_json()["error"]
    assert _count(db, Ballot, round_) == 1 and _count(db, VoterRoll, round_) == 1

    check = client.post("/votes/receipt", data={"code": reply["receipt"]})
    assert "작은 사업" in text(check)  # the receipt shown in place is the one that was stored


def test_voting_outside_the_window_is_refused(client, db, auth, make, rounds, clock):
    round_ = rounds.create(open_now=False)
    staff = rounds.staff
    services.schedule(round_, now() + timedelta(hours=1), now() + timedelta(hours=3), actor=staff)
    a = rounds.option_ids(round_)[0]
    auth.login(make.user())
    early = client.post(f"/votes/{round_.id}/ballot", data={"pick": [a]})
    assert early.status_code == 422 and "아직 투표 기간이 아닙니다" in text(early)
    clock.set(now() + timedelta(hours=2))  # the scheduled opening has come: it opens by itself
    assert client.post(f"/votes/{round_.id}/ballot", data={"pick": [a]}).status_code == 200
    clock.set(now() + timedelta(hours=2))  # past the close
    late = make.user()
    auth.logout()
    auth.login(late)
    response = client.post(f"/votes/{round_.id}/ballot", data={"pick": [a]})
    assert response.status_code == 422 and "투표가 마감되었습니다" in text(response)
    db.session.refresh(round_)
    assert round_.status.value == "closed"


def test_a_close_reaches_the_next_ballot_although_the_open_round_was_read_before(client, db, auth, make, rounds):
    round_ = rounds.create()
    a = rounds.option_ids(round_)[0]
    auth.login(make.user())
    as_script = {"Accept": "application/json"}
    assert client.post(f"/votes/{round_.id}/ballot", data={"pick": [a]}, headers=as_script).status_code == 200
    services.close_round(round_, actor=rounds.staff)  # the ballot path keeps a copy of the open round: it must notice
    auth.logout()
    auth.login(make.user())
    late = client.post(f"/votes/{round_.id}/ballot", data={"pick": [a]}, headers=as_script)
    assert late.status_code == 422 and "투표가 마감되었습니다" in late.get_json()["error"]
    page = client.post(f"/votes/{round_.id}/ballot", data={"pick": [a]})
    assert page.status_code == 422 and "투표가 마감되었습니다" in text(page)
    assert _count(db, Ballot, round_) == 1 and _count(db, VoterRoll, round_) == 1


def test_ballots_are_limited_per_person_so_a_venue_sharing_one_address_can_vote(app, client, db, auth, make, rounds,
                                                                                  monkeypatch):
    monkeypatch.setitem(app.config, "VOTE_RATE_LIMIT", "2 per minute")
    round_ = rounds.create()
    a = rounds.option_ids(round_)[0]
    as_script = {"Accept": "application/json"}
    for _ in range(3):  # more people than the limit, all behind the town hall's one address
        auth.login(make.user())
        assert client.post(f"/votes/{round_.id}/ballot", data={"pick": [a]}, headers=as_script).status_code == 200
        auth.logout()
    auth.login(make.user())  # one person hammering the button
    assert client.post(f"/votes/{round_.id}/ballot", data={"pick": [a]}, headers=as_script).status_code == 200
    assert client.post(f"/votes/{round_.id}/ballot", data={"pick": [a]}, headers=as_script).status_code == 409
    flood = client.post(f"/votes/{round_.id}/ballot", data={"pick": [a]}, headers=as_script)
    assert flood.status_code == 429 and "투표 요청이 너무 많습니다" in flood.get_json()["error"]
    page = client.post(f"/votes/{round_.id}/ballot", data={"pick": [a]})
    assert page.status_code == 429 and "투표 요청이 너무 많습니다" in text(page)
    assert _count(db, Ballot, round_) == 4 and _count(db, VoterRoll, round_) == 4


def test_only_members_at_opening_vote_in_a_member_round(client, db, auth, make, rounds):
    body = make.body()
    member, late_joiner, outsider = make.user(), make.user(), make.user()
    make.membership(body, member)
    round_ = rounds.create(eligibility="body_members", body=body)
    make.membership(body, late_joiner)  # joined after the round opened
    a = rounds.option_ids(round_)[0]
    for person, ok in ((outsider, False), (late_joiner, False), (member, True)):
        auth.login(person)
        response = client.post(f"/votes/{round_.id}/ballot", data={"pick": [a]})
        assert (response.status_code == 200) is ok, person
        if not ok:
            assert "참여할 자격이 없습니다" in text(response)
        auth.logout()
    assert round_.eligible_count == 1


def test_rules_freeze_when_the_round_opens(client, db, auth, make, rounds):
    round_ = rounds.create()
    auth.login(rounds.staff)
    response = client.post(f"/votes/{round_.id}/options", data={"title": "늦은 사업", "cost": "100"})
    assert response.status_code == 409 and "규칙과 선택지를 바꿀 수 없습니다" in text(response)
    assert len(round_.options) == 3
    assert round_.frozen_rules["budget"] == 1000 and len(round_.frozen_rules["options"]) == 3


def test_ballots_cannot_be_joined_to_voters(db, client, auth, make, rounds):
    """No column of the ballot table points at a person, a precise time, or the roll's order."""
    columns = {c["name"] for c in sa.inspect(db.session.connection()).get_columns("ballot")}
    assert columns == {"id", "round_id", "content", "source", "receipt_hash", "cast_on", "superseded", "extra", "mixed",
                       "part"}
    paper = {c["name"] for c in sa.inspect(db.session.connection()).get_columns("paper_ballot")}
    assert not any("voter" in name or name == "user_id" for name in paper)  # paper voters go on the roll, apart
    round_ = rounds.create()
    a = rounds.option_ids(round_)[0]
    for _ in range(5):
        voter = make.user()
        auth.login(voter)
        client.post(f"/votes/{round_.id}/ballot", data={"pick": [a]})
        auth.logout()
    # Ballot keys are random 128-bit values, not a sequence that would mirror the roll's order.
    ids = db.session.scalars(select(Ballot.id).where(Ballot.round_id == round_.id)).all()
    assert len(set(ids)) == 5 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert not any(i.isdigit() for i in ids)


def _cast_by_new_voters(client, auth, make, round_, picks) -> list[str]:
    codes = []
    for pick in picks:
        auth.login(make.user())
        codes.append(receipt_code(client.post(f"/votes/{round_.id}/ballot", data={"pick": [pick]})))
        auth.logout()
    return codes


def test_the_ballot_box_is_shaken_in_batches_and_at_the_close(app, client, db, auth, make, rounds, monkeypatch):
    monkeypatch.setitem(app.config, "VOTE_MIX_BATCH", 4)
    round_ = rounds.create()
    a, b, c = rounds.option_ids(round_)
    codes = _cast_by_new_voters(client, auth, make, round_, [a, b, c])
    assert services.mix_ballots(round_.id) == 0  # three are too few to hide among: they wait
    codes += _cast_by_new_voters(client, auth, make, round_, [a, a])
    services.refresh_rounds_task.run()  # the periodic task shakes every open round with a batch waiting
    db.session.expire_all()
    mixed = db.session.scalars(select(Ballot.mixed).where(Ballot.round_id == round_.id)).all()
    assert sorted(mixed) == [True] * 5
    codes += _cast_by_new_voters(client, auth, make, round_, [c])
    services.close_round(db.session.get(VoteRound, round_.id), actor=rounds.staff)
    db.session.expire_all()
    ballots = db.session.scalars(select(Ballot).where(Ballot.round_id == round_.id)).all()
    assert len(ballots) == 6 and all(b.mixed for b in ballots)  # the close empties the box whatever is left
    assert sorted(b.content["picks"][0] for b in ballots) == sorted([a, b, c, a, a, c])  # nothing lost or changed
    for code in codes:  # every receipt still finds its ballot
        assert "마감 후 집계에 들어갑니다" in text(client.post("/votes/receipt", data={"code": code}))
    assert _count(db, VoterRoll, round_) == 6


def test_score_parts_wait_for_other_ballots_and_a_receipt_revotes_only_for_its_voter(app, client, db, auth, make,
                                                                                       rounds, monkeypatch):
    """A batch counts ballots, not rows: one voter's sheet and parts are never 'mixed' among themselves alone."""
    monkeypatch.setitem(app.config, "VOTE_MIX_BATCH", 2)
    round_ = rounds.create("score", options=[(f"사업{i}", 100) for i in range(4)], criteria=(("필요성", 1),), seats=1,
                           allow_revote=True)
    criterion = str(round_.criteria[0].id)
    sheet = {f"score-{o}-{criterion}": "3" for o in rounds.option_ids(round_)}
    auth.login(make.user())
    first = client.post(f"/votes/{round_.id}/ballot", data=sheet)
    assert first.status_code == 200 and _count(db, Ballot, round_) == 5  # a sheet and four parts
    assert services.mix_ballots(round_.id) == 0  # five rows, but one ballot: it waits for another
    auth.logout()
    auth.login(make.user())
    assert client.post(f"/votes/{round_.id}/ballot", data=sheet).status_code == 200
    assert services.mix_ballots(round_.id) == 10
    # Someone who learns another voter's receipt cannot replace that voter's ballot with it.
    stolen = client.post(f"/votes/{round_.id}/revote", data={**sheet, "receipt": receipt_code(first)})
    assert stolen.status_code == 422 and "영수증 번호가 맞지 않습니다" in text(stolen)
    auth.logout()
    db.session.expire_all()
    assert not any(db.session.scalars(select(Ballot.superseded).where(Ballot.round_id == round_.id)))
    assert all(db.session.scalars(select(Ballot.mixed).where(Ballot.round_id == round_.id)))


def test_a_mixed_ballot_shares_no_transaction_id_with_any_roll_row(app, client, db, auth, make, rounds, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("xmin is PostgreSQL's; CI runs this on PostgreSQL")
    monkeypatch.setitem(app.config, "VOTE_MIX_BATCH", 3)
    round_ = rounds.create()
    a, b, _c = rounds.option_ids(round_)
    _cast_by_new_voters(client, auth, make, round_, [a, b, a])
    shared = sa.text("SELECT count(*) FROM ballot b JOIN voter_roll r ON b.xmin::text = r.xmin::text "
                     "WHERE b.round_id = :r AND r.round_id = :r")
    assert db.session.scalar(shared, {"r": round_.id}) == 3  # written with its roll row: linkable until mixed
    assert services.mix_ballots(round_.id) == 3
    assert db.session.scalar(shared, {"r": round_.id}) == 0


def test_revote_replaces_the_ballot_only_with_thereceipt_code(client, db, auth, make, rounds):
    round_ = rounds.create(allow_revote=True)
    a, b, _c = rounds.option_ids(round_)
    auth.login(make.user())
    first = receipt_code(client.post(f"/votes/{round_.id}/ballot", data={"pick": [a]}))
    wrong = client.post(f"/votes/{round_.id}/revote", data={"pick": [b], "receipt": "WRON-GCOD-EEEE-EEEE"})
    assert wrong.status_code == 422 and "영수증 번호가 맞지 않습니다" in text(wrong)
    second = receipt_code(client.post(f"/votes/{round_.id}/revote", data={"pick": [b], "receipt": first}))
    counted = tally.counted_contents(round_)
    assert counted == [{"picks": [b]}]
    assert "새 투표지로 바뀌었습니다" in text(client.post("/votes/receipt", data={"code": first}))
    assert second != first


def test_drafts_are_hidden_from_the_public(client, db, rounds):
    draft = rounds.create(open_now=False)
    assert client.get(f"/votes/{draft.id}").status_code == 404
    assert draft.title not in text(client.get("/votes/"))


def test_scheduled_rounds_open_and_close_on_time_by_the_periodic_task(db, rounds, clock):
    round_ = rounds.create(open_now=False)
    services.schedule(round_, now() + timedelta(minutes=10), now() + timedelta(minutes=70), actor=rounds.staff)
    assert services.refresh_rounds_task.apply().get() == 0
    clock.set(now() + timedelta(minutes=11))
    assert services.refresh_rounds_task.apply().get() == 1
    db.session.refresh(round_)
    assert round_.status.value == "open" and round_.frozen_rules is not None
    clock.set(now() + timedelta(hours=1))
    services.refresh_rounds_task.apply()
    db.session.refresh(round_)
    assert round_.status.value == "closed"


def test_at_a_town_hall_only_people_checked_in_vote(client, db, auth, make, rounds):
    from app.events.models import Attendance, AttendanceMode

    event = make.event(title="주민총회", starts_in=timedelta(0), online=True, created_by=make.staff())
    on_site, online, stayed_home = make.user(), make.user(), make.user()
    round_ = rounds.create(eligibility="event_attendees", event=event)
    assert services.turnout(round_)["eligible"] == 0
    db.session.add_all([Attendance(event_id=event.id, user_id=on_site.id, mode=AttendanceMode.ON_SITE),
                        Attendance(event_id=event.id, user_id=online.id, mode=AttendanceMode.ONLINE)])
    db.session.commit()
    a = rounds.option_ids(round_)[0]
    for person, ok in ((stayed_home, False), (on_site, True), (online, True)):
        auth.login(person)
        response = client.post(f"/votes/{round_.id}/ballot", data={"pick": [a]})
        assert (response.status_code == 200) is ok, person
        if not ok:
            assert "참여할 자격이 없습니다" in text(response)
        auth.logout()
    assert _count(db, Ballot, round_) == 2
    assert services.turnout(round_)["eligible"] == 2


def test_an_attendee_round_needs_an_event(db, make):
    with pytest.raises(ServiceError) as error:
        services.save_round(None, actor=make.staff(), title="현장 투표", description="", method="approval",
                            eligibility="event_attendees", body_id=None, budget=None, min_picks=None,
                            max_picks=2, seats=1, tally_rule="greedy", allow_revote=False, live_results=False)
    assert "행사를 정해 주세요" in error.value.message


def test_a_minimum_age_admits_only_residents_old_enough_on_the_opening_day(client, db, auth, make, rounds):
    from app.voting.eligibility import opening_day

    round_ = rounds.create(eligibility="verified_residents", min_age=14)
    day = opening_day(round_)
    fourteen_today = make.user()
    fourteen_today.birth_date = day.replace(year=day.year - 14)
    fourteen_tomorrow = make.user()
    fourteen_tomorrow.birth_date = day.replace(year=day.year - 14) + timedelta(days=1)
    undeclared = make.user()
    db.session.commit()
    a = rounds.option_ids(round_)[0]
    outcomes = {}
    for person in (undeclared, fourteen_tomorrow, fourteen_today):
        auth.login(person)
        response = client.post(f"/votes/{round_.id}/ballot", data={"pick": [a]})
        outcomes[person.id] = (response.status_code, text(response))
        auth.logout()
    assert outcomes[undeclared.id][0] >= 400 and "생년월일을 입력한 뒤" in outcomes[undeclared.id][1]
    assert outcomes[fourteen_tomorrow.id][0] >= 400 and "만 14세 이상만" in outcomes[fourteen_tomorrow.id][1]
    assert outcomes[fourteen_today.id][0] == 200
    assert _count(db, Ballot, round_) == 1
    assert services.turnout(round_)["eligible"] == 1


def test_a_minimum_age_is_only_for_resident_votes(db, make):
    body = make.body()
    with pytest.raises(ServiceError) as error:
        services.save_round(None, actor=make.staff(), title="위원 투표", description="", method="approval",
                            eligibility="body_members", body_id=body.id, budget=None, min_picks=None,
                            max_picks=2, seats=1, tally_rule="greedy", allow_revote=False, live_results=False,
                            min_age=19)
    assert "구민" in error.value.message


def test_residents_can_declare_a_birth_date_and_it_goes_with_their_data(client, db, auth, make):
    person = make.user()
    auth.login(person)
    form = {"display_name": person.display_name, "residency": "resident", "dong": person.dong}
    response = client.post("/account/me", data={**form, "birth_date": "2199-01-01"})
    assert response.status_code == 200 and "생년월일을 올바르게" in text(response)
    client.post("/account/me", data={**form, "birth_date": "2010-03-01"})
    db.session.refresh(person)
    assert str(person.birth_date) == "2010-03-01"
    exported = client.get("/account/me/export.json").get_data(as_text=True)
    assert "2010-03-01" in exported
