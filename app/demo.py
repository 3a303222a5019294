"""Demo data: a believable district with its consultative hierarchy and members.

Loaded by ``flask seed-demo`` (``make run`` does it on first start). Later
features extend this module with their own demo data.
"""
from __future__ import annotations

import random
from datetime import date

from sqlalchemy import func, select

from app.auth.models import PrivacyConsent, Residency, SiteRole, User
from app.auth.services import hash_password
from app.bodies.models import (
    ApplicationStatus, Body, BodyKind, MemberRole, Membership, MembershipApplication,
)
from app.district import DEFAULT_DONGS
from app.extensions import db
from app.utils import now

DEMO_PASSWORD = "demo-password-2026"

# (e-mail, name, site role, what the README says it is for)
DEMO_ACCOUNTS = [
    ("admin@demo.hyeopchi.kr", "관리자 데모", SiteRole.ADMIN, "admin: accounts, roles, bodies"),
    ("staff@demo.hyeopchi.kr", "협치지원관 데모", SiteRole.STAFF, "staff (협치지원관): runs the cycle"),
    ("chair@demo.hyeopchi.kr", "김분과 위원장", SiteRole.RESIDENT, "chair of 복지건강분과"),
    ("member@demo.hyeopchi.kr", "이위원", SiteRole.RESIDENT, "member of 복지건강분과"),
    ("wc-chair@demo.hyeopchi.kr", "최협의회 위원장", SiteRole.RESIDENT, "chair of 분과실무협의회"),
    ("pc-chair@demo.hyeopchi.kr", "정실무 위원장", SiteRole.RESIDENT, "chair of 협치실무위원회"),
    ("dc-chair@demo.hyeopchi.kr", "한협치 공동의장", SiteRole.RESIDENT, "co-chair (민간) of 구 협치회의"),
    ("resident@demo.hyeopchi.kr", "박주민", SiteRole.RESIDENT, "a verified resident with no seat"),
]

SUBCOMMITTEES = [
    ("복지건강분과", "복지·건강", "돌봄, 건강, 취약계층 지원 의제를 발굴하고 구체화합니다."),
    ("교육문화분과", "교육·문화", "마을교육, 도서관, 생활문화 의제를 다룹니다."),
    ("도시환경분과", "도시·환경", "골목길, 공원, 탄소중립, 자원순환 의제를 다룹니다."),
    ("경제일자리분과", "경제·일자리", "골목상권, 사회적경제, 청년 일자리 의제를 다룹니다."),
    ("안전교통분과", "안전·교통", "보행 안전, 어린이 보호구역, 생활 치안 의제를 다룹니다."),
    ("마을공동체분과", "마을공동체", "주민자치, 공유공간, 이웃관계망 의제를 다룹니다."),
]

SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = ["민준", "서연", "도윤", "하은", "지호", "수아", "예준", "지우", "현우", "서윤", "정희", "영수",
         "미경", "상철", "은정", "성민", "혜진", "동현", "순자", "경호", "지민", "태희", "우진", "보람"]


def _person(rng: random.Random, n: int) -> User:
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    return User(
        email=f"member{n:02d}@demo.hyeopchi.kr",
        display_name=name,
        password_hash=None,  # seat-only demo people cannot log in
        role=SiteRole.RESIDENT,
        residency=rng.choice(list(Residency)),
        dong=rng.choice(DEFAULT_DONGS),
        email_verified_at=now(),
    )


def seed_demo() -> bool:
    """Load the demo district once; returns False if data is already there."""
    if db.session.scalar(select(func.count()).select_from(Body)):
        return False
    rng = random.Random(2026)
    moment = now()
    start = date(2026, 1, 1)
    password_hash = hash_password(DEMO_PASSWORD)

    accounts = {}
    for email, name, role, _purpose in DEMO_ACCOUNTS:
        user = User(email=email, display_name=name, password_hash=password_hash, role=role,
                    residency=Residency.RESIDENT, dong=rng.choice(DEFAULT_DONGS), email_verified_at=moment)
        user.consents.append(PrivacyConsent(version="2026-11", consented_at=moment))
        db.session.add(user)
        accounts[email.split("@")[0]] = user

    council = Body(name="구 협치회의", kind=BodyKind.DISTRICT_COUNCIL, cadence="분기별 1회",
                   purpose="구청장과 민간 공동의장이 함께 이끄는 최고 협의기구로, 지역사회혁신계획을 최종 심의·의결합니다.")
    committee = Body(name="협치실무위원회", kind=BodyKind.PRACTICAL_COMMITTEE, parent=council, cadence="매월 1회",
                     purpose="분과에서 올라온 협치사업을 심의하고 구 협치회의 안건을 준비합니다.")
    working = Body(name="분과실무협의회", kind=BodyKind.WORKING_COUNCIL, parent=committee, cadence="필요시",
                   purpose="분과 위원장들과 담당 공무원이 분과 간 의제를 조정하고 협치사업 제안서를 다듬습니다.")
    db.session.add_all([council, committee, working])
    subs = []
    for i, (name, field, purpose) in enumerate(SUBCOMMITTEES):
        sub = Body(name=name, kind=BodyKind.SUBCOMMITTEE, parent=working, field=field, purpose=purpose,
                   cadence="월 1회(필요시 수시)", accepts_applications=True, sort_order=i)
        subs.append(sub)
    db.session.add_all(subs)

    seats: list[Membership] = []

    def seat(body, user, role):
        seats.append(Membership(body=body, user=user, role=role, start_date=start, created_at=moment))

    people = [_person(rng, n) for n in range(1, 41)]
    db.session.add_all(people)
    pool = iter(people)
    chairs = []
    for sub in subs:
        chair = accounts["chair"] if sub.name == "복지건강분과" else next(pool)
        chairs.append(chair)
        seat(sub, chair, MemberRole.CHAIR)
        seat(sub, next(pool), MemberRole.SECRETARY)
        for _ in range(3):
            seat(sub, next(pool), MemberRole.MEMBER)
        if sub.name == "복지건강분과":
            seat(sub, accounts["member"], MemberRole.MEMBER)
    official = next(pool)
    seat(working, accounts["wc-chair"], MemberRole.CHAIR)
    for chair in chairs:
        seat(working, chair, MemberRole.MEMBER)
    seat(working, official, MemberRole.EX_OFFICIO)
    committee_people = [accounts["pc-chair"]] + [next(pool) for _ in range(2)]
    seat(committee, committee_people[0], MemberRole.CHAIR)
    seat(committee, committee_people[1], MemberRole.SECRETARY)
    seat(committee, committee_people[2], MemberRole.MEMBER)
    for chair in chairs[:3]:
        seat(committee, chair, MemberRole.MEMBER)
    seat(committee, official, MemberRole.EX_OFFICIO)
    seat(committee, next(pool), MemberRole.MEMBER)
    seat(committee, next(pool), MemberRole.MEMBER)
    council_people = [accounts["dc-chair"]] + [next(pool) for _ in range(5)]
    seat(council, council_people[0], MemberRole.CO_CHAIR)
    for person in council_people[1:]:
        seat(council, person, MemberRole.MEMBER)
    seat(council, committee_people[0], MemberRole.MEMBER)
    seat(council, chairs[0], MemberRole.MEMBER)
    seat(council, official, MemberRole.EX_OFFICIO)
    db.session.add_all(seats)

    # One application waiting for the 복지건강분과 chair.
    db.session.add(MembershipApplication(
        body=subs[0], user=accounts["resident"], statement="동네 어르신 돌봄 모임을 5년째 하고 있습니다. 분과에서 돌봄 의제를 함께 만들고 싶습니다.",
        pretraining_confirmed=True, status=ApplicationStatus.PENDING, created_at=moment,
    ))
    db.session.commit()

    from app.agenda.demo import seed_agenda
    from app.voting.demo import seed_votes

    seed_votes(accounts)
    seed_agenda(accounts)

    from app.events.demo import seed_events

    seed_events(accounts)

    from app.bodies.meetings.demo import seed_meetings
    from app.events.live.demo import seed_live

    seed_meetings(accounts)
    seed_live(accounts)

    from app.forums.demo import seed_forums

    seed_forums(accounts)

    from app.plans.demo import seed_plans

    seed_plans(accounts)
    return True
