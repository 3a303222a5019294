"""Body meetings: scheduling with an agenda, roll call and quorum, decisions per item, minutes."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.agenda.models import StageMove
from app.bodies.meetings.models import BodyMeeting, MeetingDecision, Minutes, RollCallEntry
from app.bodies.meetings.quorum import QUORUM_RULES, Quorum
from app.events.models import Attendance, AttendanceMode, EventKind, EventStatus
from app.notifications import Notification
from app.utils import today
from app.voting.models import RoundStatus, VoteRound
from tests.helpers import audit_rows, text
from tests.meetings.conftest import login


AFTER_THE_MEETING = datetime(2026, 11, 25, 8, 0)  # 17:00 KST, the meeting ran 14:00-16:00


def _roll_call(client, committee, meeting, present, as_user=None):
    login(client, as_user or committee.chair)
    return client.post(committee.url(meeting, "/roll-call"), data={"present": [str(u.id) for u in present]})


def _decide(client, committee, meeting, item, outcome, reason="", as_user=None, confirmed=True, **extra):
    login(client, as_user or committee.chair)
    prefix = f"item{item.id}-"
    data = {prefix + "outcome": outcome, prefix + "reason": reason, prefix + "vote_minutes": "30",
            prefix + "expected_version": str(item.version)}
    if confirmed:
        data["confirmed"] = "1"
    data.update({prefix + k: v for k, v in extra.items()})
    return client.post(committee.url(meeting, f"/items/{item.id}/decide"), data=data)


# --- scheduling ---------------------------------------------------------------------------

def test_chair_schedules_a_meeting_with_its_agenda_and_members_are_told(client, db, committee):
    meeting = committee.schedule(client, items=[committee.items[0], committee.items[2]])
    event = meeting.event
    assert event.kind is EventKind.BODY_MEETING and event.body_id == committee.body.id
    assert event.status is EventStatus.PUBLISHED
    assert [e.item.title for e in meeting.agenda] == ["안건 1", "안건 3"]
    told = {n.user_id for n in db.session.scalars(select(Notification).where(Notification.message.contains("회의가")))}
    assert told == {u.id for u in committee.counting} - {committee.chair.id}  # the observer is not a member who counts
    page = text(client.get(committee.url(meeting)))
    assert "제5차 복지건강분과 회의" in page and "안건 3" in page


def test_a_double_submitted_schedule_form_makes_one_meeting(client, db, committee):
    first = committee.schedule(client, token="same")
    second = committee.schedule(client, token="same")
    assert first.event_id == second.event_id
    assert db.session.scalar(select(func.count()).select_from(BodyMeeting)) == 1


def test_agenda_can_be_reordered_extended_and_trimmed(client, db, committee):
    meeting = committee.schedule(client, items=committee.items[:2])
    extra = committee.item("추가 안건")
    client.post(committee.url(meeting, "/agenda"), data={"agenda_item_id": str(extra.id)})
    client.post(committee.url(meeting, f"/agenda/{extra.id}/up"))
    client.post(committee.url(meeting, f"/agenda/{committee.items[0].id}/remove"))
    db.session.expire_all()
    assert [e.item.title for e in db.session.get(BodyMeeting, meeting.event_id).agenda] == ["추가 안건", "안건 2"]


def test_only_officers_and_staff_schedule_meetings(client, db, committee):
    login(client, committee.members[0])
    assert client.get(f"/bodies/{committee.body.id}/meetings/new").status_code == 403
    login(client, committee.staff)
    assert client.get(f"/bodies/{committee.body.id}/meetings/new").status_code == 200


def test_an_item_the_body_does_not_hold_cannot_go_on_the_agenda(client, db, committee):
    elsewhere = committee.item("다른 기구 의제")
    elsewhere.body_id = None
    db.session.commit()
    login(client, committee.chair)
    response = client.post(f"/bodies/{committee.body.id}/meetings/new", data={
        "title": "회의", "day": today().isoformat(), "start_time": "14:00", "end_time": "15:00", "venue": "회의실",
        "quorum_rule": "majority", "agenda_item_ids": [str(elsewhere.id)], "client_token": "x"})
    assert response.status_code == 422
    assert "이 기구가 다루는 의제만" in text(response)
    assert db.session.scalar(select(func.count()).select_from(BodyMeeting)) == 0


# --- quorum rules ---------------------------------------------------------------------------

@pytest.mark.parametrize("rule, members, required", [
    ("majority", 5, 3), ("majority", 6, 4), ("majority", 1, 1), ("half", 6, 3), ("half", 5, 3),
    ("two_thirds", 6, 4), ("two_thirds", 7, 5),
])
def test_quorum_rules_count_the_members_who_must_be_present(rule, members, required):
    assert QUORUM_RULES[rule].required(members) == required
    assert Quorum(QUORUM_RULES[rule], members, required, taken=True).met
    assert not Quorum(QUORUM_RULES[rule], members, required - 1, taken=True).met


def test_a_body_without_members_never_has_a_quorum():
    assert not Quorum(QUORUM_RULES["majority"], 0, 0, taken=True).met


# --- roll call ---------------------------------------------------------------------------------

def test_roll_call_of_current_members_gives_quorum_and_counts_attendance(client, db, committee):
    meeting = committee.schedule(client)
    response = _roll_call(client, committee, meeting, committee.counting[:3])
    assert response.status_code == 302
    entries = db.session.scalars(select(RollCallEntry).where(RollCallEntry.event_id == meeting.event_id)).all()
    assert len(entries) == 5  # the observer does not count
    assert committee.observer.id not in {e.user_id for e in entries}
    assert sum(e.present for e in entries) == 3
    attendance = db.session.scalars(select(Attendance).where(Attendance.event_id == meeting.event_id)).all()
    assert {a.user_id for a in attendance} == {u.id for u in committee.counting[:3]}
    assert {a.mode for a in attendance} == {AttendanceMode.ON_SITE}
    page = text(client.get(committee.url(meeting)))
    assert "재적 5명 중 3명 출석" in page and "정족수 충족" in page


def test_a_late_arrival_is_added_by_calling_the_roll_again_and_counted_once(client, db, committee):
    meeting = committee.schedule(client)
    _roll_call(client, committee, meeting, committee.counting[:2])
    _roll_call(client, committee, meeting, committee.counting[:3])
    _roll_call(client, committee, meeting, committee.counting[:3])
    assert db.session.scalar(select(func.count()).select_from(Attendance)
                             .where(Attendance.event_id == meeting.event_id)) == 3
    db.session.expire_all()
    assert sum(e.present for e in db.session.get(BodyMeeting, meeting.event_id).roll_call) == 3


def test_roll_call_by_someone_who_is_not_an_officer_is_refused_and_records_nothing(client, db, committee):
    meeting = committee.schedule(client)
    response = _roll_call(client, committee, meeting, committee.counting, as_user=committee.members[0])
    assert response.status_code == 403
    assert "출석 확인은 기구의 위원장·공동위원장·간사나 협치지원관만" in text(response)
    assert db.session.scalar(select(func.count()).select_from(RollCallEntry)) == 0
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0


def test_the_secretary_and_staff_may_call_the_roll(client, db, committee):
    meeting = committee.schedule(client)
    assert _roll_call(client, committee, meeting, committee.counting[:3], as_user=committee.secretary).status_code == 302
    assert _roll_call(client, committee, meeting, committee.counting[:4], as_user=committee.staff).status_code == 302
    assert len(audit_rows("meeting.roll_call")) == 2


def test_roll_call_with_someone_who_is_not_a_member_is_refused(client, db, committee):
    meeting = committee.schedule(client)
    response = _roll_call(client, committee, meeting, [committee.chair, committee.observer])
    assert response.status_code == 422
    assert "현재 위원이 아닌 사람" in text(response)
    assert db.session.scalar(select(func.count()).select_from(RollCallEntry)) == 0


def test_roll_call_waits_for_the_meeting_day(client, db, committee):
    meeting = committee.schedule(client, day=today() + timedelta(days=3))
    response = _roll_call(client, committee, meeting, committee.counting)
    assert response.status_code == 422
    assert "회의 당일부터" in text(response)


def test_roll_call_is_taken_only_while_check_in_is_open(client, db, committee, clock):
    meeting = committee.schedule(client)  # 14:00-16:00 KST today
    clock.set(datetime(2026, 11, 25, 1, 0))  # 10:00 KST: the meeting day, but check-in opens at 13:00
    early = _roll_call(client, committee, meeting, committee.counting)
    assert early.status_code == 422 and "2026-11-25 13:00부터" in text(early)
    clock.set(AFTER_THE_MEETING)
    late = _roll_call(client, committee, meeting, committee.counting)
    assert late.status_code == 422 and "입장 확인이 마감되었습니다" in text(late)
    assert db.session.scalar(select(func.count()).select_from(RollCallEntry)) == 0
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0


# --- decisions ---------------------------------------------------------------------------------

def test_a_decision_without_quorum_is_refused_and_changes_nothing(client, db, committee):
    meeting = committee.schedule(client)
    item = committee.items[0]
    _roll_call(client, committee, meeting, committee.counting[:2])  # 2 of 5: a majority needs 3
    moves_before = db.session.scalar(select(func.count()).select_from(StageMove))
    response = _decide(client, committee, meeting, item, "advance", reason="필요성 인정")
    assert response.status_code == 422
    assert "의사정족수가 차지 않아 결정할 수 없습니다" in text(response)
    assert "재적 5명 중 3명 이상" in text(response) and "지금 2명 출석" in text(response)
    db.session.expire_all()
    assert item.stage == "subcommittee"
    assert db.session.scalar(select(func.count()).select_from(MeetingDecision)) == 0
    assert db.session.scalar(select(func.count()).select_from(StageMove)) == moves_before


def test_a_decision_before_the_roll_call_is_refused(client, db, committee):
    meeting = committee.schedule(client)
    response = _decide(client, committee, meeting, committee.items[0], "advance")
    assert response.status_code == 422
    assert "출석을 먼저 확인해 주세요" in text(response)


def test_with_quorum_the_meeting_moves_an_item_up_through_the_agenda_services(client, db, committee):
    meeting = committee.schedule(client)
    item = committee.items[0]
    _roll_call(client, committee, meeting, committee.counting[:3])
    response = _decide(client, committee, meeting, item, "advance", reason="분과 검토를 마쳐 실무협의회로 올립니다.")
    assert response.status_code == 302
    db.session.expire_all()
    assert item.stage == "working_council"
    assert item.body_id == committee.body.parent_id
    move = db.session.scalars(select(StageMove).where(StageMove.item_id == item.id)
                              .order_by(StageMove.id.desc())).first()
    assert (move.decision_type, move.to_stage, move.body_id, move.actor_id) == (
        "meeting_decision", "working_council", committee.body.id, committee.chair.id)
    assert move.minutes_ref.endswith(committee.url(meeting))
    decision = db.session.scalar(select(MeetingDecision))
    assert (decision.outcome, decision.present_count, decision.member_count) == ("advance", 3, 5)
    assert decision.decided_by_id == committee.chair.id
    page = text(client.get(committee.url(meeting)))
    assert "가결: 다음 단계로 올림" in page and "재적 5명 중 3명 출석" in page
    timeline = text(client.get(f"/agenda/{item.id}"))
    assert "분과 검토를 마쳐 실무협의회로 올립니다." in timeline


def test_an_item_is_decided_once_per_meeting(client, db, committee):
    meeting = committee.schedule(client)
    item = committee.items[0]
    _roll_call(client, committee, meeting, committee.counting[:3])
    _decide(client, committee, meeting, item, "hold", reason="자료 보완")
    db.session.expire_all()
    again = _decide(client, committee, meeting, item, "reject", reason="다시")
    assert again.status_code == 409
    assert "이미 결정했습니다" in text(again)
    db.session.expire_all()
    assert item.stage == "on_hold"


def test_rejecting_needs_a_reason(client, db, committee):
    meeting = committee.schedule(client)
    _roll_call(client, committee, meeting, committee.counting[:3])
    # Told at once, before any confirmation step.
    response = _decide(client, committee, meeting, committee.items[0], "reject", reason="", confirmed=False)
    assert response.status_code == 422
    assert "사유를 적어 주세요" in text(response)
    assert db.session.scalar(select(func.count()).select_from(MeetingDecision)) == 0


def test_a_decision_is_recorded_only_after_the_chair_confirms_it(client, db, committee):
    meeting = committee.schedule(client)
    item = committee.items[0]
    _roll_call(client, committee, meeting, committee.counting[:3])
    asked = _decide(client, committee, meeting, item, "reject", reason="예산 중복", confirmed=False)
    assert asked.status_code == 200
    page = text(asked)
    assert "이 안건을 결정할까요?" in page and "부결: 반려" in page and "예산 중복" in page and item.title in page
    assert "의제 이력에 공개됩니다" in page
    html = asked.get_data(as_text=True)
    assert f'name="item{item.id}-outcome" value="reject"' in html and 'name="confirmed" value="1"' in html
    db.session.expire_all()
    assert item.stage == "subcommittee"
    assert db.session.scalar(select(func.count()).select_from(MeetingDecision)) == 0
    assert _decide(client, committee, meeting, item, "reject", reason="예산 중복").status_code == 302
    db.session.expire_all()
    assert item.stage == "rejected"


def test_publishing_minutes_asks_first(client, db, committee, clock):
    meeting = committee.schedule(client)
    _save_minutes(client, committee, meeting, "회의 내용")
    clock.set(AFTER_THE_MEETING)
    minutes = db.session.get(Minutes, meeting.event_id)
    asked = client.post(committee.url(meeting, "/minutes/publish"), data={"expected_version": minutes.version})
    assert asked.status_code == 200
    assert "회의록을 공개할까요?" in text(asked) and "본문은 더 이상 고칠 수 없습니다" in text(asked)
    db.session.expire_all()
    assert not db.session.get(Minutes, meeting.event_id).is_published
    assert not audit_rows("minutes.publish")


def test_a_member_who_is_not_an_officer_cannot_record_decisions(client, db, committee):
    meeting = committee.schedule(client)
    _roll_call(client, committee, meeting, committee.counting[:3])
    response = _decide(client, committee, meeting, committee.items[0], "advance", as_user=committee.members[0])
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(MeetingDecision)) == 0


def test_putting_an_item_to_a_vote_opens_a_yes_no_round_for_the_members(client, db, committee):
    meeting = committee.schedule(client)
    item = committee.items[1]
    _roll_call(client, committee, meeting, committee.counting[:4])
    response = _decide(client, committee, meeting, item, "vote", vote_minutes="20")
    assert response.status_code == 302
    round_ = db.session.scalar(select(VoteRound).where(VoteRound.event_id == meeting.event_id))
    assert (round_.method, round_.eligibility, round_.body_id, round_.status) == (
        "yes_no", "body_members", committee.body.id, RoundStatus.OPEN)
    assert round_.eligible_count == 5  # the members frozen at opening; the observer does not vote
    assert [o.agenda_item_id for o in round_.options] == [item.id]
    decision = db.session.scalar(select(MeetingDecision))
    assert decision.vote_round_id == round_.id and decision.outcome == "vote"
    # A member votes on it; the item moves only when the result is published.
    login(client, committee.members[0])
    option = round_.options[0]
    cast = client.post(f"/votes/{round_.id}/ballot", data={f"vote-{option.id}": "yes"})
    assert cast.status_code == 200
    db.session.expire_all()
    assert item.stage == "subcommittee"


# --- minutes -----------------------------------------------------------------------------------

def _save_minutes(client, committee, meeting, body, version=""):
    return client.post(committee.url(meeting, "/minutes/edit"), data={"body_md": body, "expected_version": version})


def test_minutes_start_from_what_the_meeting_recorded(client, db, committee):
    meeting = committee.schedule(client)
    _roll_call(client, committee, meeting, committee.counting[:3])
    _decide(client, committee, meeting, committee.items[0], "advance", reason="필요성 인정")
    page = text(client.get(committee.url(meeting, "/minutes/edit")))
    assert "재적 5명 중 3명" in page and "김위원장" in page and "가결: 다음 단계로 올림" in page


def test_draft_minutes_are_for_officers_and_staff_and_published_minutes_for_everyone(client, app, db, committee, clock):
    meeting = committee.schedule(client)
    assert _save_minutes(client, committee, meeting, "## 논의\n\n돌봄 사업을 **우선** 검토했습니다.").status_code == 302
    minutes_url = committee.url(meeting, "/minutes")
    assert "<strong>우선</strong>" in text(client.get(minutes_url))
    login(client, committee.staff)
    assert client.get(minutes_url).status_code == 200
    login(client, committee.members[0])
    assert client.get(minutes_url).status_code == 404
    visitor = app.test_client()
    assert visitor.get(minutes_url).status_code == 404
    assert minutes_url not in text(visitor.get(f"/bodies/{committee.body.id}"))

    login(client, committee.chair)
    version = db.session.get(Minutes, meeting.event_id).version
    early = client.post(committee.url(meeting, "/minutes/publish"), data={"expected_version": version})
    assert early.status_code == 422 and "회의가 시작된 뒤에" in text(early)
    clock.set(AFTER_THE_MEETING)
    assert client.post(committee.url(meeting, "/minutes/publish"),
                       data={"expected_version": version, "confirmed": "1"}).status_code == 302
    body_page = text(visitor.get(f"/bodies/{committee.body.id}"))
    assert minutes_url in body_page
    public = visitor.get(minutes_url)
    assert public.status_code == 200 and "<strong>우선</strong>" in text(public)
    assert audit_rows("minutes.publish")
    told = db.session.scalars(select(Notification).where(Notification.message.contains("회의록이 공개"))).all()
    assert {n.user_id for n in told} == {u.id for u in committee.counting} - {committee.chair.id}


def test_published_minutes_are_locked_and_corrections_are_appended(client, db, committee, clock):
    meeting = committee.schedule(client)
    _save_minutes(client, committee, meeting, "원래 내용")
    clock.set(AFTER_THE_MEETING)
    minutes = db.session.get(Minutes, meeting.event_id)
    client.post(committee.url(meeting, "/minutes/publish"), data={"expected_version": minutes.version, "confirmed": "1"})
    edit = _save_minutes(client, committee, meeting, "바꾼 내용", version=str(minutes.version + 1))
    assert edit.status_code == 302 and edit.headers["Location"].endswith("/minutes#correction")
    assert "공개된 회의록은 고칠 수 없습니다" in text(client.get(edit.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(Minutes, meeting.event_id).body_md == "원래 내용"
    from app.bodies.meetings import services
    from app.errors import Conflict

    with pytest.raises(Conflict):
        services.save_minutes(db.session.get(BodyMeeting, meeting.event_id), "바꾼 내용", actor=committee.chair,
                              expected_version=None)
    response = client.post(committee.url(meeting, "/minutes/corrections"), data={"text_md": "참석 인원 3명을 4명으로 바로잡습니다."})
    assert response.status_code == 302
    page = text(client.get(committee.url(meeting, "/minutes")))
    assert "원래 내용" in page and "참석 인원 3명을 4명으로 바로잡습니다." in page and "김위원장" in page


def test_two_editors_at_once_cannot_overwrite_each_other(client, db, committee):
    meeting = committee.schedule(client)
    _save_minutes(client, committee, meeting, "첫 초안")
    version = db.session.get(Minutes, meeting.event_id).version
    assert _save_minutes(client, committee, meeting, "간사의 수정", version=str(version)).status_code == 302
    stale = _save_minutes(client, committee, meeting, "위원장의 수정", version=str(version))
    assert stale.status_code == 409
    assert "다른 사람이 그사이 회의록을 고쳤습니다" in text(stale)
    db.session.expire_all()
    assert db.session.get(Minutes, meeting.event_id).body_md == "간사의 수정"


def test_minutes_are_sanitized(client, db, committee):
    meeting = committee.schedule(client)
    _save_minutes(client, committee, meeting,
                  "<script>alert(1)</script>\n\n[누르기](javascript:alert(1))\n\n<img src=x onerror=alert(1)>\n\n# 안건")
    html = db.session.get(Minutes, meeting.event_id).body_html
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "<h2>안건</h2>" in html  # headings sit under the page's own title


def test_only_officers_write_minutes(client, db, committee):
    meeting = committee.schedule(client)
    login(client, committee.members[0])
    assert client.get(committee.url(meeting, "/minutes/edit")).status_code == 403
    assert _save_minutes(client, committee, meeting, "몰래 쓰기").status_code == 403
    assert db.session.get(Minutes, meeting.event_id) is None


def test_the_body_page_lists_its_meetings(client, app, db, committee):
    meeting = committee.schedule(client)
    page = text(app.test_client().get(f"/bodies/{committee.body.id}"))
    assert committee.url(meeting) in page and "제5차 복지건강분과 회의" in page
    listing = text(app.test_client().get(f"/bodies/{committee.body.id}/meetings"))
    assert "제5차 복지건강분과 회의" in listing


def test_a_meeting_is_cancelled_with_a_reason_before_it_decides(client, db, committee):
    meeting = committee.schedule(client)
    asked = client.post(committee.url(meeting, "/cancel"), data={"reason": "태풍 예보"})
    assert asked.status_code == 200 and "회의를 취소할까요?" in text(asked) and "위원들에게 취소 사실과 사유가" in text(asked)
    db.session.expire_all()
    assert meeting.event.status is not EventStatus.CANCELLED
    response = client.post(committee.url(meeting, "/cancel"), data={"reason": "태풍 예보", "confirmed": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert meeting.event.status is EventStatus.CANCELLED
    refused = _roll_call(client, committee, meeting, committee.counting)
    assert refused.status_code == 409 and "취소된 회의" in text(refused)
    assert db.session.scalar(select(func.count()).select_from(RollCallEntry)) == 0


def test_a_decision_on_an_item_that_moved_meanwhile_is_refused(client, db, committee):
    meeting = committee.schedule(client)
    item = committee.items[0]
    _roll_call(client, committee, meeting, committee.counting[:3])
    stale = item.version
    item.title = "다른 화면에서 고친 제목"  # someone else changed the item after the page was loaded
    db.session.commit()
    response = _decide(client, committee, meeting, item, "advance", expected_version=str(stale))
    assert response.status_code == 409
    assert "다른 사람이 먼저 이 의제를 옮겼습니다" in text(response)
    db.session.expire_all()
    assert item.stage == "subcommittee"
    assert db.session.scalar(select(func.count()).select_from(MeetingDecision)) == 0


def test_the_events_page_of_a_meeting_leads_to_the_meeting_not_to_a_registration_form(client, db, committee):
    meeting = committee.schedule(client)
    response = client.get(f"/events/{meeting.event_id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(committee.url(meeting))
