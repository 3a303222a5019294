"""Demo events: a district's autumn of town halls, forums and trainings, with registrations and attendance."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.auth.models import User
from app.bodies.models import Body
from app.events.models import (
    Attendance, AttendanceMode, Audience, Event, EventKind, EventQuestion, EventStatus, Registration,
    RegistrationAnswer, RegistrationStatus,
)
from app.events.services import new_registration_code
from app.extensions import db
from app.utils import KST, now, today

GUEST_NAMES = ["강민서", "윤지아", "서도현", "오하린", "배준호", "문서영", "송유나", "홍재민", "안소율", "유건우",
               "허다인", "남궁은", "노시우", "하지성", "곽예린", "변태오"]
DONGS = ["정릉동", "길음동", "돈암동", "안암동", "종암동", "월곡동", "장위동", "석관동"]


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    """A KST wall-clock time ``days`` from today, as naive UTC."""
    return datetime.combine(today() + timedelta(days=days), time(hour, minute)) - KST


def seed_events(accounts: dict[str, User]) -> None:
    """Past events with attendance (for the statistics), upcoming ones with registrations and a waitlist."""
    rng = random.Random(4)
    staff = accounts["staff"]
    bodies = {b.name: b for b in db.session.scalars(select(Body))}
    welfare, council = bodies.get("복지건강분과"), bodies.get("구 협치회의")
    residents = list(db.session.scalars(select(User).where(User.email.like("member%@demo.hyeopchi.kr"))
                                        .order_by(User.id)))
    moment = now()

    def event(kind, title, days, hour, hours, *, venue="", capacity=None, body=None, online=False,
              audience=Audience.PUBLIC, status=EventStatus.PUBLISHED, description="", questions=(),
              map_url=None, stream_url=None, cancel_reason=None, closes_days_before=1):
        starts = _at(days, hour)
        e = Event(kind=kind, status=status, title=title, description=description, body=body,
                  starts_at=starts, ends_at=starts + timedelta(hours=hours), venue=venue, map_url=map_url,
                  online=online, stream_url=stream_url, capacity=capacity, audience=audience,
                  registration_opens_at=starts - timedelta(days=30),
                  registration_closes_at=starts - timedelta(days=closes_days_before),
                  created_by_id=staff.id, created_at=moment, updated_at=moment,
                  published_at=moment if status is not EventStatus.DRAFT else None, cancel_reason=cancel_reason)
        for position, (prompt, required, exportable) in enumerate(questions, start=1):
            e.questions.append(EventQuestion(position=position, prompt=prompt, required=required,
                                             exportable=exportable))
        db.session.add(e)
        db.session.flush()
        return e

    def register(e, n_members, n_guests, *, waitlisted=0, people=None, checked_in=0, walk_ins=0,
                 online=0):
        pool = list(people if people is not None else residents)
        rng.shuffle(pool)
        created = []
        arrivals = [("member", p) for p in pool[:n_members]] + [("guest", g) for g in GUEST_NAMES[:n_guests]]
        rng.shuffle(arrivals)
        for i, (kind, who) in enumerate(arrivals):
            status = RegistrationStatus.WAITLISTED if i >= len(arrivals) - waitlisted else RegistrationStatus.CONFIRMED
            r = Registration(event_id=e.id, status=status, code=new_registration_code(),
                             created_at=e.starts_at - timedelta(days=14, hours=-i),
                             needs_sign_language=rng.random() < 0.05, needs_wheelchair=rng.random() < 0.06,
                             needs_childcare=rng.random() < 0.1, share_contact=rng.random() < 0.6,
                             share_answers=rng.random() < 0.5)
            if kind == "member":
                r.user_id = who.id
            else:
                r.guest_name = who
                r.guest_email = f"guest{e.id}-{i}@example.com"
            for q in e.questions:
                if q.position == 1:
                    r.answers.append(RegistrationAnswer(question_id=q.id, answer=rng.choice(DONGS)))
            db.session.add(r)
            created.append(r)
        db.session.flush()
        confirmed = [r for r in created if r.status is RegistrationStatus.CONFIRMED]
        for r in confirmed[:checked_in]:
            db.session.add(Attendance(event_id=e.id, user_id=r.user_id, registration_id=r.id,
                                      mode=AttendanceMode.ON_SITE, checked_in_at=e.starts_at - timedelta(minutes=10),
                                      checked_in_by_id=staff.id))
        for r in confirmed[checked_in:checked_in + online]:
            db.session.add(Attendance(event_id=e.id, user_id=r.user_id, registration_id=r.id,
                                      mode=AttendanceMode.ONLINE, checked_in_at=e.starts_at + timedelta(minutes=3)))
        for i in range(walk_ins):
            db.session.add(Attendance(event_id=e.id, walk_in_name=f"현장 참가 {i + 1}", mode=AttendanceMode.ON_SITE,
                                      checked_in_at=e.starts_at + timedelta(minutes=5), checked_in_by_id=staff.id))
        return created

    # --- the autumn so far ---
    briefing = event(EventKind.TRAINING, "2027 지역사회혁신계획 수립 주민 설명회", -62, 19, 2,
                     venue="구청 본관 4층 대회의실", capacity=80, description=(
                         "내년 지역사회혁신계획이 어떻게 만들어지는지, 주민 제안이 어디로 가는지 설명합니다.\n"
                         "협치분과 참여 방법도 안내합니다."))
    register(briefing, 24, 8, checked_in=27, walk_ins=9)
    forum = event(EventKind.OPEN_FORUM, "가을 열린공론장: 정릉천을 어떻게 쓸까요", -41, 14, 3,
                  venue="정릉천 생태학습관 강당", capacity=60, online=True, body=bodies.get("도시환경분과"),
                  description="정릉천 산책로, 생태 교육, 주차 문제를 주민끼리 이야기합니다. 온라인으로도 참여할 수 있습니다.")
    register(forum, 22, 10, checked_in=21, online=6, walk_ins=5)
    training = event(EventKind.TRAINING, "협치위원 역량강화 교육: 회의 진행과 합의 방법", -27, 10, 3,
                     venue="주민협치센터 교육실", capacity=40, body=council, audience=Audience.BODY_MEMBERS,
                     description="분과 위원과 실무위원을 위한 퍼실리테이션 교육입니다.")
    council_people = [m.user for m in council.current_memberships()] if council else []
    register(training, len(council_people), 0, people=council_people, checked_in=max(0, len(council_people) - 2))
    youth = event(EventKind.TOWN_HALL, "청소년 타운홀미팅: 우리 동네에 필요한 공간", -13, 15, 2,
                  venue="아리랑시네미디어센터", capacity=50, description="중·고등학생이 직접 제안하고 투표합니다.")
    register(youth, 10, 16, checked_in=22, walk_ins=4)
    event(EventKind.OPEN_FORUM, "야외 마을축제 공론장", -6, 13, 3, venue="성북천 분수마루", capacity=100,
          status=EventStatus.CANCELLED, cancel_reason="강풍 예보로 취소합니다. 12월 온라인 공론장에서 이어 갑니다.")

    # --- coming up ---
    town_hall = event(
        EventKind.TOWN_HALL, "2027 협치사업 주민총회 타운홀미팅", 10, 14, 3, venue="구청 다목적홀(본관 1층)",
        capacity=120, online=True, map_url="https://map.example.kr/place/guchung",
        description=("내년 협치사업 12개 중 예산 10억 원 안에서 주민 투표로 사업을 고릅니다.\n"
                     "현장과 온라인에서 함께 토론하고 투표합니다. 수어 통역과 아이 돌봄을 신청할 수 있습니다."),
        questions=[("사는 동", True, True), ("가장 관심 있는 분야", False, True), ("주최 측에 하고 싶은 말", False, False)])
    register(town_hall, 26, 12)
    debate = event(EventKind.DEBATE, "돌봄 의제 토론회: 홀몸 어르신 안부 확인, 누가 어떻게?", 6, 19, 2,
                   venue="복지관 3층 세미나실", capacity=30, body=welfare,
                   description="복지건강분과가 구체화한 돌봄 의제를 두고 찬반 토론합니다.")
    people = [p for p in residents if p is not accounts.get("resident")]
    register(debate, 25, 8, waitlisted=3, people=people)
    event(EventKind.OPEN_FORUM, "온라인 공론장: 골목상권 살리기", 17, 20, 2, online=True,
          body=bodies.get("경제일자리분과"), description="퇴근 후 집에서 참여하는 온라인 공론장입니다.",
          closes_days_before=0)
    event(EventKind.TRAINING, "분과 위원 워크숍: 2027 의제 우선순위", 20, 10, 4, venue="주민협치센터 회의실",
          capacity=20, body=welfare, audience=Audience.BODY_MEMBERS)
    event(EventKind.TRAINING, "마을계획단 상반기 설명회", 45, 19, 2, venue="구청 별관 2층", capacity=60,
          status=EventStatus.DRAFT)
    db.session.commit()
