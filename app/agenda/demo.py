"""Demo agenda: a current cycle and about sixty items spread over every stage, with histories."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from app.agenda.models import AgendaItem, Follow, StageMove, Support
from app.agenda.services import _record_move, fields
from app.agenda.stages import CLIMB
from app.auth.models import User
from app.bodies.models import Body, MemberRole, Membership
from app.cycles.models import CyclePhase, PlanCycle
from app.district import DEFAULT_DONGS
from app.extensions import db
from app.utils import now, today

TOPICS = {
    "복지·건강": ["홀몸 어르신 안부 확인", "경로당 건강 체조", "마을 돌봄 쉼터", "치매 안심 골목", "1인 가구 반찬 나눔"],
    "교육·문화": ["마을 도서관 야간 개방", "청소년 자치 공간", "골목 축제 지원", "어르신 디지털 교육", "방과후 마을 학교"],
    "도시·환경": ["하천 산책로 정비", "골목 쓰레기 분리배출", "공원 그늘막 설치", "빗물 정원 만들기", "자전거 거치대 확충"],
    "경제·일자리": ["전통시장 청년 점포", "마을 공유 주방", "사회적경제 장터", "경력단절여성 일자리", "골목상권 공동 배달"],
    "안전·교통": ["통학로 보행 안전", "어두운 골목 조명", "어린이 보호구역 개선", "교차로 과속 방지", "버스정류장 온열의자"],
    "마을공동체": ["주민 공유 공간", "이웃 갈등 조정 모임", "마을 신문 만들기", "반려동물 공동 산책", "주민 총회 활성화"],
}

# (stage, how many) — about sixty in all
PLAN = [("proposed", 14), ("subcommittee", 12), ("working_council", 8), ("practical_committee", 6),
        ("district_council", 4), ("adopted", 7), ("rejected", 3), ("merged", 2), ("on_hold", 2), ("withdrawn", 2)]

REASONS = {
    "subcommittee": "공감 기준을 넘어 분과에서 논의하기로 했습니다.",
    "working_council": "분과 회의에서 협치사업으로 구체화하기로 의결했습니다.",
    "practical_committee": "분과실무협의회에서 사업 제안서를 다듬어 올렸습니다.",
    "district_council": "협치실무위원회 심의를 통과했습니다.",
    "adopted": "구 협치회의에서 내년 지역사회혁신계획에 담기로 의결했습니다.",
    "rejected": "구청 기존 사업과 겹쳐 담당 부서 사업으로 넘기기로 했습니다.",
    "on_hold": "예산 규모를 다시 검토한 뒤 다음 회의에서 다루기로 했습니다.",
    "merged": "같은 문제를 다루는 의제와 합쳐 함께 논의합니다.",
    "withdrawn": "제안자가 철회했습니다.",
}


def _chair(body: Body | None) -> User | None:
    if body is None:
        return None
    return db.session.scalar(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.body_id == body.id, Membership.role.in_((MemberRole.CHAIR, MemberRole.CO_CHAIR))))


def seed_agenda(accounts: dict[str, User]) -> None:
    """Create the current cycle (proposals open now) and its items."""
    rng = random.Random(3)
    start = today() - timedelta(days=20)
    cycle = PlanCycle(year=today().year + 1, title=f"{today().year + 1} 지역사회혁신계획", support_threshold=5,
                      support_window_days=30)
    spans = [("discovery", 60), ("concretization", 40), ("review_1", 20), ("review_2", 20), ("open_forum", 14),
             ("drafting", 30), ("adoption", 30), ("execution", 365)]
    day = start
    for kind, length in spans:
        cycle.phases.append(CyclePhase(kind=kind, starts_on=day, ends_on=day + timedelta(days=length - 1)))
        day += timedelta(days=length)
    db.session.add(cycle)
    db.session.flush()

    people = list(db.session.scalars(select(User).where(User.email.like("%@demo.hyeopchi.kr"),
                                                        User.deleted_at.is_(None))))
    field_list = fields()
    moment = now() - timedelta(days=18)
    made: list[AgendaItem] = []
    n = 0
    for stage, count in PLAN:
        for _ in range(count):
            field = field_list[n % len(field_list)]
            topic = TOPICS.get(field, ["마을 의제"])[n // len(field_list) % 5]
            dong = None if n % 7 == 0 else rng.choice(DEFAULT_DONGS)
            proposer = accounts["resident"] if n % 9 == 0 else rng.choice(people)
            item = AgendaItem(
                cycle=cycle, title=f"{dong or '구 전체'} {topic}", field=field, dong=dong,
                problem=f"{dong or '우리 구'}에서 {topic} 문제로 주민들이 불편을 겪고 있습니다.",
                solution=f"주민과 구청이 함께 {topic} 사업을 추진합니다.",
                effect="주민 삶의 질이 나아지고 이웃 관계가 넓어집니다.",
                cost=rng.randrange(5, 150) * 1_000_000, proposer=proposer, stage="proposed",
                created_at=moment, submitted_at=moment, updated_at=moment)
            db.session.add(item)
            db.session.flush()
            db.session.add(StageMove(item=item, from_stage="draft", to_stage="proposed", decision_type="proposer",
                                     actor_id=proposer.id, created_at=moment))
            db.session.add(Follow(item_id=item.id, user_id=proposer.id))
            supporters = [p for p in people if p.id != proposer.id]
            rng.shuffle(supporters)
            support_n = rng.randrange(0, 4) if stage in ("proposed", "withdrawn") else rng.randrange(5, 20)
            for k, supporter in enumerate(supporters[:support_n]):
                db.session.add(Support(item_id=item.id, user_id=supporter.id,
                                       created_at=moment + timedelta(hours=k + 1)))
            item.support_count = min(support_n, len(supporters))
            _climb(item, stage, moment, made)
            made.append(item)
            n += 1
            moment += timedelta(hours=6)
    db.session.commit()


def _climb(item: AgendaItem, stage: str, moment, made: list[AgendaItem]) -> None:
    """Write the history that leads ``item`` to ``stage``."""
    when = moment + timedelta(days=1)
    if stage == "withdrawn":
        _step(item, "withdrawn", "proposer", item.proposer, when)
        return
    if stage == "proposed":
        return
    final_side = stage if stage in ("rejected", "merged", "on_hold") else None
    target = "subcommittee" if final_side else stage
    for step in CLIMB[1:CLIMB.index(target) + 1]:
        kind = "automatic" if step == "subcommittee" else ("meeting_decision" if step != "adopted" else "vote_result")
        actor = None if step == "subcommittee" else _chair(item.body)
        _step(item, step, kind, actor, when)
        when += timedelta(days=3)
    if final_side:
        if final_side == "merged":
            into = next((m for m in made if m.stage in ("subcommittee", "working_council") and m.field == item.field),
                        None)
            if into is None:
                return
            item.merged_into_id = into.id
        _step(item, final_side, "chair_decision", _chair(item.body), when)


def _step(item: AgendaItem, to_stage: str, decision: str, actor: User | None, when) -> None:
    _record_move(item, to_stage, actor=actor, decision_type=decision, reason=REASONS.get(to_stage, ""),
                 minutes_ref=(f"{when:%Y-%m-%d} 정기회의 회의록" if decision == "meeting_decision" else None),
                 at=when, notify=False)
    db.session.flush()
