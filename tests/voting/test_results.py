"""Counting: tallies, results pages, paper ballots, the other methods, and open formats."""
from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.bodies.models import MemberRole
from app.voting import ballots, services, tally
from app.voting.models import Ballot, RoundStatus, VoteResult
from app.voting.pabulib_io import export_pabulib, import_pabulib
from app.voting.rules import parse_pabulib
from tests.helpers import audit_rows, receipt_code, text

PABULIB = Path(__file__).resolve().parents[3] / "shared" / "data" / "pabulib"


def _vote(client, auth, make, round_, data):
    auth.login(make.user())
    response = client.post(f"/votes/{round_.id}/ballot", data=data)
    auth.logout()
    assert response.status_code == 200, text(response)


def test_results_stay_hidden_until_published_then_show_selection_budget_and_turnout(client, db, auth, make, rounds):
    round_ = rounds.create(options=(("놀이터", 600), ("도서관", 500), ("쉼터", 300)), budget=1000)
    play, library, shelter = rounds.option_ids(round_)
    for picks in ([play], [play, shelter], [library, shelter], [play]):
        _vote(client, auth, make, round_, {"pick": picks})
    assert "결과는 투표가 마감되고 집계된 뒤 공개됩니다" in text(client.get(f"/votes/{round_.id}/results"))
    assert client.get(f"/votes/{round_.id}/ballots.pb").status_code == 404

    result = rounds.finish(round_)
    # greedy: 놀이터 (3 votes, 600) then 쉼터 (2, 300); 도서관 (1, 500) no longer fits
    assert result.result["selected"] == [play, shelter]
    assert result.result["budget_used"] == 900
    assert (result.rule, result.params["budget"], result.ballot_count) == ("greedy", 1000, 4)
    page = text(client.get(f"/votes/{round_.id}/results"))
    assert "선정 2건 · 사용 예산 900원 / 1,000원" in page
    assert "<svg" in page and 'role="img"' in page and "<table" in page  # a chart and its numbers as text
    assert "온라인 4, 종이 0" in page
    pb = client.get(f"/votes/{round_.id}/ballots.pb")
    assert pb.status_code == 200 and pb.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_retallying_gives_the_same_result_and_hash(db, make, rounds, client, auth):
    round_ = rounds.create(tally_rule="mes")
    a, b, c = rounds.option_ids(round_)
    for picks in ([a, b], [b], [c, a], [b, c]):
        _vote(client, auth, make, round_, {"pick": picks})
    services.close_round(round_, actor=rounds.staff)
    tally.request_tally(round_, actor=rounds.staff)
    tally.request_tally(round_, actor=rounds.staff)
    first, second = db.session.scalars(select(VoteResult).where(VoteResult.round_id == round_.id)
                                       .order_by(VoteResult.id)).all()
    assert first.result == second.result and first.ballot_hash == second.ballot_hash
    assert first.rule == "mes" and first.software_version
    assert audit_rows("vote.tally")[-1].detail["ballot_hash"] == first.ballot_hash


def test_paper_ballot_needs_a_second_staff_member_and_is_reported_separately(client, db, auth, make, rounds, app):
    round_ = rounds.create()
    a, b, _c = rounds.option_ids(round_)
    clerk, checker = rounds.staff, make.staff(name="확인자")
    walk_in = make.user(name="현장주민")
    auth.login(clerk)
    # At the desk the walk-in is marked on the roll; the ballot is typed in apart, with no voter on it.
    assert client.post(f"/votes/{round_.id}/paper/voters", data={"roll-voter_user_id": walk_in.id}).status_code == 302
    twice = client.post(f"/votes/{round_.id}/paper/voters", data={"roll-voter_user_id": walk_in.id})
    assert twice.status_code == 409 and "이미 투표했습니다" in text(twice)
    unknown = client.post(f"/votes/{round_.id}/paper/voters", data={"roll-voter_user_id": 999999})
    assert unknown.status_code == 422 and "회원이 없습니다" in text(unknown)
    response = client.post(f"/votes/{round_.id}/paper", data={"ballot_number": "P-001", "pick": [a]})
    assert response.status_code == 302
    duplicate = client.post(f"/votes/{round_.id}/paper", data={"ballot_number": "P-001", "pick": [b]})
    assert duplicate.status_code == 409 and "이미 입력되었습니다" in text(duplicate)
    (paper,) = ballots.pending_paper_ballots(round_)
    own = client.post(f"/votes/paper/{paper.id}/confirm", follow_redirects=True)
    assert "다른 직원이 확인해야 합니다" in text(own)
    assert services.turnout(round_)["paper"] == 0  # not counted before the second confirmation

    other = app.test_client()
    other.post("/account/login", data={"email": checker.email, "password": "correct-horse-battery"})
    other.post(f"/votes/paper/{paper.id}/confirm")
    counted = services.turnout(round_)
    assert (counted["paper"], counted["online"]) == (1, 0)
    # the walk-in who voted on paper cannot also vote online
    auth.logout()
    auth.login(walk_in)
    again = client.post(f"/votes/{round_.id}/ballot", data={"pick": [b]})
    assert again.status_code == 409
    result = rounds.finish(round_)
    assert result.result["votes"][a] == 1
    assert "온라인 0, 종이 1" in text(client.get(f"/votes/{round_.id}/results"))


def test_residents_cannot_enter_paper_ballots(client, db, auth, make, rounds):
    round_ = rounds.create()
    auth.login(make.user())
    assert client.post(f"/votes/{round_.id}/paper", data={"ballot_number": "1"}).status_code == 403


def test_subcommittee_scores_projects_and_the_proposer_recuses(client, db, auth, make, rounds):
    body, members = rounds.body_with_members(3)
    proposer = members[0]
    round_ = rounds.create("score", eligibility="body_members", body=body, seats=1,
                           options=(("돌봄 사업", 100, proposer.id), ("공원 사업", 100)),
                           criteria=(("필요성", 2), ("실현 가능성", 1)))
    care, park = rounds.option_ids(round_)
    c1, c2 = (str(c.id) for c in round_.criteria)
    auth.login(proposer)
    page = text(client.get(f"/votes/{round_.id}"))
    assert "이해충돌로 이 사업의 채점에서 회피합니다" in page
    sneaky = client.post(f"/votes/{round_.id}/ballot", data={f"score-{care}-{c1}": "5", f"score-{care}-{c2}": "5",
                                                              f"score-{park}-{c1}": "1", f"score-{park}-{c2}": "1"})
    assert sneaky.status_code == 422 and "회피 대상" in text(sneaky)
    assert client.post(f"/votes/{round_.id}/ballot", data={f"score-{park}-{c1}": "2",
                                                            f"score-{park}-{c2}": "2"}).status_code == 200
    auth.logout()
    for member, (care_scores, park_scores) in zip(members[1:], [((5, 4), (3, 3)), ((4, 4), (4, 2))]):
        auth.login(member)
        incomplete = client.post(f"/votes/{round_.id}/ballot", data={f"score-{care}-{c1}": "5"})
        assert incomplete.status_code == 422 and "모든 기준에 1~5점" in text(incomplete)
        client.post(f"/votes/{round_.id}/ballot", data={
            f"score-{care}-{c1}": care_scores[0], f"score-{care}-{c2}": care_scores[1],
            f"score-{park}-{c1}": park_scores[0], f"score-{park}-{c2}": park_scores[1]})
        auth.logout()
    result = rounds.finish(round_).result
    # care: (2*4.5 + 1*4) / 3 = 4.33 from 2 scorers; park: (2*3 + 1*7/3) / 3 = 2.78 from 3
    assert result["scores"] == {care: "4.33", park: "2.78"}
    assert result["scorers"] == {care: 2, park: 3}
    no_pb = client.get(f"/votes/{round_.id}/ballots.pb")  # scores have no pabulib form: a clear 404, not a crash
    assert no_pb.status_code == 404 and "pabulib" in no_pb.get_data(as_text=True)
    assert result["selected"] == [care]


def test_a_recused_members_score_ballot_looks_like_everyone_elses(client, db, auth, make, rounds):
    """Stored whole, the one sheet without the recused option would single out the proposer's scores."""
    body, members = rounds.body_with_members(3, "심사")
    proposer = members[0]
    round_ = rounds.create("score", eligibility="body_members", body=body, seats=1, allow_revote=True,
                           options=(("돌봄 사업", 100, proposer.id), ("공원 사업", 100), ("길 사업", 100)),
                           criteria=(("필요성", 2), ("실현 가능성", 1)))
    care, park, road = rounds.option_ids(round_)
    c1, c2 = (str(c.id) for c in round_.criteria)

    def sheet(scores):
        return {f"score-{o}-{c}": v for o, (v1, v2) in scores.items() for c, v in ((c1, v1), (c2, v2))}

    codes = {}
    for member, scores in zip(members, [{park: (1, 1), road: (5, 5)}, {care: (4, 4), park: (3, 3), road: (2, 2)},
                                        {care: (2, 2), park: (5, 5), road: (3, 3)}]):
        auth.login(member)
        response = client.post(f"/votes/{round_.id}/ballot", data=sheet(scores))
        assert response.status_code == 200
        codes[member.id] = receipt_code(response)
        auth.logout()

    rows = list(db.session.scalars(select(Ballot.content).where(Ballot.round_id == round_.id)))
    assert all(len(row["scores"]) <= 1 for row in rows)  # no row holds a member's whole set of scores
    assert sum(1 for row in rows if not row["scores"]) == 3  # one sheet per member, all alike
    assert sorted(next(iter(row["scores"])) for row in rows if row["scores"]) == sorted([care, care, park, park, park,
                                                                                         road, road, road])
    assert services.turnout(round_)["cast"] == 3

    check = text(client.post("/votes/receipt", data={"code": codes[proposer.id]}))  # the receipt still finds it all
    assert "공원 사업: 필요성 1, 실현 가능성 1" in check and "길 사업: 필요성 5, 실현 가능성 5" in check
    assert "돌봄 사업" not in check

    auth.login(proposer)  # a second thought before the close replaces every part of the first ballot
    revote = client.post(f"/votes/{round_.id}/revote", data={**sheet({park: (2, 2), road: (4, 4)}),
                                                              "receipt": codes[proposer.id]})
    assert revote.status_code == 200
    auth.logout()
    assert "새 투표지로 바뀌었습니다" in text(client.post("/votes/receipt", data={"code": codes[proposer.id]}))
    assert tally.compute_result(round_)["result"]["scores"][park] == "3.33"  # (2·10 + 10) / (3·3)

    from werkzeug.datastructures import MultiDict  # a paper sheet, typed in and confirmed, is stored the same way

    paper = ballots.enter_paper_ballot(round_, "P-1", MultiDict(sheet({care: (3, 3), park: (3, 3), road: (3, 3)})),
                                        actor=rounds.staff)
    ballots.confirm_paper_ballot(paper, actor=make.staff(name="확인자"))
    assert (services.turnout(round_)["online"], services.turnout(round_)["paper"]) == (3, 1)
    result = rounds.finish(round_)
    assert result.ballot_count == 4
    assert result.result["scorers"] == {care: 3, park: 4, road: 4}
    assert result.result["scores"][park] == "3.25" and result.result["scores"][road] == "3.00"


def test_council_motion_needs_a_quorum_and_a_majority(client, db, auth, make, rounds):
    body, members = rounds.body_with_members(5)
    observer = make.user()
    make.membership(body, observer, MemberRole.OBSERVER)
    short = rounds.create("yes_no", eligibility="body_members", body=body, options=(("안건 1", 0),))
    (motion,) = rounds.option_ids(short)
    for m in members[:2]:
        auth.login(m)
        client.post(f"/votes/{short.id}/ballot", data={f"vote-{motion}": "yes"})
        auth.logout()
    result = rounds.finish(short).result
    assert short.eligible_count == 5  # the observer has no vote
    assert result["quorum_met"] is False and result["motions"][motion]["passed"] is False

    full = rounds.create("yes_no", eligibility="body_members", body=body, options=(("안건 2", 0),))
    (motion2,) = rounds.option_ids(full)
    for m, choice in zip(members, ["yes", "yes", "no", "abstain"]):
        auth.login(m)
        client.post(f"/votes/{full.id}/ballot", data={f"vote-{motion2}": choice})
        auth.logout()
    result = rounds.finish(full).result
    # 4 of 5 cast (quorum); 2 yes of 4 cast is not a majority of those cast
    assert result["quorum_met"] is True and result["motions"][motion2]["passed"] is False
    assert "부결" in text(client.get(f"/votes/{full.id}/results"))


def test_schulze_count_matches_the_reference_library(db, rounds):
    oracle = pytest.importorskip("schulze_condorcet")
    from app.voting.schulze import schulze_order

    rng = random.Random(7)
    for trial in range(30):
        candidates = [f"c{i}" for i in range(rng.randint(2, 6))]
        ballots = []
        for _ in range(rng.randint(1, 25)):
            ranks = {c: rng.randint(1, len(candidates)) for c in candidates}
            ballots.append((ranks, 1))
        ours = schulze_order(ballots, candidates)
        votes = []
        for ranks, _w in ballots:
            levels = {}
            for c, r in ranks.items():
                levels.setdefault(r, []).append(c)
            votes.append(">".join("=".join(levels[r]) for r in sorted(levels)))
        theirs = [level.split("=") for level in oracle.schulze_evaluate(votes, candidates).split(">")]
        assert [sorted(x) for x in ours] == [sorted(x) for x in theirs], (trial, votes)


def test_ranked_round_orders_options(client, db, auth, make, rounds):
    round_ = rounds.create("ranked", seats=1, options=(("가", 0), ("나", 0), ("다", 0)))
    ga, na, da = rounds.option_ids(round_)
    for ranks in ([ga, na, da], [ga, da, na], [na, ga, da]):
        _vote(client, auth, make, round_, {f"rank-{o}": str(i + 1) for i, o in enumerate(ranks)})
    result = rounds.finish(round_).result
    assert result["levels"][0] == [ga] and result["selected"] == [ga]


def test_pabulib_export_import_round_trip_is_lossless_and_matches_the_official_winners(db, make):
    path = PABULIB / "Netherlands_Assen_2024.pb"
    if not path.exists():
        pytest.skip("../shared/data/pabulib is not beside the repository")
    staff = make.staff()
    first = import_pabulib(path.read_text(encoding="utf-8-sig"), actor=staff)
    assert first.status is RoundStatus.CLOSED and first.tally_rule == "mes"
    election = parse_pabulib(path)
    assert db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == first.id)) \
        == election.num_voters
    exported = export_pabulib(first)
    second = import_pabulib(exported, actor=staff)
    assert export_pabulib(second) == exported
    assert [(o.key, o.cost, o.title) for o in first.options] == [(o.key, o.cost, o.title) for o in second.options]
    # Counting the imported round gives Assen's official winners (its rule was equalshares/add1).
    row = tally.tally_round(first.id)
    by_id = {str(o.id): o.key for o in first.options}
    assert sorted(by_id[i] for i in row.result["selected"]) == sorted(election.official_selection())


def test_cli_tallies_a_pabulib_file(app):
    path = PABULIB / "Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb"
    if not path.exists():
        pytest.skip("../shared/data/pabulib is not beside the repository")
    import json

    result = app.test_cli_runner().invoke(args=["voting", "tally-pabulib", str(path), "--rule", "greedy"])
    assert result.exit_code == 0, result.output
    official = parse_pabulib(path).official_selection()
    assert sorted(json.loads(result.output)) == sorted(official)


def _votes_shown(page: str) -> dict[str, int]:
    """Votes per option as the results table shows them."""
    import re

    return {title: int(votes) for title, votes in re.findall(
        r'<th scope="row">([^<]+)</th>\s*<td class="num">[\d,]+</td>\s*<td class="num">(\d+)</td>', page)}


def test_live_results_move_only_in_batches_so_one_ballot_never_shows(client, db, auth, make, rounds, app,
                                                                       monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_RESULTS_BATCH", 3)
    round_ = rounds.create(options=(("놀이터", 600), ("도서관", 500), ("쉼터", 300)), budget=1000, live_results=True)
    play, library, shelter = rounds.option_ids(round_)
    results, projector = f"/votes/{round_.id}/results", f"/votes/{round_.id}/projector"
    for picks in ([play], [play]):
        _vote(client, auth, make, round_, {"pick": picks})
    for url in (results, projector):  # two ballots: nothing to diff yet
        page = text(client.get(url))
        assert "투표가 3표 모이면 중간 집계를 보여 드립니다" in page and _votes_shown(page) == {}

    _vote(client, auth, make, round_, {"pick": [library]})  # the third ballot completes the first batch
    page = text(client.get(results))
    assert "중간 집계입니다" in page and "지금 보이는 집계에는 3표가 들어 있습니다" in page
    assert _votes_shown(page) == {"놀이터": 2, "도서관": 1, "쉼터": 0}

    # The next voter's choice does not appear on its own: the counts stay until two more ballots are in.
    _vote(client, auth, make, round_, {"pick": [shelter]})
    for url in (results, projector):
        assert _votes_shown(text(client.get(url))) == {"놀이터": 2, "도서관": 1, "쉼터": 0}
    assert "투표 4명" in text(client.get(projector))  # turnout itself stays live
    for picks in ([shelter], [play]):
        _vote(client, auth, make, round_, {"pick": picks})
    page = text(client.get(results))
    assert _votes_shown(page) == {"놀이터": 3, "도서관": 1, "쉼터": 2} and "지금 보이는 집계에는 6표" in page

    # After the close the count is staff's until they publish it; staff see every ballot (no more can come),
    # and publication shows the stored tally to everyone.
    _vote(client, auth, make, round_, {"pick": [library]})
    services.close_round(round_, actor=rounds.staff)
    assert _votes_shown(text(client.get(results))) == {}
    auth.login(rounds.staff)
    assert _votes_shown(text(client.get(results))) == {"놀이터": 3, "도서관": 2, "쉼터": 2}
    auth.logout()
    tally.request_tally(round_, actor=rounds.staff)
    tally.publish(round_, actor=rounds.staff)
    assert _votes_shown(text(client.get(results))) == {"놀이터": 3, "도서관": 2, "쉼터": 2}
