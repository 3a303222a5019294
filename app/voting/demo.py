"""Demo votes: a subcommittee's project review and a town hall's budget vote."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from app.auth.models import User
from app.bodies.models import Body
from app.extensions import db
from app.utils import now, today
from app.voting import services, tally
from app.voting.models import Ballot, VoterRoll

REVIEW_PROJECTS = [
    ("어르신 안부 확인 돌봄단", 42_000_000, "홀몸 어르신 300가구를 주 2회 방문하는 주민 돌봄단을 꾸립니다."),
    ("마을 건강계단 만들기", 35_000_000, "경사가 심한 골목 계단에 손잡이와 쉼터를 놓습니다."),
    ("발달장애인 가족 쉼 모임", 28_000_000, "돌봄 가족이 쉬어 갈 수 있는 주말 모임을 엽니다."),
    ("우리동네 건강반찬 나눔", 31_000_000, "1인 가구에 제철 반찬을 나누고 식생활 교육을 합니다."),
    ("치매 안심 골목 지도", 19_000_000, "주민이 함께 치매 안심 가게와 길을 찾아 지도를 만듭니다."),
]

TOWN_HALL_PROJECTS = [
    ("정릉천 생태 산책로 정비", 180_000_000), ("청소년 자치 공간 '우리터'", 150_000_000),
    ("골목 보행 안전 표지 개선", 90_000_000), ("공유 주방과 마을 식당", 120_000_000),
    ("어르신 디지털 배움터", 60_000_000), ("마을 도서관 야간 개방", 70_000_000),
    ("탄소중립 마을 실천단", 85_000_000), ("아이 돌봄 품앗이 센터", 160_000_000),
    ("전통시장 청년 점포 지원", 140_000_000), ("동네 공원 그늘막·음수대", 75_000_000),
    ("이웃 갈등 조정 주민센터", 55_000_000), ("장애인 이동 지원 차량", 130_000_000),
]


def seed_votes(accounts: dict[str, User]) -> None:
    """Add an open score review (복지건강분과), an open town-hall budget vote and a published one."""
    rng = random.Random(11)
    staff = accounts["staff"]
    welfare = db.session.scalar(select(Body).where(Body.name == "복지건강분과"))
    residents = list(db.session.scalars(select(User).where(User.email.like("member%@demo.hyeopchi.kr"))))

    review = services.save_round(
        None, actor=staff, title="2027 협치사업 1차 심사 (복지건강분과)",
        description="분과에서 올라온 다섯 사업을 기준별로 채점합니다. 자기가 제안한 사업은 채점하지 않습니다.",
        method="score", eligibility="body_members", body_id=welfare.id, budget=None, min_picks=None,
        max_picks=None, seats=3, tally_rule="greedy", allow_revote=False, live_results=False)
    for i, (title, cost, text) in enumerate(REVIEW_PROJECTS):
        proposer = accounts["member"].id if i == 0 else None
        services.add_option(review, title=title, description=text, cost=cost, proposer_id=proposer, actor=staff)
    for name, weight in (("필요성", 2), ("실현 가능성", 1), ("파급 효과", 1)):
        services.add_criterion(review, name=name, weight=weight, actor=staff)
    services.schedule(review, now() - timedelta(hours=1), now() + timedelta(days=7), actor=staff)
    services.open_round(review, actor=staff)

    town_hall = _budget_round(staff, "2027 열린공론장 주민투표",
                              "예산 10억 원 안에서 내년에 추진할 협치사업을 골라 주세요. 최대 6개까지 고를 수 있습니다.",
                              max_picks=6)
    services.schedule(town_hall, now() - timedelta(hours=1), now() + timedelta(days=7), actor=staff)
    services.open_round(town_hall, actor=staff)
    _cast_demo_ballots(town_hall, residents[:25], rng)

    last_year = _budget_round(staff, "2026 열린공론장 주민투표",
                              "지난해 타운홀미팅에서 주민이 고른 협치사업입니다.", max_picks=6)
    services.schedule(last_year, now() - timedelta(days=30), now() + timedelta(days=1), actor=staff)
    services.open_round(last_year, actor=staff)
    _cast_demo_ballots(last_year, residents, rng)
    services.close_round(last_year, actor=staff)
    tally.tally_round(last_year.id)  # counted here, not queued: a demo load may have no worker running
    tally.publish(last_year, actor=staff)


def _budget_round(staff, title, description, max_picks):
    round_ = services.save_round(
        None, actor=staff, title=title, description=description, method="budget_approval",
        eligibility="verified_residents", body_id=None, budget=1_000_000_000, min_picks=None,
        max_picks=max_picks, seats=None, tally_rule="mes", allow_revote=True, live_results=True)
    for title_, cost in TOWN_HALL_PROJECTS:
        services.add_option(round_, title=title_, description="", cost=cost, proposer_id=None, actor=staff)
    return round_


def _cast_demo_ballots(round_, voters, rng) -> None:
    """Ballots as residents would cast them (within budget), written directly for speed."""
    popularity = [rng.random() for _ in round_.options]
    for voter in voters:
        picks, total = [], 0
        for option, weight in sorted(zip(round_.options, popularity), key=lambda ow: -ow[1] * rng.random()):
            if len(picks) < (round_.max_picks or 99) and total + option.cost <= round_.budget and rng.random() < 0.6:
                picks.append(option)
                total += option.cost
        if not picks:
            continue
        db.session.add(VoterRoll(round_id=round_.id, user_id=voter.id, source="online", voted_on=today()))
        content = {"picks": [str(o.id) for o in sorted(picks, key=lambda o: o.position)]}
        db.session.add(Ballot(round_id=round_.id, content=content, source="online", cast_on=today()))
    db.session.commit()
