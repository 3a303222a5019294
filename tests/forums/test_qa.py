"""Town-hall live Q&A: ask while open, one upvote each, staff mark answered or hide, a live re-sorted list,
and questions shown to the public without the asker's name when they ask so."""
from __future__ import annotations

from sqlalchemy import func, select

from app.events.models import Audience
from app.forums import qa
from app.forums.models import Question, QuestionVote
from tests.forums.conftest import call, login, received
from tests.helpers import audit_rows, text


def _ask(client, event, body, **extra):
    return client.post(f"/forums/events/{event.id}/qa", data={"qa-body": body, **extra})


def test_participants_ask_and_everyone_sees_the_question_live(app, client, db, make, town_hall, sockets):
    asker = make.user(name="질문하는 주민")
    login(client, asker)
    audience = sockets()
    call(audience, "join", {"room": f"event-{town_hall.id}", "last_seq": 0})
    sio = sockets(client)
    reply = call(sio, "qa_ask", {"event_id": town_hall.id, "body": "예산은 언제 확정되나요?", "client_id": "q1"})
    assert reply["ok"]
    events = received(audience)
    assert [e["type"] for e in events] == ["question.created"]
    assert events[0]["question"]["author"] == "질문하는 주민" and events[0]["question"]["body"] == "예산은 언제 확정되나요?"
    again = call(sio, "qa_ask", {"event_id": town_hall.id, "body": "예산은 언제 확정되나요?", "client_id": "q1"})
    assert again["question_id"] == reply["question_id"]  # a retry stores one question
    assert db.session.scalar(select(func.count()).select_from(Question)) == 1


def test_a_question_can_be_asked_without_the_askers_name(app, client, db, make, town_hall, sockets):
    asker, staff = make.user(name="수줍은 주민"), make.staff(name="진행자")
    login(client, asker)
    audience = sockets()
    call(audience, "join", {"room": f"event-{town_hall.id}", "last_seq": 0})
    assert _ask(client, town_hall, "익명으로 묻습니다", **{"qa-anonymous": "y"}).status_code == 302
    event = received(audience)[0]
    assert event["question"]["author"] is None and "수줍은" not in str(event)
    client.post("/account/logout")
    public = text(client.get(f"/forums/events/{town_hall.id}/qa"))
    assert "익명으로 묻습니다" in public and "익명" in public and "수줍은 주민" not in public
    login(client, staff)
    assert "수줍은 주민" in text(client.get(f"/forums/events/{town_hall.id}/qa"))  # staff still know who asked


def test_asking_only_while_the_qa_is_open(client, db, make, town_hall):
    town_hall.qa_open = False
    db.session.commit()
    login(client, make.user())
    response = _ask(client, town_hall, "닫혔을 때 질문")
    assert response.status_code == 422 and "지금은 질문을 받지 않습니다" in text(response)
    assert db.session.scalar(select(func.count()).select_from(Question)) == 0


def test_bad_questions_are_refused_with_a_message(client, db, make, town_hall):
    login(client, make.user())
    assert "질문을 적어 주세요" in text(_ask(client, town_hall, ""))
    response = _ask(client, town_hall, "가" * 301)
    assert response.status_code == 422 and "300자까지" in text(response)


def test_one_upvote_each_and_the_list_resorts(app, client, db, make, town_hall, sockets):
    asker = make.user()
    first = qa.ask(town_hall, asker, "먼저 올라온 질문")
    second = qa.ask(town_hall, asker, "나중에 올라온 질문")
    voters = [make.user() for _ in range(2)]
    watcher = sockets()
    call(watcher, "join", {"room": f"event-{town_hall.id}", "last_seq": 2})
    for voter in voters:
        c = app.test_client()
        login(c, voter)
        sio = sockets(c)
        assert call(sio, "qa_vote", {"question_id": second.id})["votes"] >= 1
    c = app.test_client()
    login(c, voters[0])
    for _ in range(2):  # the same person again: no second vote (the web form toggles; still never two rows)
        c.post(f"/forums/questions/{second.id}/vote")
    assert db.session.scalar(select(func.count()).select_from(QuestionVote)
                             .where(QuestionVote.question_id == second.id)) == 2
    assert [e["question"]["votes"] for e in received(watcher)] == [1, 2, 1, 2]
    order = [q.body for q in qa.questions(town_hall)]
    assert order == ["나중에 올라온 질문", "먼저 올라온 질문"]
    page = text(client.get(f"/forums/events/{town_hall.id}/qa"))
    assert page.index("나중에 올라온 질문") < page.index("먼저 올라온 질문")
    login(client, asker)
    assert "자기 질문에는 공감할 수 없습니다" in text(client.post(f"/forums/questions/{first.id}/vote",
                                                              follow_redirects=True))


def test_staff_mark_answered_or_hide_and_the_room_follows(app, client, db, make, town_hall, sockets):
    staff = make.staff()
    asker = make.user()
    kept = qa.ask(town_hall, asker, "답변할 질문")
    gone = qa.ask(town_hall, asker, "광고성 질문")
    watcher = sockets()
    call(watcher, "join", {"room": f"event-{town_hall.id}", "last_seq": 2})
    login(client, staff)
    sio = sockets(client)
    assert call(sio, "qa_mark", {"question_id": kept.id, "action": "answered"})["ok"]
    assert call(sio, "qa_mark", {"question_id": gone.id, "action": "hide", "reason": ""})["error"] == "사유를 적어 주세요."
    client.post(f"/forums/questions/{gone.id}/mark", data={"action": "hide", "reason": "광고"})
    events = received(watcher)
    assert [e["type"] for e in events] == ["question.answered", "question.hidden"]
    assert "body" not in events[1]["question"]
    assert [a.action for a in audit_rows("forums.qa_answered") + audit_rows("forums.qa_hide")] == [
        "forums.qa_answered", "forums.qa_hide"]
    client.post("/account/logout")
    public = text(client.get(f"/forums/events/{town_hall.id}/qa"))
    assert "광고성 질문" not in public and "답변 완료" in public
    assert [q.body for q in qa.questions(town_hall)] == ["답변할 질문"]


def test_residents_cannot_mark_questions(app, client, db, make, town_hall, sockets):
    question = qa.ask(town_hall, make.user(), "질문")
    login(client, make.user())
    sio = sockets(client)
    assert call(sio, "qa_mark", {"question_id": question.id, "action": "answered"}) == {
        "error": "이 작업을 할 수 있는 권한이 없습니다."}
    assert client.post(f"/forums/questions/{question.id}/mark", data={"action": "hide", "reason": "x"}).status_code == 403
    db.session.refresh(question)
    assert question.state == "open"


def test_members_only_town_hall_keeps_its_qa_to_its_audience(app, client, db, make, town_hall, sockets):
    body = make.body()
    town_hall.audience, town_hall.body_id = Audience.BODY_MEMBERS, body.id
    db.session.commit()
    login(client, make.user())
    assert client.get(f"/forums/events/{town_hall.id}/qa").status_code == 404
    sio = sockets(client)
    assert call(sio, "qa_ask", {"event_id": town_hall.id, "body": "들어가도 되나요", "client_id": "z"}) == {
        "error": "행사를 찾을 수 없습니다."}
    # Nor through the event's discussion room, which carries the questions and their askers.
    assert call(sio, "join", {"room": f"event-{town_hall.id}", "last_seq": 0}) == {"error": "이 토론을 볼 수 없습니다."}
    assert call(sio, "post", {"room": f"event-{town_hall.id}", "body": "외부인 글", "client_id": "y"}).get("error")
