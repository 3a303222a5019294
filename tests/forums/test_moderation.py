"""Moderation: reports with automatic hiding, staff review, hide/unhide with reasons, bans, slow mode,
blocked words, posting rate limits; every action lands in the audit log."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.forums import moderation, services
from app.forums.models import Post, Thread
from app.forums.targets import Target
from tests.forums.conftest import call, login, received
from tests.helpers import audit_rows, text


def _write(client, item, body, **extra):
    return client.post(f"/forums/room/agenda-{item.id}/posts", data={"body": body, **extra})


def _last_post(db, item):
    return db.session.scalar(select(Post).join(Thread).where(Thread.agenda_item_id == item.id).order_by(Post.id.desc()))


def test_reports_hide_a_post_at_the_threshold_until_staff_review(app, client, db, make, item, sockets):
    author = make.user(name="문제 글쓴이")
    login(client, author)
    _write(client, item, "광고입니다 광고")
    post = _last_post(db, item)
    client.post("/account/logout")
    watcher = sockets()
    call(watcher, "join", {"room": f"agenda-{item.id}", "last_seq": 1})

    threshold = app.config["FORUM_REPORT_THRESHOLD"]
    for n in range(threshold):
        reporter = make.user()
        login(client, reporter)
        response = client.post(f"/forums/posts/{post.id}/report", data={"reason": "spam", "detail": f"{n}번째"})
        assert response.status_code == 302
        if n == 0:  # reporting twice counts once
            client.post(f"/forums/posts/{post.id}/report", data={"reason": "spam"})
        client.post("/account/logout")
        db.session.refresh(post)
        assert post.state == ("hidden" if n == threshold - 1 else "visible")
    assert post.pending_review and post.report_count == threshold
    assert [e["type"] for e in received(watcher)] == ["post.hidden"]
    assert len(audit_rows("forums.report")) == threshold and len(audit_rows("forums.auto_hide")) == 1
    assert "광고입니다" not in text(client.get(f"/agenda/{item.id}"))

    staff = make.staff()
    login(client, staff)
    queue = text(client.get("/forums/moderation"))
    assert "신고로 숨겨진 글 (검토 대기) <span class=\"count\">(1)" in queue and "광고입니다 광고" in queue
    page = text(client.get(f"/forums/posts/{post.id}/moderate"))
    assert "1번째" in page
    response = client.post(f"/forums/posts/{post.id}/moderate", data={"action": "unhide", "mod-reason": ""})
    assert response.status_code == 422 and "사유를 적어 주세요" in text(response)
    response = client.post(f"/forums/posts/{post.id}/moderate", data={"action": "unhide", "mod-reason": "광고가 아님"})
    assert response.status_code == 302
    db.session.refresh(post)
    assert post.state == "visible" and not post.pending_review and post.report_count == 0
    assert audit_rows("forums.unhide")[0].detail["reason"] == "광고가 아님"
    assert "검토 대기) <span class=\"count\">(0)" in text(client.get("/forums/moderation"))


def test_staff_hide_with_a_reason_and_the_room_sees_it_live(app, client, db, make, item, sockets):
    login(client, make.user())
    _write(client, item, "욕설이 섞인 글")
    post = _last_post(db, item)
    client.post("/account/logout")
    watcher = sockets()
    call(watcher, "join", {"room": f"agenda-{item.id}", "last_seq": 1})
    login(client, make.staff())
    response = client.post(f"/forums/posts/{post.id}/moderate", data={"action": "hide", "mod-reason": "욕설"})
    assert response.status_code == 302
    event = received(watcher)[0]
    assert event["type"] == "post.hidden" and "html" not in event["post"]
    assert audit_rows("forums.hide")[0].detail["reason"] == "욕설"
    db.session.refresh(item)
    assert item.comment_count == 0


def test_residents_cannot_reach_moderation(client, db, make, item):
    login(client, make.user())
    _write(client, item, "글")
    post = _last_post(db, item)
    assert client.get(f"/forums/posts/{post.id}/moderate").status_code == 403
    assert client.get("/forums/moderation").status_code == 403
    assert client.get(f"/forums/room/agenda-{item.id}/settings").status_code == 403


def test_a_banned_person_cannot_post_until_the_ban_ends(client, db, make, item, clock):
    troll = make.user(name="말썽꾼")
    login(client, troll)
    _write(client, item, "첫 글")
    post = _last_post(db, item)
    client.post("/account/logout")
    login(client, make.staff())
    response = client.post(f"/forums/posts/{post.id}/moderate",
                           data={"action": "ban", "ban-hours": "2", "ban-reason": "도배", "ban-scope": "thread"})
    assert response.status_code == 302
    assert "말썽꾼" in text(client.get(f"/forums/room/agenda-{item.id}/settings"))
    client.post("/account/logout")
    login(client, troll)
    assert "까지 이 토론에 글을 쓸 수 없습니다" in text(client.get(f"/agenda/{item.id}"))
    response = _write(client, item, "또 씁니다")
    assert response.status_code == 422 and "사유: 도배" in text(response)
    clock.set(clock_now() + timedelta(hours=2, minutes=1))
    assert _write(client, item, "이제 됩니다").status_code == 302
    assert audit_rows("forums.ban")[0].detail["hours"] == 2


def clock_now():
    from app.utils import now

    return now()


def test_staff_lift_a_ban_early(client, db, make, item):
    troll, staff = make.user(), make.staff()
    thread = services.thread_for(Target("agenda", item))
    db.session.commit()
    ban = moderation.ban_user(troll, staff, hours=24, reason="잠시", thread=thread)
    login(client, staff)
    client.post(f"/forums/bans/{ban.id}/lift")
    client.post("/account/logout")
    login(client, troll)
    assert _write(client, item, "풀렸습니다").status_code == 302
    assert len(audit_rows("forums.unban")) == 1


def test_event_ban_covers_the_event_thread_and_its_questions(client, db, make, town_hall):
    troll, staff = make.user(), make.staff()
    moderation.ban_user(troll, staff, hours=5, reason="방해", event_id=town_hall.id)
    login(client, troll)
    response = client.post(f"/forums/room/event-{town_hall.id}/posts", data={"body": "행사 토론"})
    assert response.status_code == 422
    response = client.post(f"/forums/events/{town_hall.id}/qa", data={"qa-body": "질문 있습니다"})
    assert response.status_code == 422 and "사유: 방해" in text(response)


def test_slow_mode_allows_one_post_per_interval(client, db, make, item, clock):
    staff, resident = make.staff(), make.user()
    login(client, staff)
    response = client.post(f"/forums/room/agenda-{item.id}/settings", data={"slow_mode_seconds": "60"})
    assert response.status_code == 302
    assert audit_rows("forums.thread_settings")[0].detail["slow_mode_seconds"] == 60
    client.post("/account/logout")
    login(client, resident)
    assert "천천히 모드: 한 사람이 60초에 한 번" in text(client.get(f"/agenda/{item.id}"))
    assert _write(client, item, "첫째").status_code == 302
    response = _write(client, item, "둘째")
    assert response.status_code == 422 and "초 뒤에 다시 쓸 수 있습니다" in text(response)
    clock.set(clock_now() + timedelta(seconds=61))
    assert _write(client, item, "셋째").status_code == 302


def test_locked_threads_take_no_posts(client, db, make, item):
    login(client, make.staff())
    client.post(f"/forums/room/agenda-{item.id}/settings", data={"slow_mode_seconds": "0", "locked": "y"})
    client.post("/account/logout")
    login(client, make.user())
    response = _write(client, item, "닫힌 뒤")
    assert response.status_code == 422 and "닫힌 토론입니다" in text(response)


def test_blocked_words_from_staff_and_from_the_configured_file(app, client, db, make, item, tmp_path):
    staff = make.staff()
    login(client, staff)
    response = client.post("/forums/moderation", data={"words": "바보\n멍청이\n바보"})
    assert response.status_code == 302
    assert audit_rows("forums.blocked_words")[0].detail["added"] == ["멍청이", "바보"]
    client.post("/account/logout")
    login(client, make.user())
    response = _write(client, item, "이런 바 보 같은 정책")
    assert response.status_code == 422 and "쓸 수 없는 낱말이 들어 있습니다: 바보" in text(response)

    words = tmp_path / "blocked.txt"
    words.write_text("# 설정 파일\n도박사이트\n", encoding="utf-8")
    app.config["FORUM_BLOCKED_WORDS_FILE"] = str(words)
    try:
        response = _write(client, item, "좋은 도박사이트 소개")
        assert response.status_code == 422 and "도박사이트" in text(response)
    finally:
        app.config["FORUM_BLOCKED_WORDS_FILE"] = None
    assert _write(client, item, "평범한 의견").status_code == 302


def test_posting_is_rate_limited_per_person_across_page_and_socket(app, client, db, make, item, sockets):
    app.config["FORUM_POST_RATE_LIMIT"] = "3 per minute"
    try:
        user = make.user()
        login(client, user)
        sio = sockets(client)
        for n in range(2):
            assert call(sio, "post", {"room": f"agenda-{item.id}", "body": f"소켓 {n}", "client_id": f"s{n}"})["ok"]
        assert _write(client, item, "페이지로 세 번째").status_code == 302
        reply = call(sio, "post", {"room": f"agenda-{item.id}", "body": "네 번째", "client_id": "s9"})
        assert reply == {"error": "글을 너무 빨리 쓰고 있습니다. 잠시 후 다시 써 주세요."}
        other = app.test_client()
        login(other, make.user())
        assert _write(other, item, "다른 사람은 괜찮습니다").status_code == 302
    finally:
        app.config["FORUM_POST_RATE_LIMIT"] = "10 per minute"
