"""A cycle with everything a plan is made from: phases, meetings and a town hall with attendance,
agenda items at several stages, a published vote with a selected project, and the district council."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from app.agenda.models import AgendaItem, StageMove
from app.bodies.models import BodyKind, MemberRole
from app.events.models import Attendance, AttendanceMode, Event, EventKind
from app.voting.models import Ballot, RoundStatus, VoteOption, VoteResult, VoteRound


class PlanWorld:
    def __init__(self, db, make):
        self.db, self.make = db, make
        self.staff = make.staff(name="협치지원관")
        self.council = make.body(BodyKind.DISTRICT_COUNCIL, name="구 협치회의")
        self.committee = make.body(BodyKind.PRACTICAL_COMMITTEE, parent=self.council, name="협치실무위원회")
        self.working = make.body(BodyKind.WORKING_COUNCIL, parent=self.committee, name="분과실무협의회")
        self.sub = make.body(BodyKind.SUBCOMMITTEE, parent=self.working, name="복지건강분과")
        self.sub.field = "복지·건강"
        self.council_chair = make.user(name="한공동의장")
        make.membership(self.council, self.council_chair, MemberRole.CO_CHAIR)
        self.council_member = make.user(name="구협치위원")
        make.membership(self.council, self.council_member, MemberRole.MEMBER)
        self.resident = make.user(name="주민")
        self.cycle = make.cycle(year=2027, title="2027 지역사회혁신계획", phases=(
            ("discovery", date(2026, 3, 1), date(2026, 6, 30)), ("open_forum", date(2026, 9, 1), date(2026, 9, 30)),
            ("drafting", date(2026, 10, 1), date(2026, 11, 30)), ("adoption", date(2026, 12, 1), date(2026, 12, 31)),
            ("execution", date(2027, 1, 1), date(2027, 12, 31))))
        self.adopted = self.item("마을 돌봄 쉼터", ["subcommittee", "working_council", "practical_committee",
                                                 "district_council", "adopted"], cost=42_000_000)
        self.rejected = self.item("골목 조명", ["subcommittee", "rejected"])
        self.proposed = self.item("반찬 나눔", [])
        self.town_hall = self.event(EventKind.TOWN_HALL, "열린공론장 타운홀미팅", datetime(2026, 9, 10, 5), 3)
        self.meeting = self.event(EventKind.BODY_MEETING, "구 협치회의 정기회의", datetime(2026, 10, 2, 5), 2,
                                  body=self.council)
        self.vote, self.selected_option = self.published_vote()

    def item(self, title: str, path: list[str], cost: int = 10_000_000) -> AgendaItem:
        item = self.make.agenda_item(cycle=self.cycle, title=title, problem=f"{title}가 필요합니다.",
                                     solution=f"{title}를 만듭니다.", effect="주민 삶이 나아집니다.", cost=cost,
                                     proposer=self.resident, submitted_at=datetime(2026, 3, 5))
        self.db.session.add(StageMove(item_id=item.id, from_stage="draft", to_stage="proposed",
                                      decision_type="proposer", created_at=datetime(2026, 3, 5)))
        previous = "proposed"
        for day, stage in enumerate(path, start=10):
            self.db.session.add(StageMove(item_id=item.id, from_stage=previous, to_stage=stage,
                                          decision_type="meeting_decision", body_id=self.council.id,
                                          reason=f"{stage} 결정", created_at=datetime(2026, 4, day)))
            previous = stage
        item.stage = previous
        self.db.session.commit()
        return item

    def event(self, kind, title, starts, attendees: int, body=None) -> Event:
        event = self.make.event(kind, title=title, cycle=self.cycle, body=body, starts_at=starts, hours=3,
                                published_at=starts)
        for _ in range(attendees):
            person = self.make.user()
            self.db.session.add(Attendance(event_id=event.id, user_id=person.id, mode=AttendanceMode.ON_SITE,
                                           checked_in_at=starts))
        self.db.session.commit()
        return event

    def published_vote(self):
        round_ = VoteRound(title="2027 열린공론장 주민투표", method="budget_approval", eligibility="any_user",
                           event_id=self.town_hall.id, status=RoundStatus.PUBLISHED, budget=1_000_000_000,
                           opens_at=datetime(2026, 9, 10, 5), closes_at=datetime(2026, 9, 10, 8), eligible_count=10)
        win = VoteOption(title="정릉천 산책로 정비", cost=703_736_000, position=0)
        lose = VoteOption(title="공유 주방", cost=400_000_000, position=1)
        # An option standing for the adopted item: one project, not two.
        same = VoteOption(title="마을 돌봄 쉼터(투표안)", cost=42_000_000, position=2, agenda_item_id=self.adopted.id)
        round_.options += [win, lose, same]
        self.db.session.add(round_)
        self.db.session.flush()
        for picks in ([win.id, same.id], [win.id], [lose.id, same.id], [win.id, same.id]):
            self.db.session.add(Ballot(round_id=round_.id, content={"picks": [str(p) for p in picks]},
                                       source="online", cast_on=date(2026, 9, 10)))
        self.db.session.add(VoteResult(round_id=round_.id, method="budget_approval", rule="greedy", params={},
                                       software_version="t", ballot_hash="0" * 64, ballot_count=4,
                                       result={"selected": [str(win.id), str(same.id)],
                                               "votes": {str(win.id): 3, str(lose.id): 1, str(same.id): 3}}))
        self.db.session.commit()
        return round_, win

    def assemble(self):
        return self.make.plan(self.cycle, actor=self.staff)

    def login(self, client, user):
        client.post("/account/logout")
        response = client.post("/account/login", data={"email": user.email, "password": "correct-horse-battery"})
        assert response.status_code == 302


@pytest.fixture
def world(db, make, clock):
    return PlanWorld(db, make)
