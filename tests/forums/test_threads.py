"""Threads and posts through the pages, as a resident without JavaScript would use them."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.bodies.models import MemberRole
from app.forums.models import Post, Thread, ThreadEvent
from app.notifications import Notification
from app.utils import now
from tests.forums.conftest import login
from tests.helpers import text


def _post(client, room, body, **extra):
    data = {"body": body, "client_token": extra.pop("token", None) or "", **extra}
    return client.post(f"/forums/room/{room}/posts", data=data)


def _posts(db, item):
    return list(db.session.scalars(select(Post).join(Thread).where(Thread.agenda_item_id == item.id).order_by(Post.id)))


def test_resident_posts_on_an_agenda_item_and_sees_it_on_the_page(client, db, make, item):
    resident = make.user(name="김주민")
    login(client, resident)
    page = text(client.get(f"/agenda/{item.id}"))
    assert "아직 글이 없습니다" in page and f'action="/forums/room/agenda-{item.id}/posts"' in page

    response = _post(client, f"agenda-{item.id}", "가로등이 **꼭** 필요합니다.", next=f"/agenda/{item.id}")
    post = _posts(db, item)[0]
    assert response.status_code == 302 and response.headers["Location"] == f"/agenda/{item.id}#post-{post.id}"
    page = text(client.get(f"/agenda/{item.id}"))
    assert "<strong>꼭</strong>" in page and "김주민" in page
    db.session.refresh(item)
    assert item.comment_count == 1  # feeds the "most discussed" sort


def test_logged_out_visitors_read_threads_but_get_a_login_button(client, db, make, item):
    author = make.user(name="작성자")
    login(client, author)
    _post(client, f"agenda-{item.id}", "공개 토론입니다")
    client.post("/account/logout")
    page = text(client.get(f"/agenda/{item.id}"))
    assert "공개 토론입니다" in page and "로그인하고 의견 쓰기" in page
    assert client.post(f"/forums/room/agenda-{item.id}/posts", data={"body": "x"}).status_code == 302  # to login
    assert len(_posts(db, item)) == 1


def test_script_laden_posts_are_sanitized_and_bad_links_dropped(client, db, make, item):
    login(client, make.user())
    _post(client, f"agenda-{item.id}",
          '<script>alert(1)</script> <img src=x onerror=alert(2)> [클릭](javascript:alert(3)) [구청](https://example.go.kr)')
    html = _posts(db, item)[0].body_html
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html and "&lt;img" in html  # shown as text, harmless
    assert 'href="https://example.go.kr"' in html and "nofollow" in html


def test_empty_and_oversized_posts_are_refused_with_a_message(client, db, make, item, app):
    login(client, make.user())
    response = _post(client, f"agenda-{item.id}", "   ")
    assert response.status_code == 422 and "내용을 적어 주세요" in text(response)
    huge = "가" * (app.config["FORUM_MAX_POST_CHARS"] + 1)
    response = _post(client, f"agenda-{item.id}", huge)
    assert response.status_code == 422 and "5,000자까지" in text(response)
    assert huge in text(response)  # what was typed is kept
    assert _posts(db, item) == []


def test_a_retried_form_creates_one_post(client, db, make, item):
    login(client, make.user())
    for _ in range(3):
        response = _post(client, f"agenda-{item.id}", "두 번 눌렀습니다", token="token-1")
        assert response.status_code == 302
    assert len(_posts(db, item)) == 1


def test_replies_nest_three_deep_then_continue_as_siblings(client, db, make, item):
    login(client, make.user())
    room = f"agenda-{item.id}"
    _post(client, room, "0단계")
    parent = _posts(db, item)[-1]
    for depth in (1, 2, 3, 4):
        _post(client, room, f"{depth}단계", parent_id=str(parent.id))
        parent = _posts(db, item)[-1]
    depths = [p.depth for p in _posts(db, item)]
    assert depths == [0, 1, 2, 3, 3]
    posts = _posts(db, item)
    assert posts[4].parent_id == posts[3].parent_id  # a reply to the deepest level sits beside it
    page = text(client.get(f"/agenda/{item.id}"))
    assert page.index("0단계") < page.index("1단계") < page.index("3단계") < page.index("4단계")


def test_authors_edit_within_fifteen_minutes_only(client, db, make, item, clock):
    login(client, make.user())
    _post(client, f"agenda-{item.id}", "처음 쓴 글")
    post = _posts(db, item)[0]
    response = client.post(f"/forums/posts/{post.id}/edit", data={"body": "고친 글"})
    assert response.status_code == 302
    db.session.refresh(post)
    assert post.body == "고친 글" and post.edited_at is not None
    clock.set(post.created_at + timedelta(minutes=16))
    response = client.post(f"/forums/posts/{post.id}/edit", data={"body": "너무 늦게 고친 글"})
    assert response.status_code == 422 and "15분 안에만" in text(response)
    db.session.refresh(post)
    assert post.body == "고친 글"


def test_someone_else_cannot_edit_or_delete_a_post(client, db, make, item):
    login(client, make.user())
    _post(client, f"agenda-{item.id}", "내 글")
    post = _posts(db, item)[0]
    client.post("/account/logout")
    login(client, make.user())
    assert client.post(f"/forums/posts/{post.id}/edit", data={"body": "남의 글"}).status_code == 403
    client.post(f"/forums/posts/{post.id}/delete")
    db.session.refresh(post)
    assert post.state == "visible" and post.body == "내 글"


def test_soft_delete_keeps_the_place_and_replies(client, db, make, item):
    login(client, make.user())
    room = f"agenda-{item.id}"
    _post(client, room, "지울 글")
    first = _posts(db, item)[0]
    _post(client, room, "답글은 남습니다", parent_id=str(first.id))
    client.post(f"/forums/posts/{first.id}/delete")
    page = text(client.get(f"/agenda/{item.id}"))
    assert "작성자가 삭제한 글입니다" in page and "지울 글" not in page and "답글은 남습니다" in page
    db.session.refresh(item)
    assert item.comment_count == 1


def test_agree_and_disagree_one_each_and_not_on_hidden_posts(client, db, make, item):
    author, reader, staff = make.user(), make.user(), make.staff()
    login(client, author)
    _post(client, f"agenda-{item.id}", "찬반을 묻습니다")
    post = _posts(db, item)[0]
    client.post("/account/logout")
    login(client, reader)
    for _ in range(2):  # a double click counts once… and the same choice again takes it back
        client.post(f"/forums/posts/{post.id}/react", data={"kind": "agree"})
    db.session.refresh(post)
    assert (post.agree_count, post.disagree_count) == (0, 0)
    client.post(f"/forums/posts/{post.id}/react", data={"kind": "agree"})
    client.post(f"/forums/posts/{post.id}/react", data={"kind": "disagree"})
    db.session.refresh(post)
    assert (post.agree_count, post.disagree_count) == (0, 1)

    from app.forums import moderation

    moderation.hide_post(post, staff, "도배")
    client.post(f"/forums/posts/{post.id}/react", data={"kind": "agree"})
    db.session.refresh(post)
    assert (post.agree_count, post.disagree_count) == (0, 1)
    assert "숨겨지거나 삭제된 글에는 반응할 수 없습니다" in text(client.get(f"/agenda/{item.id}"))


def test_quoting_shows_the_quoted_words_until_that_post_is_hidden(client, db, make, item):
    staff = make.staff()
    login(client, make.user(name="인용당한이"))
    _post(client, f"agenda-{item.id}", "원래 의견입니다")
    original = _posts(db, item)[0]
    client.post("/account/logout")
    login(client, make.user())
    page = text(client.get(f"/agenda/{item.id}?quote={original.id}"))
    assert "인용당한이님의 글을 인용합니다" in page
    _post(client, f"agenda-{item.id}", "저도 같은 생각입니다", quote_id=str(original.id))
    page = text(client.get(f"/agenda/{item.id}"))
    assert "인용당한이님의 글" in page and page.count("원래 의견입니다") == 2

    from app.forums import moderation

    moderation.hide_post(original, staff, "개인정보")
    page = text(client.get(f"/agenda/{item.id}"))
    assert "원래 의견입니다" not in page and "인용한 글은 숨겨지거나 삭제되었습니다" in page


def test_mentions_notify_people_who_can_read_the_thread(client, db, make, item):
    named = make.user(name="이웃 주민")
    login(client, make.user(name="부른이"))
    _post(client, f"agenda-{item.id}", "@이웃주민 님 생각은 어떠세요? @없는사람")
    notes = list(db.session.scalars(select(Notification).where(Notification.user_id == named.id)))
    assert len(notes) == 1 and "부른이님이" in notes[0].message and f"#post-" in notes[0].link


def test_members_only_room_is_closed_to_non_members(client, db, make):
    body = make.body()
    member, outsider = make.user(name="분과 위원"), make.user()
    make.membership(body, member, MemberRole.MEMBER)
    room = f"members-{body.id}"

    login(client, outsider)
    assert client.get(f"/forums/room/{room}").status_code == 404
    assert _post(client, room, "몰래 쓰기").status_code == 404
    assert "위원 전용 토론방으로 가기" not in text(client.get(f"/bodies/{body.id}"))
    client.post("/account/logout")

    login(client, member)
    assert "위원 전용 토론방으로 가기" in text(client.get(f"/bodies/{body.id}"))
    assert _post(client, room, "위원끼리 논의").status_code == 302
    assert "위원끼리 논의" in text(client.get(f"/forums/room/{room}"))
    thread = db.session.scalar(select(Thread).where(Thread.body_id == body.id, Thread.members_only.is_(True)))
    assert thread.kind == "members"


def test_body_page_has_a_public_thread(client, db, make):
    body = make.body()
    login(client, make.user(name="주민 갑"))
    assert _post(client, f"body-{body.id}", "분과에 제안합니다", next=f"/bodies/{body.id}").status_code == 302
    client.post("/account/logout")
    assert "분과에 제안합니다" in text(client.get(f"/bodies/{body.id}"))


def test_unverified_accounts_read_but_do_not_post(client, db, make, item):
    login(client, make.user(verified=False))
    assert "이메일 주소를 확인한 뒤 글을 쓸 수 있습니다" in text(client.get(f"/agenda/{item.id}"))
    response = _post(client, f"agenda-{item.id}", "인증 없이")
    assert response.status_code == 422 and "이메일 주소를 확인한 뒤" in text(response)


def test_drafts_have_no_discussion(client, db, make, item):
    item.stage = "draft"
    db.session.commit()
    login(client, make.user())
    assert _post(client, f"agenda-{item.id}", "초안에 글").status_code == 404


def test_unknown_rooms_and_posts_are_404_not_500(client, db, make):
    login(client, make.user())
    for path in ("/forums/room/agenda-999999", "/forums/room/nonsense", "/forums/room/agenda-1x",
                 "/forums/posts/999999/edit", "/forums/posts/999999/report"):
        assert client.get(path).status_code == 404, path


def test_each_change_is_numbered_in_order_per_thread(client, db, make, item):
    login(client, make.user())
    room = f"agenda-{item.id}"
    for n in range(3):
        _post(client, room, f"글 {n}")
    post = _posts(db, item)[0]
    client.post(f"/forums/posts/{post.id}/edit", data={"body": "글 0 고침"})
    thread = db.session.scalar(select(Thread).where(Thread.agenda_item_id == item.id))
    seqs = list(db.session.scalars(select(ThreadEvent.seq).where(ThreadEvent.thread_id == thread.id).order_by(ThreadEvent.id)))
    assert seqs == [1, 2, 3, 4]
    db.session.refresh(thread)
    assert thread.last_seq == 4


def test_most_discussed_sort_follows_visible_posts(client, db, make, item):
    login(client, make.user())
    for n in range(2):
        _post(client, f"agenda-{item.id}", f"의견 {n}")
    page = text(client.get("/agenda/?sort=discussed"))
    assert item.title in page
    db.session.refresh(item)
    assert item.comment_count == 2


# --- online forums ----------------------------------------------------------------------

def test_online_forum_takes_posts_while_open_and_staff_sum_it_up_after(client, db, make, forum, clock):
    resident = make.user(name="참여 주민")
    login(client, resident)
    page = text(client.get(f"/forums/{forum.id}"))
    assert forum.question in page and "진행 중" in page
    assert _post(client, f"forum-{forum.id}", "거주자 우선 주차를 늘려 주세요").status_code == 302
    assert "골목길 주차" in text(client.get("/forums/"))

    clock.set(forum.closes_at + timedelta(minutes=1))
    response = _post(client, f"forum-{forum.id}", "마감 뒤에 쓴 글")
    assert response.status_code == 422 and "지금은 이 토론에 글을 쓸 수 없습니다" in text(response)
    response = client.post(f"/forums/{forum.id}/summary", data={"summary": "정리"})
    assert response.status_code == 403
    client.post("/account/logout")

    staff = make.staff()
    login(client, staff)
    response = client.post(f"/forums/{forum.id}/summary", data={"summary": "## 요약\n주민 **12명**이 참여했습니다."})
    assert response.status_code == 302
    page = text(client.get(f"/forums/{forum.id}"))
    assert "논의 정리" in page and "<strong>12명</strong>" in page and "마감" in page


def test_forums_cannot_be_summed_up_before_they_close(client, db, make, forum):
    login(client, make.staff())
    response = client.post(f"/forums/{forum.id}/summary", data={"summary": "미리 정리"})
    assert response.status_code == 422 and "마감된 공론장만 정리할 수 있습니다" in text(response)
    db.session.refresh(forum)
    assert forum.summary is None


def test_staff_open_a_forum_with_kst_dates(client, db, make, clock):
    login(client, make.staff())
    response = client.post("/forums/new", data={"title": "어린이 보호구역", "question": "등굣길이 안전한가요?",
                                                 "description": "", "opens_at": "2026-12-01T09:00",
                                                 "closes_at": "2026-11-30T09:00"})
    assert response.status_code == 422 and "마감은 시작보다 늦어야 합니다" in text(response)
    response = client.post("/forums/new", data={"title": "어린이 보호구역", "question": "등굣길이 안전한가요?",
                                                 "description": "", "opens_at": "2026-12-01T09:00",
                                                 "closes_at": "2026-12-15T18:00"})
    assert response.status_code == 302
    from app.forums.models import OnlineForum

    created = db.session.scalar(select(OnlineForum).where(OnlineForum.title == "어린이 보호구역"))
    assert created.opens_at == created.opens_at.replace(hour=0) and created.opens_at.day == 1  # 09:00 KST = 00:00 UTC
    assert client.get("/forums/new").status_code == 200
    client.post("/account/logout")
    login(client, make.user())
    assert client.get("/forums/new").status_code == 403


def test_closing_task_locks_threads_of_closed_forums(client, db, make, forum, clock):
    from app.forums import online

    login(client, make.user())
    _post(client, f"forum-{forum.id}", "마감 전 의견")
    clock.set(forum.closes_at + timedelta(minutes=5))
    assert online.close_due_forums() == 1
    assert online.close_due_forums() == 0  # idempotent
    thread = db.session.scalar(select(Thread).where(Thread.forum_id == forum.id))
    assert thread.locked
    assert "닫힌 토론입니다" in text(client.get(f"/forums/{forum.id}"))
    assert now() > forum.closes_at


def test_the_embeddable_partial_shows_the_thread_of_any_target(app, db, make, item, town_hall, forum):
    """forums/_thread_embed.html with `thread_target` set to an AgendaItem, Event or Body (the events pages use it)."""
    from flask import render_template_string

    from app.forums import services
    from app.forums.targets import Target

    body = make.body()
    author = make.user(name="어디서나")
    for obj, kind in ((item, "agenda"), (town_hall, "event"), (body, "body")):
        services.create_post(Target(kind, obj), author, f"{kind} 스레드의 글")
    with app.test_request_context("/somewhere"):
        html = render_template_string(
            '{% for obj in targets %}{% with thread_target = obj %}{% include "forums/_thread_embed.html" %}'
            '{% endwith %}{% endfor %}', targets=[item, town_hall, body])
    for obj, kind in ((item, "agenda"), (town_hall, "event"), (body, "body")):
        assert f'data-room="{kind}-{obj.id}"' in html and f"{kind} 스레드의 글" in html
    assert html.count("socket.io.min.js") == 1  # the scripts once per page, however many threads


def test_after_replying_the_page_comes_back_without_the_reply_choice(client, db, make, item):
    login(client, make.user())
    _post(client, f"agenda-{item.id}", "부모 글")
    parent = _posts(db, item)[0]
    page = text(client.get(f"/agenda/{item.id}?reply_to={parent.id}&room=agenda-{item.id}"))
    assert f'value="/agenda/{item.id}"' in page and "님의 글에 답글을 씁니다" in page
    response = _post(client, f"agenda-{item.id}", "답글", parent_id=str(parent.id), next=f"/agenda/{item.id}")
    assert response.headers["Location"].startswith(f"/agenda/{item.id}#post-")
