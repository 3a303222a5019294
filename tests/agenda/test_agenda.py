"""Agenda items, as residents and body chairs meet them."""
from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import event, func, select

from app.agenda import services
from app.agenda.models import AgendaItem, Follow, StageMove, Support
from app.notifications import Notification
from app.utils import now
from tests.helpers import audit_rows, text

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _items(db):
    return db.session.scalar(select(func.count()).select_from(AgendaItem))


def test_resident_proposes_and_a_double_click_makes_one_item(client, db, auth, make, world):
    resident = make.user(name="제안주민")
    auth.login(resident)
    data = world.item_data(client_token="tok-123")
    first = client.post("/agenda/new", data=data)
    again = client.post("/agenda/new", data=data)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    (item,) = db.session.scalars(select(AgendaItem)).all()
    assert (item.stage, item.cost, item.dong, item.proposer_id) == ("proposed", 15_000_000, "정릉제1동", resident.id)
    page = text(client.get(f"/agenda/{item.id}"))
    assert "공감 모으는 중" in page and "제안자" in page  # the first step of the public timeline
    assert db.session.scalar(select(Follow).where(Follow.item_id == item.id, Follow.user_id == resident.id))


def test_bad_input_is_explained_and_nothing_is_saved(client, db, auth, make, world):
    auth.login(make.user())
    cases = [
        ({"title": ""}, "필수 입력 항목입니다"),
        ({"title": "가" * 121}, "제목은 120자까지입니다"),
        ({"cost": "12.5"}, "원 단위 정수"),
        ({"cost": "십만원"}, "원 단위 정수"),
        ({"field": "없는 분야"}, "올바르지 않은 선택값입니다"),
        ({"problem": "가" * 5001}, "5,000자까지"),
    ]
    for overrides, message in cases:
        response = client.post("/agenda/new", data=world.item_data(**overrides))
        assert response.status_code == 422, overrides
        page = text(response)
        assert message in page, (overrides, message)
        assert "그늘막과 벤치를 설치합니다" in page  # what was typed is kept
    assert _items(db) == 0


def test_unverified_residents_cannot_propose(client, db, auth, make, world):
    auth.login(make.user(verified=False))
    response = client.post("/agenda/new", data=world.item_data())
    assert response.status_code == 302 and _items(db) == 0


def test_attachments_are_checked_by_content_and_size(client, db, auth, make, world, app):
    resident = make.user()
    item = world.propose(app.test_client(), resident)
    auth.login(resident)
    ok = client.post(f"/agenda/{item.id}/edit", data={**world.item_data(), "attachment": (io.BytesIO(PNG), "사진.png")},
                     content_type="multipart/form-data")
    assert ok.status_code == 302
    (attachment,) = item.attachments
    assert attachment.content_type == "image/png" and "static" not in str(services.attachment_path(attachment))
    assert client.get(f"/agenda/attachments/{attachment.id}").data == PNG
    fake = client.post(f"/agenda/{item.id}/edit",
                       data={**world.item_data(), "attachment": (io.BytesIO(b"#!/bin/sh\necho hi"), "photo.png")},
                       content_type="multipart/form-data")
    assert fake.status_code == 422 and "파일 내용이 이름과 다릅니다" in text(fake)
    big = client.post(f"/agenda/{item.id}/edit",
                      data={**world.item_data(), "attachment": (io.BytesIO(b"%PDF-" + b"0" * (10 * 1024 * 1024)), "a.pdf")},
                      content_type="multipart/form-data")
    assert big.status_code in (413, 422)
    db.session.refresh(item)
    assert len(item.attachments) == 1


def test_similar_items_are_found_across_korean_particles(client, db, make, world, app):
    world.propose(app.test_client(), make.user(), title="정릉 놀이터에 그늘막을 설치해 주세요")
    world.propose(app.test_client(), make.user(), title="석관동 도서관 야간 개방", problem="도서관이 일찍 닫습니다.")
    found = client.get("/agenda/similar", query_string={"q": "놀이터가 더워요 그늘막이 필요합니다"}).get_json()["items"]
    assert [i["title"] for i in found] == ["정릉 놀이터에 그늘막을 설치해 주세요"]
    assert client.get("/agenda/similar", query_string={"q": "주차장"}).get_json()["items"] == []


def test_support_past_the_threshold_forwards_to_the_subcommittee_and_tells_its_chair(client, db, auth, make, world, app):
    proposer = make.user()
    item = world.propose(app.test_client(), proposer)
    auth.login(proposer)
    own = client.post(f"/agenda/{item.id}/support")
    assert own.status_code == 422 and "자기가 제안한 의제" in text(own)
    auth.logout()
    supporters = [make.user(), make.user()]
    auth.login(supporters[0])
    client.post(f"/agenda/{item.id}/support")
    client.post(f"/agenda/{item.id}/support")  # a double click counts once
    db.session.refresh(item)
    assert (item.support_count, item.stage) == (1, "proposed")
    auth.logout()
    auth.login(supporters[1])
    client.post(f"/agenda/{item.id}/support")
    db.session.refresh(item)
    assert (item.support_count, item.stage, item.body_id) == (2, "subcommittee", world.sub.id)
    forward = db.session.scalars(select(StageMove).where(StageMove.item_id == item.id)).all()[-1]
    assert forward.decision_type == "automatic" and forward.actor_id is None
    chair_notes = db.session.scalars(select(Notification).where(Notification.user_id == world.chairs["sub"].id)).all()
    assert any("넘어왔습니다" in n.message for n in chair_notes)
    proposer_notes = db.session.scalars(select(Notification).where(Notification.user_id == proposer.id)).all()
    assert any("협치분과 논의" in n.message for n in proposer_notes)
    # once the subcommittee has it, support can no longer be taken back
    again = client.post(f"/agenda/{item.id}/support", data={"action": "remove"})
    assert again.status_code == 422 and "공감을 취소할 수 없습니다" in text(again)


def test_items_that_miss_the_threshold_close_with_a_notice(db, make, world, app, clock):
    proposer = make.user()
    item = world.propose(app.test_client(), proposer)
    clock.set(now() + timedelta(days=31))
    assert services.close_unsupported_task.apply().get() == 1  # the daily beat task
    db.session.refresh(item)
    assert item.stage == "closed"
    assert any("종료" in n.message for n in db.session.scalars(
        select(Notification).where(Notification.user_id == proposer.id)))


def _forward(db, item, world, make):
    for _ in range(world.cycle.support_threshold):
        services.support(item, make.user())
    db.session.refresh(item)
    assert item.stage == "subcommittee"


def test_chairs_move_the_item_up_to_adoption_and_others_cannot(client, db, auth, make, world, app):
    item = world.propose(app.test_client(), make.user())
    _forward(db, item, world, make)
    member = make.user()
    from app.bodies.models import MemberRole
    make.membership(world.sub, member, MemberRole.MEMBER)
    auth.login(member)
    assert client.post(f"/agenda/{item.id}/move", data={"to_stage": "working_council", "version": item.version,
                                                        "decision_type": "chair_decision"}).status_code == 403
    auth.logout()
    for key, to in (("sub", "working_council"), ("working", "practical_committee"),
                    ("committee", "district_council"), ("council", "adopted")):
        db.session.refresh(item)
        auth.login(world.chairs[key])
        response = client.post(f"/agenda/{item.id}/move", data={
            "to_stage": to, "version": item.version, "decision_type": "meeting_decision",
            "reason": f"{key} 회의 의결", "minutes_ref": "정기회의 회의록", "confirmed": "1"})
        assert response.status_code == 302, text(response)
        auth.logout()
    db.session.refresh(item)
    assert item.stage == "adopted"
    moves = db.session.scalars(select(StageMove).where(StageMove.item_id == item.id).order_by(StageMove.id)).all()
    assert [m.to_stage for m in moves] == ["proposed", "subcommittee", "working_council", "practical_committee",
                                           "district_council", "adopted"]
    assert [m.body_id for m in moves[2:]] == [world.sub.id, world.working.id, world.committee.id, world.council.id]
    page = text(client.get(f"/agenda/{item.id}"))
    for label in ("공감 모으는 중", "협치분과 논의", "분과실무협의회 검토", "협치실무위원회 심의", "구 협치회의 의결", "채택"):
        assert label in page
    assert len(audit_rows("agenda.move")) == 4


def test_moves_the_machine_does_not_allow_are_refused(client, db, auth, make, world, app):
    item = world.propose(app.test_client(), make.user())
    _forward(db, item, world, make)
    auth.login(world.chairs["sub"])
    skip = client.post(f"/agenda/{item.id}/move", data={"to_stage": "adopted", "version": item.version,
                                                        "decision_type": "chair_decision"})
    assert skip.status_code in (302, 422)
    no_reason = client.post(f"/agenda/{item.id}/move", data={"to_stage": "rejected", "version": item.version,
                                                             "decision_type": "chair_decision"})
    assert no_reason.status_code == 422 and "사유를 적어 주세요" in text(no_reason)
    db.session.refresh(item)
    assert item.stage == "subcommittee"


def test_rejecting_an_item_asks_first_and_changes_nothing_until_confirmed(client, db, auth, make, world, app):
    item = world.propose(app.test_client(), make.user())
    _forward(db, item, world, make)
    auth.login(world.chairs["sub"])
    data = {"to_stage": "rejected", "version": item.version, "decision_type": "chair_decision",
            "reason": "다른 사업과 중복"}
    asked = client.post(f"/agenda/{item.id}/move", data=data)
    assert asked.status_code == 200
    page = text(asked)
    assert "의제를 &#39;반려&#39;(으)로 옮길까요?" in page and "더 이상 다른 단계로 옮길 수 없고" in page
    assert "다른 사업과 중복" in page and item.title in page
    db.session.refresh(item)
    assert item.stage == "subcommittee" and not audit_rows("agenda.move")
    assert client.post(f"/agenda/{item.id}/move", data={**data, "confirmed": "1"}).status_code == 302
    db.session.refresh(item)
    assert item.stage == "rejected"


def test_two_people_moving_at_once_one_wins_and_the_other_is_told(client, db, auth, make, world, app):
    item = world.propose(app.test_client(), make.user())
    _forward(db, item, world, make)
    seen = item.version
    staff = make.staff()
    other = app.test_client()
    other.post("/account/login", data={"email": staff.email, "password": "correct-horse-battery"})
    auth.login(world.chairs["sub"])
    first = client.post(f"/agenda/{item.id}/move", data={"to_stage": "working_council", "version": seen,
                                                         "decision_type": "meeting_decision"})
    second = other.post(f"/agenda/{item.id}/move", data={"to_stage": "on_hold", "version": seen,
                                                         "decision_type": "staff", "reason": "보류합니다"})
    assert first.status_code == 302
    assert second.status_code == 409 and "다른 사람이 먼저 이 의제를 옮겼습니다" in text(second)
    db.session.refresh(item)
    assert item.stage == "working_council"
    assert db.session.scalar(select(func.count()).select_from(StageMove).where(StageMove.item_id == item.id)) == 3


def test_merging_carries_supports_and_followers(db, make, world, app):
    a_fan, b_fan, both = make.user(), make.user(), make.user()
    a = world.propose(app.test_client(), make.user(), title="놀이터 그늘막")
    b = world.propose(app.test_client(), make.user(), title="놀이터 햇빛 가리개")
    services.support(a, a_fan)
    services.support(a, both)
    services.support(b, b_fan)
    services.support(b, both)
    for item in (a, b):
        db.session.refresh(item)
    staff = make.staff()
    services.move(b, "merged", actor=staff, decision_type="staff", reason="같은 의제", expected_version=b.version,
                  merge_into_id=a.id)
    db.session.refresh(a)
    supporters = set(db.session.scalars(select(Support.user_id).where(Support.item_id == a.id)))
    assert supporters == {a_fan.id, both.id, b_fan.id} and a.support_count == 3
    followers = set(db.session.scalars(select(Follow.user_id).where(Follow.item_id == a.id)))
    assert b_fan.id in followers and b.proposer_id in followers


def test_proposer_withdraws_before_the_subcommittee_takes_it(client, db, auth, make, world, app):
    proposer = make.user()
    item = world.propose(app.test_client(), proposer)
    auth.login(proposer)
    client.post(f"/agenda/{item.id}/move", data={"to_stage": "withdrawn", "version": item.version,
                                                 "decision_type": "chair_decision", "confirmed": "1"})
    db.session.refresh(item)
    assert item.stage == "withdrawn"
    closed = client.post(f"/agenda/{item.id}/support")
    assert closed.status_code == 409 and "논의가 끝난 의제에는 공감할 수 없습니다" in text(closed)


def test_department_answer_shows_and_tells_followers(client, db, auth, make, world, app):
    fan = make.user()
    item = world.propose(app.test_client(), make.user())
    services.support(item, fan)
    auth.login(make.staff())
    client.post(f"/agenda/{item.id}/answer", data={"department": "공원녹지과", "answer_status": "partly",
                                                   "answer_text": "내년 예산에 일부 반영합니다."})
    page = text(client.get(f"/agenda/{item.id}"))
    assert "공원녹지과" in page and "일부 수용" in page and "내년 예산에 일부 반영합니다" in page
    assert any("답변" in n.message for n in db.session.scalars(select(Notification).where(Notification.user_id == fan.id)))
    missing = client.post(f"/agenda/{item.id}/answer", data={"department": "공원녹지과", "answer_status": "accepted"})
    assert missing.status_code == 422 and "답변 내용을 적어 주세요" in text(missing)


def test_list_filters_and_a_constant_number_of_queries(client, db, make, world, app):
    proposer = make.user()
    for i in range(12):
        make.agenda_item(cycle=world.cycle, title=f"의제 {i}", field="복지·건강" if i % 2 else "도시·환경",
                         dong="안암동" if i % 3 else None, proposer=proposer)

    def queries_for(path):
        count = [0]

        def counter(*args, **kwargs):
            count[0] += 1

        engine = db.session.get_bind()
        engine = getattr(engine, "engine", engine)
        event.listen(engine, "before_cursor_execute", counter)
        try:
            response = client.get(path)
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        assert response.status_code == 200
        return count[0], text(response)

    few, _ = queries_for("/agenda/?field=도시·환경&page=1")
    many, page = queries_for("/agenda/")
    assert few == many
    assert "의제 12건" in page
    filtered = text(client.get("/agenda/", query_string={"field": "복지·건강", "dong": "district"}))
    assert "의제 2건" in filtered
    searched = text(client.get("/agenda/", query_string={"q": "의제 1"}))
    assert "의제 3건" in searched  # 의제 1, 의제 10, 의제 11


def test_body_page_lists_the_items_in_its_hands(client, db, make, world, app):
    item = world.propose(app.test_client(), make.user(), title="분과가 맡은 의제")
    _forward(db, item, world, make)
    assert "분과가 맡은 의제" in text(client.get(f"/bodies/{world.sub.id}"))


def test_cycle_phases_cannot_overlap(client, db, auth, make, world):
    auth.login(make.staff())
    response = client.post("/admin/cycles/new", data={
        "year": "2030", "title": "2030", "support_threshold": "10", "support_window_days": "30",
        "discovery-start": "2029-01-01", "discovery-end": "2029-03-31",
        "concretization-start": "2029-03-15", "concretization-end": "2029-05-31"})
    assert response.status_code == 422 and "기간이 겹칩니다" in text(response)


def test_a_published_vote_moves_the_selected_items_agenda_up_a_level(client, db, auth, make, world, app):
    from app.voting import services as voting
    from app.voting import tally

    chosen = world.propose(app.test_client(), make.user(), title="선정될 의제")
    passed_over = world.propose(app.test_client(), make.user(), title="떨어질 의제", problem="다른 문제입니다.")
    for item in (chosen, passed_over):
        _forward(db, item, world, make)
    staff = make.staff()
    round_ = make.vote_round("approval", actor=staff, title="분과 사업 선정", body=world.sub, max_picks=1, seats=1,
                             options=({"title": "선정될 사업", "cost": 0, "agenda_item_id": chosen.id},
                                      {"title": "떨어질 사업", "cost": 0, "agenda_item_id": passed_over.id}))
    a = round_.options[0]
    for _ in range(2):
        auth.login(make.user())
        client.post(f"/votes/{round_.id}/ballot", data={"pick": [str(a.id)]})
        auth.logout()
    voting.close_round(round_, actor=staff)
    tally.request_tally(round_, actor=staff)
    tally.publish(round_, actor=staff)
    db.session.refresh(chosen)
    db.session.refresh(passed_over)
    assert (chosen.stage, passed_over.stage) == ("working_council", "subcommittee")
    last = db.session.scalars(select(StageMove).where(StageMove.item_id == chosen.id).order_by(StageMove.id)).all()[-1]
    assert (last.decision_type, last.vote_round_id, last.body_id) == ("vote_result", round_.id, world.sub.id)
    assert "투표 결과" in text(client.get(f"/agenda/{chosen.id}"))


def test_a_move_by_vote_result_names_a_published_vote_and_links_its_results(client, db, auth, make, world, app):
    from app.voting import services as voting
    from app.voting import tally
    from app.voting.models import RoundStatus

    item = world.propose(app.test_client(), make.user())
    _forward(db, item, world, make)
    staff = make.staff()
    round_ = make.vote_round("yes_no", status=RoundStatus.DRAFT, options=(), actor=staff, title="분과 찬반 투표",
                             body=world.sub)
    auth.login(world.chairs["sub"])
    form = {"to_stage": "working_council", "version": item.version, "decision_type": "vote_result"}
    missing = client.post(f"/agenda/{item.id}/move", data=form)
    unpublished = client.post(f"/agenda/{item.id}/move", data={**form, "vote_round_id": round_.id})
    for response, message in ((missing, "근거가 된 투표 번호를 적어"), (unpublished, "결과가 공개된 투표여야")):
        assert response.status_code == 422 and message in text(response)
    db.session.refresh(item)
    assert item.stage == "subcommittee"
    voting.add_option(round_, title="찬반", description="", cost=0, proposer_id=None, actor=staff)
    voting.schedule(round_, now() - timedelta(minutes=1), now() + timedelta(hours=1), actor=staff)
    voting.open_round(round_, actor=staff)
    voting.close_round(round_, actor=staff)
    tally.request_tally(round_, actor=staff)
    tally.publish(round_, actor=staff)
    db.session.refresh(item)
    response = client.post(f"/agenda/{item.id}/move", data={**form, "version": item.version,
                                                            "vote_round_id": round_.id})
    assert response.status_code == 302
    last = db.session.scalars(select(StageMove).where(StageMove.item_id == item.id).order_by(StageMove.id)).all()[-1]
    assert (last.to_stage, last.decision_type, last.vote_round_id) == ("working_council", "vote_result", round_.id)
    assert f"/votes/{round_.id}/results" in text(client.get(f"/agenda/{item.id}"))
