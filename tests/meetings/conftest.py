"""A subcommittee with officers, members and an observer, agenda items it holds, and a meeting today."""
from __future__ import annotations

from datetime import datetime

import pytest

from app.agenda.models import AgendaItem
from app.bodies.models import BodyKind, MemberRole
from app.utils import today


class Committee:
    """복지건강분과: chair, secretary, three members (five count) and an observer (does not count)."""

    def __init__(self, db, make):
        self.db, self.make = db, make
        self.cycle = make.cycle(year=2027)  # in its discovery phase
        self.body = make.body(BodyKind.SUBCOMMITTEE, name="복지건강분과")
        self.body.field = "복지·건강"
        db.session.commit()
        self.chair = make.user(name="김위원장")
        self.secretary = make.user(name="최간사")
        self.members = [make.user(name=f"위원{i}") for i in range(1, 4)]
        self.observer = make.user(name="참관인")
        self.outsider = make.user(name="주민")
        self.staff = make.staff(name="협치지원관")
        make.membership(self.body, self.chair, MemberRole.CHAIR)
        make.membership(self.body, self.secretary, MemberRole.SECRETARY)
        for member in self.members:
            make.membership(self.body, member, MemberRole.MEMBER)
        make.membership(self.body, self.observer, MemberRole.OBSERVER)
        self.items = [self.item(f"안건 {n}") for n in range(1, 4)]

    @property
    def counting(self):
        return [self.chair, self.secretary, *self.members]

    def item(self, title: str, stage: str = "subcommittee") -> AgendaItem:
        return self.make.agenda_item(stage, cycle=self.cycle, title=title, proposer=self.outsider, body=self.body)

    def schedule(self, client, *, items=None, day=None, token="tok-1", **overrides):
        """The chair schedules a meeting through the page; returns the BodyMeeting."""
        from app.bodies.meetings.models import BodyMeeting

        login(client, self.chair)
        data = {"title": "제5차 복지건강분과 회의", "day": (day or today()).isoformat(), "start_time": "14:00",
                "end_time": "16:00", "venue": "구청 3층 협치회의실", "quorum_rule": "majority",
                "agenda_item_ids": [str(i.id) for i in (self.items if items is None else items)], "client_token": token}
        data.update(overrides)
        response = client.post(f"/bodies/{self.body.id}/meetings/new", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)
        event_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        return self.db.session.get(BodyMeeting, event_id)

    def url(self, meeting, tail: str = "") -> str:
        return f"/bodies/{self.body.id}/meetings/{meeting.event_id}{tail}"


def login(client, user):
    client.post("/account/logout")
    response = client.post("/account/login", data={"email": user.email, "password": "correct-horse-battery"})
    assert response.status_code == 302


@pytest.fixture
def committee(db, make, clock):
    # 2026-11-25 13:30 KST: a meeting "today" at 14:00 KST is on its day, and its roll call is open.
    clock.set(datetime(2026, 11, 25, 4, 30))
    return Committee(db, make)
