"""The live console of an online town hall: state in the database, pushed on /live after each commit."""
from __future__ import annotations

import contextvars
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.events import services as event_services
from app.events.live.models import Announcement
from app.events.models import Attendance, AttendanceMode, Audience, EventStatus
from app.extensions import socketio
from app.voting.models import RoundStatus, VoteRound
from tests.helpers import audit_rows, text
from tests.meetings.conftest import login

NOW = datetime(2026, 11, 25, 1, 0)  # 10:00 KST


def own(fn, *args, **kwargs):
    """Run a socket call in its own context, as on a server (no shared ``g`` between clients)."""
    return contextvars.Context().run(fn, *args, **kwargs)


@pytest.fixture
def town_hall(db, make, clock):
    clock.set(NOW)
    staff = make.staff(name="진행자")
    event = make.event(title="2027 온라인 타운홀", starts_at=NOW - timedelta(minutes=30), hours=2.5, created_by=staff,
                       online=True)
    event.staff = staff
    return event


def follower(app, make, user=None):
    """A browser following the live room: its HTTP client (logged in when ``user``) and its socket."""
    http = app.test_client()
    if user is not None:
        login(http, user)
    sock = own(socketio.test_client, app, namespace="/live", flask_test_client=http)
    return http, sock


def join(sock, event):
    return own(sock.emit, "join", {"event_id": event.id}, namespace="/live", callback=True)


def states(sock) -> list[dict]:
    return [m["args"][0] for m in own(sock.get_received, "/live") if m["name"] == "state"]


def test_console_is_for_staff_and_event_managers(client, db, make, town_hall):
    login(client, make.user())
    assert client.get(f"/events/{town_hall.id}/console").status_code == 403
    assert client.post(f"/events/{town_hall.id}/console/announcements", data={"notice-text": "몰래"}).status_code == 403
    login(client, town_hall.staff)
    assert client.get(f"/events/{town_hall.id}/console").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Announcement)) == 0


def test_an_event_without_a_live_room_has_no_console(client, db, make, town_hall):
    on_site = make.event(title="현장 행사", starts_at=NOW, hours=1, created_by=town_hall.staff, venue="구청")
    login(client, town_hall.staff)
    assert client.get(f"/events/{on_site.id}/console").status_code == 404
    assert client.get(f"/events/{on_site.id}/live").status_code == 404


def test_an_announcement_reaches_followers_after_the_commit_and_a_reconnect_gets_the_state(app, client, db, make,
                                                                                           town_hall):
    _http, sock = follower(app, make, make.user(name="온라인주민"))
    assert join(sock, town_hall)["ok"] is True
    own(sock.get_received, "/live")
    login(client, town_hall.staff)
    client.post(f"/events/{town_hall.id}/console/segment", data={"segment-title": "2부 · 분과별 사업 설명", "segment-text": "복지건강분과부터"})
    response = client.post(f"/events/{town_hall.id}/console/announcements",
                           data={"notice-text": "10분 뒤 투표를 시작합니다.", "notice-client_token": "a1"})
    assert response.status_code == 302
    pushed = states(sock)
    assert len(pushed) == 2
    assert pushed[-1]["announcements"][0]["text"] == "10분 뒤 투표를 시작합니다."
    assert pushed[-1]["segment"]["title"] == "2부 · 분과별 사업 설명"
    assert pushed[-1]["seq"] > pushed[0]["seq"]
    # A client that reconnects (or arrives late) is sent the whole state when it joins.
    own(sock.disconnect, namespace="/live")
    _http2, again = follower(app, make)
    reply = join(again, town_hall)
    assert reply["ok"] is True
    assert reply["state"]["announcements"][0]["text"] == "10분 뒤 투표를 시작합니다."
    assert reply["state"]["segment"]["text"] == "복지건강분과부터"
    assert reply["state"]["seq"] == pushed[-1]["seq"]
    assert audit_rows("live.announce") and audit_rows("live.segment")


def test_nothing_is_pushed_when_the_change_is_refused(app, client, db, make, town_hall):
    _http, sock = follower(app, make)
    join(sock, town_hall)
    own(sock.get_received, "/live")
    login(client, town_hall.staff)
    response = client.post(f"/events/{town_hall.id}/console/announcements", data={"notice-text": "   ", "notice-client_token": "b"})
    assert response.status_code == 422
    assert states(sock) == []


def test_a_double_posted_announcement_is_stored_once(client, db, town_hall):
    login(client, town_hall.staff)
    for _ in range(2):
        client.post(f"/events/{town_hall.id}/console/announcements", data={"notice-text": "휴식 10분", "notice-client_token": "same"})
    assert db.session.scalar(select(func.count()).select_from(Announcement)) == 1


def test_the_live_page_shows_the_current_state_without_javascript(app, client, db, town_hall):
    login(client, town_hall.staff)
    client.post(f"/events/{town_hall.id}/console/segment", data={"segment-title": "1부 · 인사말", "segment-text": ""})
    client.post(f"/events/{town_hall.id}/console/announcements", data={"notice-text": "자료집은 행사 페이지에 있습니다.", "notice-client_token": "c"})
    page = text(app.test_client().get(f"/events/{town_hall.id}/live"))
    assert "1부 · 인사말" in page and "자료집은 행사 페이지에 있습니다." in page
    assert 'src="/static/js/live.js"' in page
    projector = text(app.test_client().get(f"/events/{town_hall.id}/projector"))
    assert "1부 · 인사말" in projector and "자료집은 행사 페이지에 있습니다." in projector


def test_opening_the_qa_sets_the_flag_and_tells_followers(app, client, db, make, town_hall):
    _http, sock = follower(app, make)
    join(sock, town_hall)
    own(sock.get_received, "/live")
    login(client, town_hall.staff)
    client.post(f"/events/{town_hall.id}/console/qa/open")
    db.session.refresh(town_hall)
    assert town_hall.qa_open is True
    assert states(sock)[-1]["qa_open"] is True
    client.post(f"/events/{town_hall.id}/console/qa/close")
    db.session.refresh(town_hall)
    assert town_hall.qa_open is False
    assert states(sock)[-1]["qa_open"] is False
    # The Q&A widget follows its own /forums room: it was told both times, in order, with replay numbers.
    from app.forums.models import ThreadEvent

    told = db.session.execute(select(ThreadEvent.seq, ThreadEvent.data).where(ThreadEvent.kind == "qa.state")
                              .order_by(ThreadEvent.seq)).all()
    assert [d["open"] for _seq, d in told] == [True, False]


# --- joining and online attendance ----------------------------------------------------------

def _online_attendance(db, event) -> list[Attendance]:
    return list(db.session.scalars(select(Attendance).where(Attendance.event_id == event.id)))


def test_joining_the_live_room_of_a_public_event_counts_a_logged_in_person_once(app, db, make, town_hall):
    person = make.user()
    _http, first = follower(app, make, person)
    assert join(first, town_hall)["counted"] is True
    _http2, second = follower(app, make, person)  # a second tab
    join(second, town_hall)
    rows = _online_attendance(db, town_hall)
    assert [(r.user_id, r.mode) for r in rows] == [(person.id, AttendanceMode.ONLINE)]


def test_an_anonymous_follower_is_not_counted(app, db, make, town_hall):
    _http, sock = follower(app, make)
    reply = join(sock, town_hall)
    assert reply["ok"] is True and reply["counted"] is False
    assert _online_attendance(db, town_hall) == []


def test_before_the_event_joining_does_not_count(app, db, make, town_hall, clock):
    clock.set(NOW - timedelta(hours=5))
    _http, sock = follower(app, make, make.user())
    assert join(sock, town_hall)["counted"] is False
    assert _online_attendance(db, town_hall) == []


def test_for_residents_only_events_only_registrants_count(app, db, make, town_hall, clock):
    town_hall.audience = Audience.VERIFIED_RESIDENTS
    db.session.commit()
    registrant, bystander = make.user(), make.user()
    clock.set(NOW - timedelta(days=1))  # registration closes when the event starts
    registration = event_services.register(town_hall, registrant)
    clock.set(NOW)
    _h1, a = follower(app, make, registrant)
    _h2, b = follower(app, make, bystander)
    assert join(a, town_hall)["counted"] is True
    assert join(b, town_hall)["counted"] is False
    rows = _online_attendance(db, town_hall)
    assert [(r.user_id, r.registration_id) for r in rows] == [(registrant.id, registration.id)]


def test_joining_a_room_one_may_not_follow_is_refused(app, db, make, town_hall):
    draft = make.event(status=EventStatus.DRAFT, title="준비 중 행사", starts_at=NOW, hours=1,
                       created_by=town_hall.staff, online=True)
    _http, sock = follower(app, make, make.user())
    reply = join(sock, draft)
    assert reply["ok"] is False and "볼 수 없습니다" in reply["error"]
    assert join(sock, type("Fake", (), {"id": 999999})())["ok"] is False
    assert _online_attendance(db, draft) == []
    # Refused means not in the room: the draft's console changes never reach this client.
    own(sock.get_received, "/live")
    staff = app.test_client()
    login(staff, town_hall.staff)
    assert staff.post(f"/events/{draft.id}/console/segment", data={"segment-title": "리허설"}).status_code == 302
    assert states(sock) == []


def test_a_follower_is_withdrawn_when_the_event_closes_to_them(app, db, make, town_hall):
    from app import socket_auth

    _http, sock = follower(app, make, make.user())
    assert join(sock, town_hall)["ok"]
    town_hall.body = make.body()
    town_hall.audience = Audience.BODY_MEMBERS  # now for the host body's members only
    db.session.commit()

    def sweep():
        with app.app_context():
            return socket_auth.sweep()

    own(sweep)  # (every socket of the process, other tests' included: assert on this one)
    assert [m["name"] for m in own(sock.get_received, "/live")].count("removed") == 1
    # Out of the room: the console's next change does not reach this follower.
    staff = app.test_client()
    login(staff, town_hall.staff)
    assert staff.post(f"/events/{town_hall.id}/console/segment", data={"segment-title": "위원 전용"}).status_code == 302
    assert states(sock) == []


# --- votes from the console --------------------------------------------------------------------

def test_staff_launch_a_vote_that_attendees_cast_and_the_projector_shows(app, client, db, make, town_hall):
    voter = make.user(name="투표주민")
    http, sock = follower(app, make, voter)
    join(sock, town_hall)  # joining online makes them an attendee
    own(sock.get_received, "/live")
    login(client, town_hall.staff)
    response = client.post(f"/events/{town_hall.id}/console/votes", data={
        "vote-title": "2부 안건 찬반", "vote-question": "청소년 자치공간 사업을 내년에 추진할까요?", "vote-minutes": "10",
        "vote-live_results": "y"})
    assert response.status_code == 302
    round_ = db.session.scalar(select(VoteRound).where(VoteRound.event_id == town_hall.id))
    assert (round_.method, round_.eligibility, round_.status) == ("yes_no", "event_attendees", RoundStatus.OPEN)
    pushed = states(sock)[-1]["vote"]
    assert (pushed["id"], pushed["open"]) == (round_.id, True)
    option = round_.options[0]
    assert http.post(f"/votes/{round_.id}/ballot", data={f"vote-{option.id}": "yes"}).status_code == 200
    outsider = app.test_client()
    login(outsider, make.user())
    refused = outsider.post(f"/votes/{round_.id}/ballot", data={f"vote-{option.id}": "no"})
    assert refused.status_code >= 400  # not checked in on site or online
    projector = text(app.test_client().get(f"/events/{town_hall.id}/projector"))
    assert "2부 안건 찬반" in projector and "투표 1명" in projector
    # One click on 마감 only asks; nothing changes until staff confirm on that page.
    asked = client.post(f"/events/{town_hall.id}/console/votes/{round_.id}/close")
    assert asked.status_code == 200
    assert "투표를 마감할까요?" in text(asked) and "더 이상 투표지를 받지 않습니다" in text(asked)
    assert 'name="confirmed" value="1"' in asked.get_data(as_text=True)
    db.session.refresh(round_)
    assert round_.status is RoundStatus.OPEN
    client.post(f"/events/{town_hall.id}/console/votes/{round_.id}/close", data={"confirmed": "1"})
    db.session.refresh(round_)
    assert round_.status is RoundStatus.CLOSED
    assert states(sock)[-1]["vote"]["status"] == "closed"


def test_a_double_clicked_start_vote_opens_one_vote(client, db, town_hall):
    login(client, town_hall.staff)
    form = {"vote-title": "찬반", "vote-question": "추진할까요?", "vote-minutes": "10", "vote-client_token": "tok-1"}
    assert client.post(f"/events/{town_hall.id}/console/votes", data=form).status_code == 302
    assert client.post(f"/events/{town_hall.id}/console/votes", data=form).status_code == 302
    rounds = db.session.scalars(select(VoteRound).where(VoteRound.event_id == town_hall.id)).all()
    assert len(rounds) == 1 and rounds[0].status is RoundStatus.OPEN and len(rounds[0].options) == 1


def test_a_vote_that_cannot_open_leaves_no_half_made_round(client, db, town_hall, monkeypatch):
    from app.voting import services as voting

    def broken(round_, **kwargs):
        raise voting.ServiceError("열 수 없습니다")

    monkeypatch.setattr(voting, "open_round", broken)
    login(client, town_hall.staff)
    response = client.post(f"/events/{town_hall.id}/console/votes", data={
        "vote-title": "찬반", "vote-question": "추진할까요?", "vote-minutes": "10", "vote-client_token": "tok-2"})
    assert response.status_code == 422 and "열 수 없습니다" in text(response)
    assert db.session.scalar(select(func.count()).select_from(VoteRound)
                             .where(VoteRound.event_id == town_hall.id)) == 0  # no stray draft on the console


def test_a_secretary_runs_the_console_but_only_leaders_start_votes(client, db, make, town_hall):
    from app.bodies.models import MemberRole

    body = make.body()
    secretary, chair = make.user(name="간사"), make.user(name="위원장")
    make.membership(body, secretary, MemberRole.SECRETARY)
    make.membership(body, chair, MemberRole.CHAIR)
    town_hall.body_id = body.id
    db.session.commit()
    form = {"vote-title": "찬반", "vote-question": "추진할까요?", "vote-minutes": "10"}
    login(client, secretary)
    console = text(client.get(f"/events/{town_hall.id}/console"))
    assert "바로 묻기" not in console  # the console is theirs, but a vote is for those who can also close it
    refused = client.post(f"/events/{town_hall.id}/console/votes", data=form)
    assert refused.status_code == 403 and "투표를 시작할 권한이 없습니다" in text(refused)
    assert db.session.scalar(select(func.count()).select_from(VoteRound)) == 0
    client.post("/account/logout")
    login(client, chair)
    assert client.post(f"/events/{town_hall.id}/console/votes", data=form).status_code == 302
    round_ = db.session.scalar(select(VoteRound).where(VoteRound.event_id == town_hall.id))
    assert client.post(f"/events/{town_hall.id}/console/votes/{round_.id}/close",
                       data={"confirmed": "1"}).status_code == 302
    db.session.refresh(round_)
    assert round_.status is RoundStatus.CLOSED  # the one who started it can close it


def test_a_vote_of_another_event_cannot_be_driven_from_this_console(client, db, make, town_hall):
    other = make.event(title="다른 행사", starts_at=NOW, hours=1, created_by=town_hall.staff, online=True)
    round_ = make.vote_round("yes_no", status=RoundStatus.DRAFT, options=(), actor=town_hall.staff, title="다른 투표",
                             event=other)
    login(client, town_hall.staff)
    response = client.post(f"/events/{town_hall.id}/console/votes/{round_.id}/open")
    assert response.status_code == 422
    assert "이 행사의 투표가 아닙니다" in text(response)
    db.session.refresh(round_)
    assert round_.status is RoundStatus.DRAFT


# --- trust in the verdict ----------------------------------------------------------------------

def _check_in(db, make, event, n):
    people = [make.user(name=f"참석{i}") for i in range(n)]
    db.session.add_all(Attendance(event_id=event.id, user_id=p.id, mode=AttendanceMode.ON_SITE) for p in people)
    db.session.commit()
    return people


def _quick_vote(client, event, title, **extra):
    response = client.post(f"/events/{event.id}/console/votes", data={
        "vote-title": title, "vote-question": f"{title}: 추진할까요?", "vote-minutes": "10", **extra})
    assert response.status_code == 302, text(response)
    return response


def test_one_ballot_of_twenty_attendees_does_not_pass_a_quick_vote(app, client, db, make, town_hall):
    people = _check_in(db, make, town_hall, 20)
    login(client, town_hall.staff)
    assert "지금 체크인한 참석자: 20명" in text(client.get(f"/events/{town_hall.id}/console"))  # staff see the base
    _quick_vote(client, town_hall, "바로 묻기")
    round_ = db.session.scalar(select(VoteRound).where(VoteRound.event_id == town_hall.id))
    assert round_.eligible_count == 20  # the quorum's base: those checked in when it opened
    _check_in(db, make, town_hall, 3)  # latecomers may vote, but the base stays as it was frozen
    voter = app.test_client()
    login(voter, people[0])
    assert voter.post(f"/votes/{round_.id}/ballot", data={f"vote-{round_.options[0].id}": "yes"}).status_code == 200
    assert "재적 20명" in text(client.get(f"/events/{town_hall.id}/console"))
    for action in ("close", "tally", "publish"):
        assert client.post(f"/events/{town_hall.id}/console/votes/{round_.id}/{action}",
                           data={"confirmed": "1"}).status_code == 302
    public = app.test_client()
    for url in (f"/votes/{round_.id}/results", f"/votes/{round_.id}/projector", f"/events/{town_hall.id}/projector"):
        page = text(public.get(url))
        assert "부결" in page and "가결" not in page.replace("가결되지", ""), url
        assert "재적 20명" in page and "출석(투표) 1명" in page and "찬성" in page, url
        assert "의결정족수에 미달했으므로 부결되었습니다" in page, url


def test_a_quick_vote_keeps_its_results_hidden_unless_staff_choose_otherwise(client, db, town_hall):
    login(client, town_hall.staff)
    console = text(client.get(f"/events/{town_hall.id}/console"))
    checkbox = console[console.index('id="vote-live_results"') - 200:console.index('id="vote-live_results"') + 100]
    assert "checked" not in checkbox
    _quick_vote(client, town_hall, "기본값")
    round_ = db.session.scalar(select(VoteRound).where(VoteRound.event_id == town_hall.id))
    assert round_.live_results is False


def test_the_projectors_and_live_page_show_no_verdict_before_it_is_published(app, client, db, make, town_hall,
                                                                            monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_RESULTS_BATCH", 1)
    people = _check_in(db, make, town_hall, 3)
    login(client, town_hall.staff)
    _quick_vote(client, town_hall, "중간 집계", **{"vote-live_results": "y"})
    round_ = db.session.scalar(select(VoteRound).where(VoteRound.event_id == town_hall.id))
    for person in people[:2]:
        voter = app.test_client()
        login(voter, person)
        voter.post(f"/votes/{round_.id}/ballot", data={f"vote-{round_.options[0].id}": "yes"})
    public = app.test_client()
    projector = text(public.get(f"/events/{town_hall.id}/projector"))
    assert "중간 집계" in projector and "가결" not in projector  # counts while open, as staff chose; no verdict
    client.post(f"/events/{town_hall.id}/console/votes/{round_.id}/close", data={"confirmed": "1"})
    client.post(f"/events/{town_hall.id}/console/votes/{round_.id}/tally", data={"confirmed": "1"})
    staff_screen = text(client.get(f"/events/{town_hall.id}/projector"))  # staff logged in on the hall's computer
    assert "가결" not in staff_screen and "찬성" not in staff_screen
    assert "가결" not in text(public.get(f"/events/{town_hall.id}/projector"))
    assert "가결" not in text(public.get(f"/votes/{round_.id}/results"))
    _http, sock = follower(app, make)
    assert join(sock, town_hall)["state"]["vote"]["results"] is False  # no "see the results" link yet
    assert 'href="/votes/%d/results"' % round_.id not in text(public.get(f"/events/{town_hall.id}/live"))
    client.post(f"/events/{town_hall.id}/console/votes/{round_.id}/publish", data={"confirmed": "1"})
    assert "가결" in text(public.get(f"/events/{town_hall.id}/projector"))
    assert join(sock, town_hall)["state"]["vote"]["results"] is True


def test_every_open_vote_of_the_event_stays_on_the_live_page(app, client, db, make, town_hall):
    login(client, town_hall.staff)
    _quick_vote(client, town_hall, "첫째 투표", **{"vote-client_token": "t1"})
    _quick_vote(client, town_hall, "둘째 투표", **{"vote-client_token": "t2"})
    first, second = db.session.scalars(select(VoteRound).where(VoteRound.event_id == town_hall.id)
                                       .order_by(VoteRound.id)).all()
    page = text(app.test_client().get(f"/events/{town_hall.id}/live"))
    assert "첫째 투표" in page and "둘째 투표" in page
    assert f'href="/votes/{first.id}"' in page and f'href="/votes/{second.id}"' in page
    _http, sock = follower(app, make)
    votes = join(sock, town_hall)["state"]["votes"]
    assert [(v["id"], v["open"]) for v in votes] == [(second.id, True), (first.id, True)]  # the one on screen first
