"""Deciding a yes/no vote: a quorum counted from a base frozen at opening, verdicts only after the close,
results only to staff until published, and a second ballot told what the round allows."""
from __future__ import annotations

import pytest

from app.voting import services, tally
from app.voting.methods import DECISION_RULES, METHODS
from tests.helpers import receipt_code, text


@pytest.mark.parametrize("base", [None, 0])
@pytest.mark.parametrize("rule_key", sorted(DECISION_RULES))
def test_a_rule_without_a_base_never_passes_a_motion(rule_key, base):
    rule = DECISION_RULES[rule_key]
    for cast, yes in ((1, 1), (20, 20), (3, 2)):
        decision = rule.decide(base, cast, yes)
        assert decision.passed is False and decision.quorum_met is False
        assert "가결되지 않았습니다" in decision.reason


@pytest.mark.parametrize("base", [None, 0])
def test_a_yes_no_count_without_a_base_selects_nothing(db, rounds, base):
    round_ = rounds.create("yes_no", options=(("안건", 0),), open_now=False)
    (motion,) = rounds.option_ids(round_)
    result = METHODS["yes_no"].tally(round_, [{"votes": {motion: "yes"}}], base)
    assert result["motions"][motion]["passed"] is False and result["selected"] == []
    assert result["quorum_met"] is False


def _cast(client, auth, user, round_, motion, choice):
    auth.login(user)
    response = client.post(f"/votes/{round_.id}/ballot", data={f"vote-{motion}": choice})
    auth.logout()
    assert response.status_code == 200, text(response)
    return response


@pytest.mark.parametrize("eligibility", ["any_user", "verified_residents"])
def test_every_kind_of_electorate_freezes_the_quorum_base_at_opening(client, db, auth, make, rounds, eligibility):
    """One ballot among many accounts is no quorum, and accounts made after the opening do not move the base."""
    people = [make.user() for _ in range(4)]
    round_ = rounds.create("yes_no", eligibility=eligibility, options=(("안건", 0),))
    base = round_.eligible_count
    assert base is not None and base >= 4
    make.user()  # signs up after the opening
    (motion,) = rounds.option_ids(round_)
    _cast(client, auth, people[0], round_, motion, "yes")
    result = rounds.finish(round_).result
    assert result["eligible"] == base
    assert result["motions"][motion]["passed"] is False
    page = text(client.get(f"/votes/{round_.id}/results"))
    assert "부결" in page and "가결" not in page.replace("가결되지", "")
    assert f"재적 {base}명" in page and "출석(투표) 1명" in page and "의결정족수에 미달했으므로 부결되었습니다" in page


def test_a_passed_motion_shows_its_numbers_and_why(client, db, auth, make, rounds):
    body, members = rounds.body_with_members(5)
    round_ = rounds.create("yes_no", eligibility="body_members", body=body, options=(("안건", 0),))
    (motion,) = rounds.option_ids(round_)
    for member, choice in zip(members, ["yes", "yes", "yes", "no"]):
        _cast(client, auth, member, round_, motion, choice)
    rounds.finish(round_)
    page = text(client.get(f"/votes/{round_.id}/results"))
    assert "재적 5명" in page and "출석(투표) 4명" in page and "의결정족수 3명" in page
    assert "가결" in page
    assert ("재적 5명 중 4명이 투표해 의결정족수(3명)를 채웠고, 찬성 3표가 투표한 4명의 과반(3표 이상)이어서 "
            "가결되었습니다") in page
    assert "재적(의결정족수의 기준)" in text(client.get(f"/votes/{round_.id}"))


def test_no_verdict_shows_while_the_vote_is_open_and_none_before_it_is_published(client, db, auth, make, rounds,
                                                                                  app, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_RESULTS_BATCH", 1)
    body, members = rounds.body_with_members(3)
    round_ = rounds.create("yes_no", eligibility="body_members", body=body, options=(("놀이터 조성", 0),),
                           live_results=True)
    (motion,) = rounds.option_ids(round_)
    for member in members[:2]:
        _cast(client, auth, member, round_, motion, "yes")
    results, projector = f"/votes/{round_.id}/results", f"/votes/{round_.id}/projector"
    for url in (results, projector):  # staff chose live counts: the counts show, but nothing is decided yet
        page = text(client.get(url))
        assert "놀이터 조성" in page and "가결" not in page and "부결" not in page
        assert "통과 여부는 마감 뒤에 정해집니다" in page

    services.close_round(round_, actor=rounds.staff)
    tally.request_tally(round_, actor=rounds.staff)
    for url in (results, projector):  # tallied, not published: the public gets no counts
        page = text(client.get(url))
        assert "가결" not in page and "놀이터 조성" not in page
    assert "결과는 공개되면 여기에 나타납니다" in text(client.get(results))
    auth.login(rounds.staff)
    assert "가결" in text(client.get(results))  # staff preview it
    assert "가결" not in text(client.get(projector))  # the hall's screen shows only what is public
    auth.logout()

    tally.publish(round_, actor=rounds.staff)
    for url in (results, projector):
        assert "가결" in text(client.get(url))


def test_a_second_ballot_from_a_stale_tab_is_told_how_to_change_the_vote(client, db, auth, make, rounds):
    revotable = rounds.create(allow_revote=True)
    once = rounds.create()
    voter = make.user()
    auth.login(voter)
    for round_ in (revotable, once):
        a = rounds.option_ids(round_)[0]
        receipt_code(client.post(f"/votes/{round_.id}/ballot", data={"pick": [a]}))
    stale = client.post(f"/votes/{revotable.id}/ballot", data={"pick": [rounds.option_ids(revotable)[1]]})
    assert stale.status_code == 409
    page = text(stale)
    assert "한 번만" not in page
    assert "영수증 번호" in page and "다시 투표하기" in page and 'name="receipt"' in page  # the revote form is there
    refused = client.post(f"/votes/{once.id}/ballot", data={"pick": [rounds.option_ids(once)[1]]})
    assert refused.status_code == 409 and "한 사람은 한 번만 투표할 수 있습니다" in text(refused)
