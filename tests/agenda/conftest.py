"""A current cycle and a field's chain of bodies with chairs, for agenda tests."""
from __future__ import annotations

import pytest

from app.bodies.models import BodyKind, MemberRole


class World:
    def __init__(self, db, make):
        self.db, self.make = db, make
        self.cycle = make.cycle(year=2027)  # in its discovery phase
        self.council = make.body(BodyKind.DISTRICT_COUNCIL, name="구 협치회의")
        self.committee = make.body(BodyKind.PRACTICAL_COMMITTEE, parent=self.council, name="협치실무위원회")
        self.working = make.body(BodyKind.WORKING_COUNCIL, parent=self.committee, name="분과실무협의회")
        self.sub = make.body(BodyKind.SUBCOMMITTEE, parent=self.working, name="복지건강분과")
        self.sub.field = "복지·건강"
        other = make.body(BodyKind.SUBCOMMITTEE, parent=self.working, name="도시환경분과")
        other.field = "도시·환경"
        db.session.commit()
        self.chairs = {}
        for key, body in (("sub", self.sub), ("working", self.working), ("committee", self.committee),
                          ("council", self.council)):
            chair = make.user(name=f"{body.name} 위원장")
            make.membership(body, chair, MemberRole.CHAIR)
            self.chairs[key] = chair

    def item_data(self, **overrides):
        data = {"title": "정릉 놀이터 그늘막 설치", "field": "복지·건강", "dong": "정릉제1동",
                "problem": "여름에 놀이터가 너무 뜨거워 아이들이 놀 수 없습니다.",
                "solution": "그늘막과 벤치를 설치합니다.", "effect": "아이들이 안전하게 놉니다.",
                "cost": "15,000,000", "submit": "1"}
        data.update(overrides)
        return data

    def propose(self, client, user, **overrides):
        from app.agenda.models import AgendaItem

        client.post("/account/login", data={"email": user.email, "password": "correct-horse-battery"})
        response = client.post("/agenda/new", data=self.item_data(**overrides))
        assert response.status_code == 302, response.get_data(as_text=True)
        client.post("/account/logout")
        return self.db.session.get(AgendaItem, int(response.headers["Location"].rsplit("/", 1)[1]))


@pytest.fixture
def world(db, make):
    return World(db, make)
