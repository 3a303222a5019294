"""Demo live room: an online town hall going on now, with its console state and a show-of-hands vote."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.auth.models import User
from app.bodies.models import Body
from app.events.live.models import Announcement, LiveState
from app.events.models import Attendance, AttendanceMode, Audience, Event, EventKind, EventStatus
from app.extensions import db
from app.utils import now

ANNOUNCEMENTS = [
    "오늘 자료집은 행사 페이지에서 내려받을 수 있습니다.",
    "질문은 아래 질문 창에 남겨 주세요. 공감이 많은 질문부터 답합니다.",
    "잠시 뒤 돌봄 사업 우선순위를 묻는 찬반 투표를 엽니다. 온라인 참석자도 투표할 수 있습니다.",
]


def seed_live(accounts: dict[str, User]) -> None:
    """An online town hall that started an hour ago: segment, announcements, Q&A open, a yes/no vote open."""
    from app.voting import ballots
    from app.voting import services as voting

    staff = accounts["staff"]
    moment = now()
    welfare = db.session.scalar(select(Body).where(Body.name == "복지건강분과"))
    event = Event(kind=EventKind.TOWN_HALL, status=EventStatus.PUBLISHED, audience=Audience.PUBLIC, online=True,
                  title="온라인 타운홀: 우리 동네 돌봄, 무엇이 먼저일까요", body=welfare,
                  description=("복지건강분과가 준비한 돌봄 의제를 주민과 함께 이야기하는 온라인 타운홀입니다.\n"
                               "실시간 화면에서 진행 순서와 공지를 보고, 질문하고, 투표할 수 있습니다."),
                  starts_at=moment - timedelta(hours=1), ends_at=moment + timedelta(hours=2),
                  venue="온라인(실시간 화면)", created_by_id=staff.id, created_at=moment, updated_at=moment,
                  published_at=moment, qa_open=True)
    db.session.add(event)
    db.session.flush()
    for i, text in enumerate(ANNOUNCEMENTS):
        db.session.add(Announcement(event_id=event.id, text=text, created_by_id=staff.id,
                                    created_at=event.starts_at + timedelta(minutes=5 + 20 * i)))
    # Residents who joined the live room count as online attendance (and may vote).
    residents = list(db.session.scalars(select(User).where(User.email.like("member%@demo.hyeopchi.kr"))
                                        .order_by(User.id).limit(18)))
    for k, person in enumerate(residents):
        db.session.add(Attendance(event_id=event.id, user_id=person.id, mode=AttendanceMode.ONLINE,
                                  checked_in_at=event.starts_at + timedelta(minutes=k)))
    db.session.commit()

    round_ = voting.save_round(
        None, actor=staff, title="돌봄 사업 우선순위 찬반", description=f"{event.title} 현장 투표", method="yes_no",
        eligibility="event_attendees", body_id=welfare.id if welfare else None, budget=None, min_picks=None,
        max_picks=None, seats=None, tally_rule="greedy", allow_revote=False, live_results=True, event_id=event.id)
    voting.add_option(round_, title="홀몸 어르신 안부 확인 돌봄단을 내년 첫 사업으로 추진할까요?", description="", cost=0,
                      proposer_id=None, actor=staff)
    round_.closes_at = moment + timedelta(minutes=50)
    voting.open_round(round_, actor=staff)
    option = round_.options[0]
    for k, person in enumerate(residents[:12]):
        ballots.cast_ballot(round_, person, {f"vote-{option.id}": ("yes", "yes", "no", "yes", "abstain", "yes")[k % 6]})
    db.session.add(LiveState(event_id=event.id, segment_title="2부 · 분과별 돌봄 사업 설명",
                             segment_text="복지건강분과 위원장이 사업 세 가지를 설명합니다. 이어서 찬반 투표를 합니다.",
                             segment_set_at=moment - timedelta(minutes=10), round_id=round_.id, seq=6,
                             updated_at=moment, updated_by_id=staff.id))
    db.session.commit()
