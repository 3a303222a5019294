"""Demo plans: last year's plan adopted and in execution with spending, and this cycle's draft under review."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.auth.models import User
from app.cycles.models import CyclePhase, PlanCycle
from app.events.models import Event, EventKind, EventStatus
from app.extensions import db
from app.plans import execution, services
from app.plans.models import ProjectStatus, ReviewKind, SectionKind
from app.utils import today
from app.voting.models import VoteRound

BASIC_TEXT = {
    "vision": "주민이 묻고 함께 답하는 협치 도시 {district}",
    "goals": "주민 제안 의제를 사업으로 만드는 과정을 모두 공개합니다.\n동 단위 참여를 넓혀 참여 주민을 해마다 20% 늘립니다.\n선정 사업의 집행율을 분기마다 공개합니다.",
    "strategy": "의제 발굴은 열린공론장과 온라인 제안으로 넓게 합니다.\n분과와 실무협의회가 부서와 함께 사업을 구체화합니다.\n사업마다 주민과 공무원이 함께하는 실무단이 실행을 챙깁니다.",
    "governance_budget": "협치회의 운영, 분과 활동, 주민 교육, 열린공론장 개최에 쓰는 기반 예산입니다.",
}
DEPARTMENTS = ["복지정책과", "교육지원과", "공원녹지과", "일자리경제과", "교통행정과", "자치행정과", "건강증진과"]
PARTNERS = ["동 주민센터, 마을활동가 네트워크", "지역아동센터 협의회", "사회적경제지원센터", "구립도서관, 청소년수련관",
            "복지관 3곳, 자원봉사센터"]


def _fill_project_sections(plan, staff, rng, *, year: int) -> None:
    for i, project in enumerate(services.live_projects(plan)):
        section = project.section
        content = dict(section.current.content)
        total = content.get("district_fund", 0) or rng.randrange(40, 160) * 1_000_000
        city = (total // 2 // 1000) * 1000
        services.save_section(section, {
            **content,
            "department": DEPARTMENTS[i % len(DEPARTMENTS)],
            "partners": PARTNERS[i % len(PARTNERS)],
            "schedule": f"{year}.3. 실무단 구성\n{year}.4.~10. 사업 추진\n{year}.11. 성과 공유회",
            "indicators": content.get("indicators") or "참여 주민 수, 만족도 80% 이상",
            "purpose": content.get("purpose") or f"{project.title}로 주민이 겪는 불편을 줄입니다.",
            "content": content.get("content") or f"주민과 담당 부서가 함께 {project.title}을(를) 추진합니다.",
            "city_fund": city, "district_fund": total - city,
        }, actor=staff, expected_version=None, note="부서 협의 반영")


def _fill_basic(plan, staff, district: str, amount: int) -> None:
    for section in plan.live_sections:
        if section.kind is SectionKind.BASIC:
            form = {"text": BASIC_TEXT[section.key].format(district=district)}
            if section.key == "governance_budget":
                form["amount"] = amount
            services.save_section(section, form, actor=staff, expected_version=None, note="담당 부서 초안")


def _previous_cycle(year: int) -> PlanCycle:
    cycle = PlanCycle(year=year, title=f"{year} 지역사회혁신계획", support_threshold=5, support_window_days=30)
    spans = [("discovery", date(year - 1, 3, 1), date(year - 1, 5, 31)),
             ("concretization", date(year - 1, 6, 1), date(year - 1, 7, 15)),
             ("review_1", date(year - 1, 7, 16), date(year - 1, 8, 5)),
             ("review_2", date(year - 1, 8, 6), date(year - 1, 8, 25)),
             ("open_forum", date(year - 1, 8, 26), date(year - 1, 9, 10)),
             ("drafting", date(year - 1, 9, 11), date(year - 1, 10, 20)),
             ("adoption", date(year - 1, 10, 21), date(year - 1, 12, 31)),
             ("execution", date(year, 1, 1), date(year, 12, 31))]
    for kind, start, end in spans:
        cycle.phases.append(CyclePhase(kind=kind, starts_on=start, ends_on=end))
    db.session.add(cycle)
    db.session.flush()
    return cycle


def _link_last_years_vote(cycle: PlanCycle, staff: User) -> None:
    """Last year's published town-hall vote was held at that cycle's town hall: record the event and link it."""
    round_ = db.session.scalar(select(VoteRound).where(VoteRound.title.like(f"{cycle.year} 열린공론장%")))
    if round_ is None:
        return
    starts = round_.opens_at or datetime(cycle.year - 1, 9, 5, 5)
    town_hall = Event(kind=EventKind.TOWN_HALL, status=EventStatus.PUBLISHED, cycle_id=cycle.id,
                      title=f"{cycle.year} 협치사업 타운홀미팅", description="주민이 내년 협치사업을 골랐습니다.",
                      starts_at=starts, ends_at=starts + timedelta(hours=3), venue="구청 대강당",
                      created_by_id=staff.id, published_at=starts - timedelta(days=14))
    db.session.add(town_hall)
    db.session.flush()
    round_.event_id = town_hall.id
    db.session.commit()


def seed_plans(accounts: dict[str, User]) -> None:
    """An adopted plan for this year with spending, and this cycle's draft in its district-council review."""
    from flask import current_app

    rng = random.Random(7)
    staff, chair = accounts["staff"], accounts["dc-chair"]
    district = current_app.config.get("DISTRICT_NAME", "")
    year = today().year

    # Last year's cycle: its plan was adopted last December and runs this year.
    previous = db.session.scalar(select(PlanCycle).where(PlanCycle.year == year)) or _previous_cycle(year)
    _link_last_years_vote(previous, staff)
    plan = services.assemble(previous, actor=staff)
    _fill_basic(plan, staff, district, 180_000_000)
    _fill_project_sections(plan, staff, rng, year=year)
    council = services.start_round(plan, ReviewKind.DISTRICT_COUNCIL, actor=staff)
    first_project = services.live_projects(plan)[0].section if services.live_projects(plan) else plan.live_sections[0]
    comment = services.add_comment(plan, first_project.id, "성과 지표에 참여 주민 수의 목표치를 숫자로 적어 주세요.",
                                   user=chair, client_token=None)
    services.answer_comment(comment, "목표치(연 1,200명)를 성과 지표에 넣었습니다.", actor=staff, resolve=True)
    services.close_round(council, actor=staff, note="원안 의결")
    services.adopt(plan, actor=chair)
    adopted_on = datetime(year - 1, 12, 18, 6)
    plan.adopted_at = adopted_on
    council.opened_at, council.closed_at = adopted_on - timedelta(days=30), adopted_on - timedelta(days=2)
    db.session.commit()

    spend_until = min(today(), date(year, 12, 31))
    for i, project in enumerate(services.live_projects(plan)):
        project.status = [ProjectStatus.IN_PROGRESS, ProjectStatus.IN_PROGRESS, ProjectStatus.DONE,
                          ProjectStatus.DELAYED][i % 4]
        share = [0.62, 0.81, 0.97, 0.35, 0.74, 0.55][i % 6]
        for line in project.budget_lines:
            target, spent = int(line.amount * share), 0
            month = 2
            while spent < target and month <= 11:
                day = date(year, month, rng.randrange(3, 27))
                if day > spend_until:
                    break
                amount = min(target - spent, (line.amount // rng.randrange(5, 9) // 1000) * 1000)
                if amount <= 0:
                    break
                execution.add_spending(line, spent_on=day, amount=amount, memo=rng.choice(
                    ["재료비", "강사비", "홍보물 제작", "장소 임차", "활동 물품", "운영 인건비"]), actor=staff)
                spent += amount
                month += 1
        for title, month, done in (("실무단 구성", 3, True), ("사업 착수 보고", 4, True),
                                   ("중간 점검", 7, i % 4 != 3), ("성과 공유회", 11, i % 4 == 2)):
            milestone = execution.add_milestone(project, title=title, due_on=date(year, month, 15), actor=staff)
            if done and date(year, month, 15) <= spend_until:
                execution.complete_milestone(milestone, done_on=date(year, month, 15), actor=staff)
        people = list(db.session.scalars(select(User).where(User.email.like("member%@demo.hyeopchi.kr"))
                                         .order_by(User.id).offset(i * 3).limit(3)))
        for k, person in enumerate(people):
            execution.add_member(project, name=person.display_name, email=person.email,
                                 role="간사" if k == 0 else "위원", affiliation="주민", actor=staff)
        execution.add_member(project, name="담당 주무관", role="담당 공무원",
                             affiliation="구청", actor=staff)
        for month in (3, 6, 9):
            if date(year, month, 20) <= spend_until:
                execution.add_meeting(project, held_on=date(year, month, 20), title=f"{month}월 실무단 회의",
                                      attendees=rng.randrange(4, 9), summary="추진 상황을 점검하고 다음 달 일정을 정했습니다.",
                                      actor=staff)
    # One entry over its line, with the reason that lets it through (flagged on the dashboard).
    projects = services.live_projects(plan)
    if projects and projects[0].budget_lines:
        line = projects[0].budget_lines[0]
        left = line.amount - execution.line_spent(line)
        execution.add_spending(line, spent_on=min(date(year, 10, 28), spend_until), amount=left + 3_500_000,
                               memo="참여자 증가로 재료 추가 구매",
                               over_reason="참여 신청이 예상보다 40% 많아 재료를 추가로 샀습니다(실무단 회의 결정).", actor=staff)

    # This cycle: the draft assembled from its data, in the district council's review with comments.
    current = db.session.scalar(select(PlanCycle).where(PlanCycle.year == year + 1))
    if current is None:
        return
    draft = services.assemble(current, actor=staff)
    _fill_basic(draft, staff, district, 200_000_000)
    services.start_round(draft, ReviewKind.DISTRICT_COUNCIL, actor=staff)
    sections = {s.key: s for s in draft.live_sections}
    first = services.add_comment(draft, sections["goals"].id, "참여 주민을 20% 늘린다는 목표의 기준 연도를 밝혀 주세요.",
                                 user=chair, client_token=None)
    services.answer_comment(first, f"{year}년 참여 인원을 기준으로 삼는다고 목표에 적겠습니다.", actor=staff, resolve=True)
    project_sections = [s for s in draft.live_sections if s.kind is SectionKind.PROJECT]
    if project_sections:
        services.add_comment(draft, project_sections[0].id, "시비와 구비 분담 비율을 다시 검토해 주세요.",
                             user=chair, client_token=None)
    services.add_comment(draft, sections["process"].id, "열린공론장 참여 인원에 온라인 참여도 따로 적어 주면 좋겠습니다.",
                         user=chair, client_token=None)
