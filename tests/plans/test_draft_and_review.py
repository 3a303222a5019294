"""Staff assemble the draft from the cycle's data, edit it with history, reviewers comment, the council adopts."""
from __future__ import annotations

from sqlalchemy import select

from app.plans import services
from app.plans.models import Plan, PlanStatus, ReviewComment, ReviewKind, SectionKind, SectionVersion
from tests.helpers import audit_rows, outbox_for, text


def _section(plan, key):
    return next(s for s in plan.sections if s.key == key)


def test_staff_assemble_the_draft_from_the_cycles_phases_meetings_agenda_and_votes(client, world):
    world.login(client, world.staff)
    response = client.post("/plans/assemble", data={"cycle_id": world.cycle.id})
    assert response.status_code == 302
    plan = world.db.session.scalar(select(Plan).where(Plan.cycle_id == world.cycle.id))
    assert plan.status is PlanStatus.DRAFT

    generated = _section(plan, "process").current.content["generated"]
    assert [p["kind"] for p in generated["phases"]] == ["discovery", "open_forum", "drafting", "adoption",
                                                        "execution"]
    council_meetings = next(r for r in generated["meetings"] if r["key"] == "meeting:district_council")
    assert (council_meetings["held"], council_meetings["participants"]) == (1, 2)
    assert generated["events"] == [{"title": "열린공론장 타운홀미팅", "kind": "town_hall", "kind_label": "타운홀미팅",
                                    "date": "2026-09-10", "attendance": 3}]
    assert generated["agenda"]["proposed"] == 3
    assert generated["agenda"]["subcommittee"] == 2
    assert generated["agenda"]["adopted"] == 1 and generated["agenda"]["rejected"] == 1
    vote = generated["votes"][0]
    assert (vote["cast"], vote["eligible"], vote["percent"]) == (4, 10, "40.0")
    assert vote["selected"] == ["정릉천 산책로 정비", "마을 돌봄 쉼터(투표안)"]

    # One section per selected project: the vote's winner, and the adopted item once (its option stands for it).
    projects = [p.title for p in plan.projects]
    assert projects == ["정릉천 산책로 정비", "마을 돌봄 쉼터(투표안)"]
    walk = next(s for s in plan.sections if s.title == "정릉천 산책로 정비")
    assert walk.current.content["district_fund"] == 703_736_000
    care = next(p for p in plan.projects if p.agenda_item_id == world.adopted.id)
    history = care.section.current.content["history"]
    assert [row[1] for row in history][-1] == "채택"
    assert [s.key for s in plan.sections[:5]] == ["process", "vision", "goals", "strategy", "governance_budget"]

    page = text(client.get(f"/plans/{plan.id}/document"))
    assert "수립과정설명서" in page and "703,736" in page and "열린공론장 타운홀미팅" in page


def test_a_second_assemble_request_returns_the_same_draft(client, world):
    world.login(client, world.staff)
    first = client.post("/plans/assemble", data={"cycle_id": world.cycle.id})
    second = client.post("/plans/assemble", data={"cycle_id": world.cycle.id})
    assert first.headers["Location"] == second.headers["Location"]
    assert world.db.session.scalar(select(Plan.id).where(Plan.cycle_id == world.cycle.id)) is not None
    assert len(world.db.session.scalars(select(Plan)).all()) == 1


def test_a_draft_is_hidden_from_the_public_until_it_goes_to_review(client, world):
    plan = world.assemble()
    assert client.get(f"/plans/{plan.id}").status_code == 404
    services.start_round(plan, ReviewKind.DISTRICT_COUNCIL, actor=world.staff)
    assert client.get(f"/plans/{plan.id}").status_code == 200


def test_editing_a_section_keeps_every_version_and_shows_the_diff(client, world):
    plan = world.assemble()
    goals = _section(plan, "goals")
    world.login(client, world.staff)
    response = client.post(f"/plans/{plan.id}/sections/{goals.id}/edit",
                           data={"text": "참여 주민 20% 확대\n부서 협업 강화", "expected_version": 1, "note": "목표 수치"})
    assert response.status_code == 302
    world.db.session.expire_all()
    assert goals.version_count == 2
    assert goals.versions[0].content["text"] != goals.versions[1].content["text"]
    diff = text(client.get(f"/plans/{plan.id}/sections/{goals.id}/diff?a=1&b=2"))
    assert 'class="diff-added"' in diff and "참여 주민 20% 확대" in diff
    assert 'class="diff-removed"' in diff
    # A second editor with the old form is told someone else saved first; nothing is added.
    stale = client.post(f"/plans/{plan.id}/sections/{goals.id}/edit", data={"text": "덮어쓰기", "expected_version": 1})
    assert stale.status_code == 409
    assert "다른 사람이 먼저" in text(stale)
    world.db.session.expire_all()
    assert goals.version_count == 2


def test_a_project_budget_that_is_negative_or_not_whole_won_is_refused_and_nothing_changes(client, world):
    plan = world.assemble()
    section = plan.projects[0].section
    world.login(client, world.staff)
    for amount, message in (("-5000", "음수는 적을 수 없습니다"), ("1200.5", "원 단위의 정수로"), ("십만원", "원 단위의 정수로")):
        response = client.post(f"/plans/{plan.id}/sections/{section.id}/edit",
                               data={"purpose": "목적", "city_fund": amount, "district_fund": "1,000,000",
                                     "expected_version": 1})
        assert response.status_code == 422
        assert message in text(response)
    world.db.session.expire_all()
    assert section.version_count == 1
    ok = client.post(f"/plans/{plan.id}/sections/{section.id}/edit",
                     data={"purpose": "목적", "city_fund": "300,000,000", "district_fund": "403,736,000",
                           "expected_version": 1})
    assert ok.status_code == 302
    world.db.session.expire_all()
    assert section.current.content["city_fund"] == 300_000_000


def test_reviewers_comment_staff_answer_and_resolve_and_the_council_adopts(client, world):
    plan = world.assemble()
    goals = _section(plan, "goals")
    world.login(client, world.staff)
    assert client.post(f"/plans/{plan.id}/rounds", data={"kind": "city_1"}).status_code == 422  # council first
    assert client.post(f"/plans/{plan.id}/rounds", data={"kind": "district_council"}).status_code == 302
    world.db.session.expire_all()
    assert plan.status is PlanStatus.IN_REVIEW
    assert any("심의가 열렸습니다" in m.body for m in outbox_for(world.council_member.email))

    # A resident without a seat cannot comment; a council member can, once per submitted form.
    world.login(client, world.resident)
    refused = client.post(f"/plans/{plan.id}/comments", data={"section_id": goals.id, "body": "의견", "client_token": "r1"})
    assert refused.status_code == 422 and "검토자만" in text(refused)
    world.login(client, world.council_member)
    for _ in range(2):
        client.post(f"/plans/{plan.id}/comments",
                    data={"section_id": goals.id, "body": "목표를 숫자로 적어 주세요.", "client_token": "c1"})
    world.db.session.expire_all()
    comments = world.db.session.scalars(select(ReviewComment)).all()
    assert len(comments) == 1 and comments[0].version_number == 1

    # Adoption waits for the round to close and every comment to be resolved.
    world.login(client, world.council_chair)
    blocked = client.post(f"/plans/{plan.id}/adopt")
    assert blocked.status_code == 422 and "구 협치회의 심의를 열고 마쳐야 합니다" in text(blocked)
    world.login(client, world.staff)
    client.post(f"/plans/{plan.id}/rounds/{plan.rounds[0].id}/close", data={"note": "원안 의결", "confirmed": "1"})
    world.login(client, world.council_chair)
    blocked = client.post(f"/plans/{plan.id}/adopt")
    assert "해결되지 않은 의견이 1건" in text(blocked)

    world.login(client, world.staff)
    client.post(f"/plans/comments/{comments[0].id}/answer", data={"answer": "반영했습니다.", "resolve": "1"})
    world.db.session.expire_all()
    assert comments[0].resolved_at is not None and comments[0].answer == "반영했습니다."

    world.login(client, world.council_chair)
    # The button only asks: what adopting does is explained, and nothing is locked yet.
    asked = client.post(f"/plans/{plan.id}/adopt", data={"content_hash": services.content_hash(plan)})
    assert asked.status_code == 200
    assert "계획서를 확정할까요?" in text(asked) and "모든 장이 지금 판으로 잠기고" in text(asked)
    assert f'name="content_hash" value="{services.content_hash(plan)}"' in asked.get_data(as_text=True)
    world.db.session.expire_all()
    assert plan.status is not PlanStatus.ADOPTED and not audit_rows("plan.adopt")
    assert client.post(f"/plans/{plan.id}/adopt", data={"confirmed": "1"}).status_code == 302
    world.db.session.expire_all()
    assert plan.status is PlanStatus.ADOPTED
    assert plan.adopted_hash == services.content_hash(plan) and len(plan.adopted_hash) == 64
    assert all(s.adopted_number == s.version_count for s in plan.live_sections)
    assert audit_rows("plan.adopt")[-1].detail["content_hash"] == plan.adopted_hash
    assert plan.adopted_hash in text(client.get(f"/plans/{plan.id}"))
    # Adoption opens each project's budget lines from its funds.
    walk = next(p for p in plan.projects if p.title == "정릉천 산책로 정비")
    assert sum(line.amount for line in walk.budget_lines) == 703_736_000


def _adopted(world):
    plan = world.assemble()
    round_ = services.start_round(plan, ReviewKind.DISTRICT_COUNCIL, actor=world.staff)
    services.close_round(round_, actor=world.staff)
    services.adopt(plan, actor=world.council_chair)
    return plan


def test_editing_a_locked_version_is_refused_and_nothing_changes(client, world):
    plan = _adopted(world)
    goals = _section(plan, "goals")
    before = world.db.session.scalar(select(SectionVersion.id).order_by(SectionVersion.id.desc()).limit(1))
    world.login(client, world.staff)
    response = client.post(f"/plans/{plan.id}/sections/{goals.id}/edit", data={"text": "바꿔치기", "expected_version": 1})
    assert response.status_code == 422
    assert "확정된 계획서는 고칠 수 없습니다" in text(response)
    world.db.session.expire_all()
    assert world.db.session.scalar(select(SectionVersion.id).order_by(SectionVersion.id.desc()).limit(1)) == before
    assert plan.adopted_hash == services.content_hash(plan)
    assert client.post(f"/plans/{plan.id}/refresh").status_code == 422


def test_only_the_council_chair_or_staff_may_adopt(client, world):
    plan = world.assemble()
    round_ = services.start_round(plan, ReviewKind.DISTRICT_COUNCIL, actor=world.staff)
    services.close_round(round_, actor=world.staff)
    world.login(client, world.council_member)
    assert client.post(f"/plans/{plan.id}/adopt").status_code == 403
    world.db.session.expire_all()
    assert plan.status is PlanStatus.IN_REVIEW


def test_a_comment_on_a_section_that_no_longer_exists_is_refused(client, world):
    plan = world.assemble()
    services.start_round(plan, ReviewKind.DISTRICT_COUNCIL, actor=world.staff)
    walk = next(p for p in plan.projects if p.title == "정릉천 산책로 정비")
    # The vote's result is taken back: the project leaves the selection when the draft is refreshed.
    from app.voting.models import VoteResult

    result = world.db.session.scalar(select(VoteResult).where(VoteResult.round_id == world.vote.id))
    result.result = {"selected": [], "votes": {}}
    world.db.session.commit()
    assert services.refresh(plan, actor=world.staff)["removed"] == 2
    world.login(client, world.council_member)
    response = client.post(f"/plans/{plan.id}/comments",
                           data={"section_id": walk.section_id, "body": "의견", "client_token": "gone"})
    assert response.status_code == 422
    assert "더 이상 계획서에 없습니다" in text(response)
    assert world.db.session.scalars(select(ReviewComment)).all() == []
    missing = client.post(f"/plans/{plan.id}/comments", data={"section_id": 999999, "body": "의견"})
    assert missing.status_code == 422


def test_city_review_rounds_take_invited_reviewers(client, world):
    plan = world.assemble()
    council = services.start_round(plan, ReviewKind.DISTRICT_COUNCIL, actor=world.staff)
    services.close_round(council, actor=world.staff)
    city = services.start_round(plan, ReviewKind.CITY_1, actor=world.staff)
    official = world.make.user(name="서울시 주무관")
    world.login(client, official)
    vision = _section(plan, "vision")
    assert client.post(f"/plans/{plan.id}/comments", data={"section_id": vision.id, "body": "검토"}).status_code == 422
    world.login(client, world.staff)
    assert client.post(f"/plans/{plan.id}/rounds/{city.id}/reviewers", data={"email": official.email}).status_code == 302
    assert client.post(f"/plans/{plan.id}/rounds/{city.id}/reviewers",
                       data={"email": "nobody@example.com"}).status_code == 422
    world.login(client, official)
    assert client.post(f"/plans/{plan.id}/comments", data={"section_id": vision.id, "body": "비전 문구 검토"}).status_code == 302
    assert world.db.session.scalars(select(ReviewComment)).one().round.kind is ReviewKind.CITY_1


def test_a_vote_attached_to_the_cycle_feeds_its_plan_without_an_event_or_agenda_item(client, world):
    from app.plans.selection import rounds_of_cycle, selected_projects
    from app.voting.models import RoundStatus, VoteOption, VoteResult, VoteRound

    world.login(client, world.staff)
    response = client.post("/votes/new", data={
        "title": "복지건강분과 협치사업 심사", "method": "approval", "eligibility": "any_user", "body_id": 0,
        "event_id": 0, "cycle_id": world.cycle.id, "seats": 1, "tally_rule": "greedy"})
    assert response.status_code == 302
    round_ = world.db.session.scalar(select(VoteRound).where(VoteRound.title == "복지건강분과 협치사업 심사"))
    assert round_.cycle_id == world.cycle.id
    option = VoteOption(round_id=round_.id, title="어르신 말벗 사업", cost=30_000_000, position=0)
    world.db.session.add(option)
    world.db.session.flush()
    round_.status = RoundStatus.PUBLISHED
    world.db.session.add(VoteResult(round_id=round_.id, method="approval", rule="approval", params={},
                                    software_version="t", ballot_hash="0" * 64, ballot_count=1,
                                    result={"selected": [str(option.id)], "votes": {str(option.id): 1}}))
    world.db.session.commit()
    assert round_ in rounds_of_cycle(world.cycle)
    assert "어르신 말벗 사업" in [c.title for c in selected_projects(world.cycle)]
    # A vote held at one of the cycle's town halls serves that cycle without being told.
    at_town_hall = client.post("/votes/new", data={
        "title": "타운홀 투표", "method": "approval", "eligibility": "any_user", "body_id": 0,
        "event_id": world.town_hall.id, "cycle_id": 0, "seats": 1, "tally_rule": "greedy"})
    assert at_town_hall.status_code == 302
    assert world.db.session.scalar(select(VoteRound.cycle_id).where(VoteRound.title == "타운홀 투표")) == world.cycle.id


def test_the_explainer_leaves_out_a_vote_tallied_but_not_yet_published(world):
    from app.plans import process
    from app.voting.models import RoundStatus

    world.vote.status = RoundStatus.TALLIED
    world.db.session.commit()
    # The draft is read by reviewers and, once adopted, by everyone: no count or winner before publication.
    assert process.generate(world.cycle)["votes"] == []
    world.vote.status = RoundStatus.PUBLISHED
    world.db.session.commit()
    assert process.generate(world.cycle)["votes"][0]["selected"] == ["정릉천 산책로 정비", "마을 돌봄 쉼터(투표안)"]
