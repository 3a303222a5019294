"""Realtime over the /forums namespace: live posts, numbered events, replay after reconnect, idempotent sends,
authorization per event, and floods that leave everyone else unharmed."""
from __future__ import annotations

import time

from sqlalchemy import func, select

from app.bodies.models import MemberRole
from app.forums.models import Post
from app.forums.realtime import NAMESPACE
from tests.forums.conftest import call, isolated, login, received


def _room(item):
    return f"agenda-{item.id}"


def test_a_post_from_one_browser_reaches_the_other_live(app, db, make, item, sockets):
    alice, bob = app.test_client(), app.test_client()
    login(alice, make.user(name="앨리스"))
    login(bob, make.user(name="밥"))
    a, b = sockets(alice), sockets(bob)
    anonymous = sockets()  # logged out readers follow public threads too
    for sio in (a, b, anonymous):
        assert call(sio, "join", {"room": _room(item), "last_seq": 0})["ok"]
        sio.get_received(NAMESPACE)

    reply = call(a, "post", {"room": _room(item), "body": "실시간 **안녕**", "client_id": "c-1"})
    assert reply["ok"]
    for sio in (a, b, anonymous):
        events = received(sio)
        assert [e["type"] for e in events] == ["post.created"]
        post = events[0]["post"]
        assert events[0]["seq"] == 1 and post["author"] == "앨리스" and "<strong>안녕</strong>" in post["html"]


def test_events_are_numbered_and_a_reconnecting_client_gets_what_it_missed(app, db, make, item, sockets):
    writer = app.test_client()
    login(writer, make.user())
    w = sockets(writer)
    call(w, "join", {"room": _room(item), "last_seq": 0})
    reader = sockets()
    call(reader, "join", {"room": _room(item), "last_seq": 0})
    call(w, "post", {"room": _room(item), "body": "첫 글", "client_id": "m1"})
    seen = received(reader)
    assert [e["seq"] for e in seen] == [1]

    reader.disconnect(namespace=NAMESPACE)  # the reader's network drops
    call(w, "post", {"room": _room(item), "body": "놓친 글 1", "client_id": "m2"})
    call(w, "post", {"room": _room(item), "body": "놓친 글 2", "client_id": "m3"})
    first = db.session.scalar(select(Post).where(Post.client_id == "m1"))
    call(w, "edit", {"post_id": first.id, "body": "첫 글 (고침)"})

    again = sockets()  # reconnects and says where it was
    reply = call(again, "join", {"room": _room(item), "last_seq": 1})
    assert reply["ok"] and reply["seq"] == 4
    assert [(e["seq"], e["type"]) for e in reply["events"]] == [(2, "post.created"), (3, "post.created"), (4, "post.edited")]
    assert [e["post"]["html"] for e in reply["events"][:2]] == ["<p>놓친 글 1</p>\n", "<p>놓친 글 2</p>\n"]
    assert "고침" in reply["events"][2]["post"]["html"]

    gap = call(again, "sync", {"room": _room(item), "last_seq": 3})
    assert [e["seq"] for e in gap["events"]] == [4]


def test_replay_shows_posts_as_they_are_now_not_as_they_were(app, db, make, item, sockets):
    writer, staff = app.test_client(), app.test_client()
    login(writer, make.user())
    login(staff, make.staff())
    w, s = sockets(writer), sockets(staff)
    call(w, "post", {"room": _room(item), "body": "전화번호 010-0000-0000", "client_id": "leak"})
    post = db.session.scalar(select(Post).where(Post.client_id == "leak"))
    assert call(s, "moderate", {"post_id": post.id, "action": "hide", "reason": "개인정보"})["ok"]

    late = sockets()
    reply = call(late, "join", {"room": _room(item), "last_seq": 0})
    created = reply["events"][0]
    assert created["type"] == "post.created" and created["post"]["state"] == "hidden"
    assert "html" not in created["post"] and "author" not in created["post"]
    assert "010" not in str(reply)


def test_a_retried_send_stores_one_post(app, db, make, item, sockets):
    client = app.test_client()
    user = make.user()
    login(client, user)
    sio = sockets(client)
    call(sio, "join", {"room": _room(item), "last_seq": 0})
    replies = [call(sio, "post", {"room": _room(item), "body": "한 번만", "client_id": "same-id"}) for _ in range(3)]
    assert len({r["post_id"] for r in replies}) == 1
    assert db.session.scalar(select(func.count()).select_from(Post).where(Post.author_id == user.id)) == 1
    assert [e["type"] for e in received(sio)] == ["post.created"]  # announced once


def test_reactions_and_edits_arrive_live(app, db, make, item, sockets):
    author, fan = app.test_client(), app.test_client()
    login(author, make.user())
    login(fan, make.user())
    a, f = sockets(author), sockets(fan)
    for sio in (a, f):
        call(sio, "join", {"room": _room(item), "last_seq": 0})
    post_id = call(a, "post", {"room": _room(item), "body": "반응 주세요", "client_id": "r1"})["post_id"]
    assert call(f, "react", {"post_id": post_id, "kind": "agree"}) == {"ok": True, "agree": 1, "disagree": 0}
    assert call(a, "react", {"post_id": post_id, "kind": "agree"})["error"] == "자기 글에는 반응할 수 없습니다."
    types = [e["type"] for e in received(a)]
    assert types == ["post.created", "post.reactions"]


def test_logged_out_sockets_read_but_cannot_write(app, db, make, item, sockets):
    sio = sockets()
    assert call(sio, "join", {"room": _room(item), "last_seq": 0})["ok"]
    assert call(sio, "post", {"room": _room(item), "body": "익명 글", "client_id": "x"}) == {
        "error": "로그인한 뒤 참여할 수 있습니다."}
    assert db.session.scalar(select(func.count()).select_from(Post)) == 0


def test_members_only_rooms_refuse_outsiders_on_every_event(app, db, make, sockets):
    body = make.body()
    member, outsider = make.user(), make.user()
    make.membership(body, member, MemberRole.MEMBER)
    room = f"members-{body.id}"
    inside, outside = app.test_client(), app.test_client()
    login(inside, member)
    login(outside, outsider)
    m, o = sockets(inside), sockets(outside)
    assert call(m, "join", {"room": room, "last_seq": 0})["ok"]
    post_id = call(m, "post", {"room": room, "body": "위원만 봅니다", "client_id": "in-1"})["post_id"]

    assert call(o, "join", {"room": room, "last_seq": 0}) == {"error": "이 토론을 볼 수 없습니다."}
    assert call(o, "sync", {"room": room, "last_seq": 0}) == {"error": "이 토론을 볼 수 없습니다."}
    assert call(o, "post", {"room": room, "body": "끼어들기", "client_id": "out-1"}) == {"error": "이 토론을 볼 수 없습니다."}
    assert call(o, "react", {"post_id": post_id, "kind": "agree"}) == {"error": "글을 찾을 수 없습니다."}
    assert call(o, "report", {"post_id": post_id, "reason": "spam"}) == {"error": "글을 찾을 수 없습니다."}
    assert received(o) == []  # nothing of the room ever reached the outsider


def test_a_socket_holds_at_most_max_rooms_and_frees_a_place_by_leaving_one(app, db, make, item, sockets):
    from app.bodies.models import BodyKind
    from app.forums.sockets import MAX_ROOMS

    council = make.body(BodyKind.WORKING_COUNCIL)
    bodies = [make.body(parent=council) for _ in range(MAX_ROOMS)]  # public body threads anyone may read
    rooms = [_room(item)] + [f"body-{body.id}" for body in bodies[:-1]]  # MAX_ROOMS rooms
    extra = f"body-{bodies[-1].id}"
    assert len(rooms) == MAX_ROOMS and extra not in rooms
    writer = sockets(login(app.test_client(), make.user(name="작성자")))
    reader = sockets(login(app.test_client(), make.user(name="구독자")))
    for room in rooms:
        assert call(reader, "join", {"room": room, "last_seq": 0})["ok"], room

    refusal = {"error": "한 번에 열 수 있는 토론이 너무 많습니다."}
    assert call(reader, "join", {"room": extra, "last_seq": 0}) == refusal
    assert call(reader, "join", {"room": extra}) == refusal  # asking again changes nothing
    assert call(reader, "join", {"room": rooms[-1], "last_seq": 0})["ok"]  # a room it holds may be joined again
    assert call(writer, "join", {"room": extra, "last_seq": 0})["presence"] == 1  # the refused socket is not counted
    reader.get_received()

    assert call(writer, "post", {"room": extra, "body": "여기는 못 봅니다", "client_id": "cap-extra"})["ok"]
    assert call(writer, "post", {"room": rooms[0], "body": "여기는 봅니다", "client_id": "cap-first"})["ok"]
    seen = received(reader)  # the earlier rooms still reach it; the refused one never does
    assert [(e["room"], e["type"]) for e in seen] == [(rooms[0], "post.created")]
    assert "여기는 봅니다" in seen[0]["post"]["html"]

    assert call(reader, "leave", {"room": [rooms[1]]}) == {"error": "잘못된 요청입니다."}  # not a room name
    assert call(reader, "leave", {"room": rooms[1]}) == {"ok": True}
    reply = call(reader, "join", {"room": extra, "last_seq": 0})
    assert reply["ok"] and reply["room"] == extra
    assert [e["post"]["html"] for e in reply["events"]] == ["<p>여기는 못 봅니다</p>\n"]  # caught up on joining
    assert call(reader, "join", {"room": rooms[1], "last_seq": 0}) == refusal  # full again
    assert call(writer, "post", {"room": extra, "body": "이제 봅니다", "client_id": "cap-extra-2"})["ok"]
    assert call(writer, "post", {"room": rooms[1], "body": "떠난 방", "client_id": "cap-left"})["ok"]
    assert [(e["room"], e["seq"]) for e in received(reader)] == [(extra, 2)]


def _sweep(app) -> int:
    """One round of the periodic re-check (app.socket_auth), run as the server's background task would
    (over every socket of the process, other tests' included: assert on this test's sockets)."""
    from app import socket_auth

    def run():
        with app.app_context():
            return socket_auth.sweep()

    return isolated(run)


def test_a_member_whose_seat_ends_stops_receiving_the_members_room(app, db, make, sockets):
    from datetime import date

    from app.bodies import services as bodies

    body = make.body()
    staying, leaving = make.user(name="남는위원"), make.user(name="떠나는위원")
    make.membership(body, staying, MemberRole.MEMBER)
    seat = make.membership(body, leaving, MemberRole.MEMBER)
    room = f"members-{body.id}"
    stay_http, leave_http = login(app.test_client(), staying), login(app.test_client(), leaving)
    s, gone = sockets(stay_http), sockets(leave_http)
    for sio in (s, gone):
        assert call(sio, "join", {"room": room, "last_seq": 0})["ok"]
    _sweep(app)  # both still members: nobody is touched
    assert received(s, "removed") == [] and received(gone, "removed") == []

    bodies.update_membership(seat, MemberRole.MEMBER, date(2026, 1, 31), actor=make.staff())
    _sweep(app)
    assert received(gone, "removed") == [{"room": room}] and received(s, "removed") == []
    assert call(s, "post", {"room": room, "body": "이제 위원끼리만", "client_id": "after-1"})["ok"]
    assert [e["type"] for e in received(s)] == ["post.created"]
    assert received(gone) == []  # the former member's socket no longer gets the room's posts
    assert gone.is_connected()  # public rooms stay open to it


def test_a_socket_whose_login_ended_is_disconnected(app, db, make, item, sockets):
    from app.auth.models import User

    user = make.user()
    sio = sockets(login(app.test_client(), user))
    assert call(sio, "join", {"room": _room(item), "last_seq": 0})["ok"]
    db.session.get(User, user.id).session_token = "changed-elsewhere"  # what a new password does
    db.session.flush()
    _sweep(app)
    assert not sio.is_connected()


def test_only_moderators_moderate_over_the_socket(app, db, make, item, sockets):
    writer = app.test_client()
    login(writer, make.user())
    w = sockets(writer)
    post_id = call(w, "post", {"room": _room(item), "body": "글", "client_id": "p"})["post_id"]
    assert call(w, "moderate", {"post_id": post_id, "action": "hide", "reason": "x"}) == {
        "error": "이 작업을 할 수 있는 권한이 없습니다."}
    assert db.session.get(Post, post_id).state == "visible"


def test_bad_input_gets_a_message_and_the_server_keeps_serving(app, db, make, item, sockets):
    client = app.test_client()
    login(client, make.user())
    sio = sockets(client)
    bystander = sockets()
    call(bystander, "join", {"room": _room(item), "last_seq": 0})
    for event, data in [("join", "not a dict"), ("join", {"room": ["x"]}), ("join", {"room": "agenda-99999999"}),
                        ("post", {"room": _room(item), "body": ""}),
                        ("post", {"room": _room(item), "body": "가" * 6000}),
                        ("post", {"room": _room(item), "body": "ok", "client_id": "x" * 500}),
                        ("post", {"room": _room(item), "body": "ok", "parent_id": "DROP TABLE"}),
                        ("react", {"post_id": -1, "kind": "agree"}), ("react", {"post_id": True}),
                        ("sync", {"room": _room(item), "last_seq": "many"}), ("qa_vote", {"question_id": None})]:
        reply = call(sio, event, data)
        assert "error" in reply and reply["error"], (event, data, reply)
    reply = call(sio, "post", {"room": _room(item), "body": "<script>alert(1)</script>", "client_id": "ok-1"})
    assert reply["ok"]
    assert "<script>" not in received(bystander)[0]["post"]["html"]


def test_a_flooding_client_is_refused_then_dropped_while_others_carry_on(app, db, make, item, sockets):
    app.config["FORUM_SOCKET_EVENTS_PER_10S"] = 5
    try:
        flooder, calm = sockets(), sockets()
        call(calm, "join", {"room": _room(item), "last_seq": 0})
        replies = [call(flooder, "here", {}) for _ in range(8)]
        assert replies[:5] == [{"ok": True}] * 5
        assert all("요청이 너무 많습니다" in r["error"] for r in replies[5:])
        for _ in range(10):
            if not flooder.is_connected(NAMESPACE):
                break
            call(flooder, "here", {})
        assert not flooder.is_connected(NAMESPACE)
        assert call(calm, "sync", {"room": _room(item), "last_seq": 0})["ok"]
    finally:
        app.config["FORUM_SOCKET_EVENTS_PER_10S"] = 40


def test_presence_counts_who_has_the_thread_open(app, db, make, item, sockets):
    first = sockets()
    call(first, "join", {"room": _room(item), "last_seq": 0})
    second = sockets()
    assert call(second, "join", {"room": _room(item), "last_seq": 0})["presence"] == 2
    second.disconnect(namespace=NAMESPACE)
    deadline = time.monotonic() + 3
    counts = []
    while time.monotonic() < deadline and 1 not in counts:
        counts += [p["count"] for p in received(first, "presence")]
        time.sleep(0.05)
    assert 1 in counts
