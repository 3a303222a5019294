"""Demo meetings of 복지건강분과: the meetings behind its agenda decisions (roll call, decisions, published
minutes) and the next meeting on the calendar.

The agenda demo already moved some of the subcommittee's items up "by meeting decision"; the held
meetings here are those meetings, so each decision links its meeting and the minutes.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.agenda.models import AgendaItem, StageMove
from app.auth.models import User
from app.bodies.meetings.markdown import render
from app.bodies.meetings.models import (
    BodyMeeting, MeetingAgendaItem, MeetingDecision, Minutes, MinutesStatus, RollCallEntry,
)
from app.bodies.meetings.services import counting_members, minutes_template
from app.bodies.models import Body
from app.events.models import Attendance, AttendanceMode, Audience, Event, EventKind, EventStatus
from app.extensions import db
from app.utils import KST, link, now, today

DISCUSSION = [
    "홀몸 어르신 안부 확인은 통장·이웃 모임과 겹치지 않도록 동 주민센터와 명단을 맞추기로 했습니다.\n"
    "돌봄단 활동비 기준은 다음 회의 전까지 간사가 다른 구 사례를 모아 오기로 했습니다.",
    "건강계단 사업은 경사로 구간의 안전 점검 결과를 받은 뒤 우선순위를 정하기로 했습니다.\n"
    "분과실무협의회에 올릴 제안서는 위원장과 간사가 함께 다듬습니다.",
]
NEXT_STEPS = ["다음 회의: 협치사업 제안서 초안 검토", "다음 회의: 1차 심사 결과 공유와 2차 심사 준비"]


def _meeting(body: Body, title: str, starts: datetime, hours: int, creator: User, venue: str) -> BodyMeeting:
    moment = now()
    event = Event(kind=EventKind.BODY_MEETING, status=EventStatus.PUBLISHED, title=title, body=body, starts_at=starts,
                  ends_at=starts + timedelta(hours=hours), venue=venue, audience=Audience.BODY_MEMBERS,
                  created_by_id=creator.id, created_at=moment, updated_at=moment, published_at=moment,
                  description="위원이 아닌 주민도 참관할 수 있습니다. 회의록은 회의 뒤 이 페이지에 공개됩니다.")
    meeting = BodyMeeting(event=event, quorum_rule="majority", created_at=moment)
    db.session.add_all([event, meeting])
    db.session.flush()
    return meeting


def _roll_call(meeting: BodyMeeting, seats, absent: set[int], chair: User) -> None:
    at = meeting.event.starts_at + timedelta(minutes=5)
    meeting.roll_call_at, meeting.roll_call_by_id = at, chair.id
    for seat in seats:
        present = seat.user_id not in absent
        meeting.roll_call.append(RollCallEntry(user_id=seat.user_id, role=seat.role, present=present, recorded_at=at,
                                               recorded_by_id=chair.id))
        if present:
            db.session.add(Attendance(event_id=meeting.event_id, user_id=seat.user_id, mode=AttendanceMode.ON_SITE,
                                      checked_in_at=at, checked_in_by_id=chair.id))


def seed_meetings(accounts: dict[str, User]) -> None:
    """Two held meetings of 복지건강분과 with roll call, decisions and published minutes, and one coming up."""
    welfare = db.session.scalar(select(Body).where(Body.name == "복지건강분과"))
    chair = accounts.get("chair")
    if welfare is None or chair is None:
        return
    seats = counting_members(welfare)
    others = [s.user_id for s in seats if s.user_id != chair.id]
    # The agenda demo's "meeting decisions" of this subcommittee, oldest first, grouped by day.
    moves = list(db.session.scalars(
        select(StageMove).where(StageMove.body_id == welfare.id, StageMove.decision_type == "meeting_decision")
        .order_by(StageMove.created_at)))
    days: dict = {}
    for move in moves:
        days.setdefault((move.created_at + KST).date(), []).append(move)
    held_days = sorted(days)[-2:] or [today() - timedelta(days=30), today() - timedelta(days=9)]
    for n, day in enumerate(held_days):
        day_moves = days.get(day, [])
        starts = datetime.combine(day, time(19)) - KST  # 19:00 KST, after work
        meeting = _meeting(welfare, f"제{n + 3}차 복지건강분과 정기회의", starts, 2, chair, "주민협치센터 2층 소회의실")
        _roll_call(meeting, seats, absent=set(others[n:n + 1 + n]), chair=chair)
        present = sum(1 for e in meeting.roll_call if e.present)
        href = link("bodies.meeting", body_id=welfare.id, event_id=meeting.event_id)
        for position, move in enumerate(day_moves):
            decided = starts + timedelta(minutes=30 + 15 * position)
            meeting.agenda.append(MeetingAgendaItem(agenda_item_id=move.item_id, position=position,
                                                    added_by_id=chair.id, created_at=starts - timedelta(days=7)))
            meeting.decisions.append(MeetingDecision(
                agenda_item_id=move.item_id, outcome="advance", from_stage=move.from_stage, to_stage=move.to_stage,
                reason=move.reason or "분과 논의를 마쳐 분과실무협의회로 올립니다.", present_count=present,
                member_count=len(seats), decided_by_id=chair.id, decided_at=decided))
            # The item's timeline names this meeting and links it (same day, at the time it was decided).
            move.minutes_ref, move.created_at, move.actor_id = href, decided, chair.id
        db.session.flush()
        text = minutes_template(meeting)
        text = text.replace(f"## 논의 내용\n\n", f"## 논의 내용\n\n{DISCUSSION[n % 2]}\n").replace(
            "## 다음 회의\n\n", f"## 다음 회의\n\n{NEXT_STEPS[n % 2]}\n")
        published = meeting.event.ends_at + timedelta(days=2)
        db.session.add(Minutes(event_id=meeting.event_id, status=MinutesStatus.PUBLISHED, body_md=text,
                               body_html=render(text), updated_at=published, updated_by_id=chair.id,
                               published_at=published, published_by_id=chair.id))
    # The next meeting, with the items the subcommittee holds now on its agenda.
    upcoming = _meeting(welfare, f"제{len(held_days) + 3}차 복지건강분과 정기회의",
                        datetime.combine(today() + timedelta(days=7), time(19)) - KST, 2, chair,
                        "주민협치센터 2층 소회의실")
    held = db.session.scalars(select(AgendaItem).where(AgendaItem.body_id == welfare.id,
                                                       AgendaItem.stage == "subcommittee")
                              .order_by(AgendaItem.id).limit(3))
    for position, item in enumerate(held):
        upcoming.agenda.append(MeetingAgendaItem(agenda_item_id=item.id, position=position, added_by_id=chair.id,
                                                 created_at=now()))
    db.session.commit()
