"""Two browsers at once: simultaneous decisions on one agenda item record one decision and one move."""
from __future__ import annotations

import threading
from datetime import date, timedelta

from sqlalchemy import delete, func, select

from app.agenda.models import AgendaItem, StageMove
from app.audit import AuditLog
from app.auth.models import SiteRole, User
from app.bodies.meetings import services
from app.bodies.meetings.models import BodyMeeting, MeetingAgendaItem, MeetingDecision
from app.bodies.models import Body, BodyKind, MemberRole, Membership
from app.cycles.models import CyclePhase, PlanCycle
from app.events.models import Audience, Event, EventKind, EventStatus
from app.extensions import db
from app.utils import now, today
from tests.factories import PASSWORD, _hash

N = 12


def _world():
    """Real rows (committed outside the per-test rollback): a body chain, five members, an item, a meeting."""
    council = Body(name="경합 구 협치회의", kind=BodyKind.DISTRICT_COUNCIL)
    committee = Body(name="경합 실무위원회", kind=BodyKind.PRACTICAL_COMMITTEE, parent=council)
    working = Body(name="경합 실무협의회", kind=BodyKind.WORKING_COUNCIL, parent=committee)
    sub = Body(name="경합 분과", kind=BodyKind.SUBCOMMITTEE, parent=working, field="경합 분야")
    people = [User(email=f"race-meeting-{i}@example.com", display_name=f"경합위원{i}", password_hash=_hash(PASSWORD),
                   role=SiteRole.RESIDENT, email_verified_at=now()) for i in range(5)]
    cycle = PlanCycle(year=2031, title="경합 계획", support_threshold=2, support_window_days=30)
    cycle.phases.append(CyclePhase(kind="discovery", starts_on=today() - timedelta(days=1),
                                   ends_on=today() + timedelta(days=10)))
    db.session.add_all([council, committee, working, sub, cycle, *people])
    db.session.flush()
    for i, person in enumerate(people):
        db.session.add(Membership(body=sub, user=person, role=MemberRole.CHAIR if i == 0 else MemberRole.MEMBER,
                                  start_date=date(2026, 1, 1)))
    item = AgendaItem(cycle=cycle, title="경합 안건", field="경합 분야", proposer=people[1], stage="subcommittee",
                      body_id=sub.id, submitted_at=now(), created_at=now())
    event = Event(kind=EventKind.BODY_MEETING, status=EventStatus.PUBLISHED, title="경합 회의", body=sub,
                  starts_at=now(), ends_at=now() + timedelta(hours=2), venue="회의실", audience=Audience.BODY_MEMBERS)
    meeting = BodyMeeting(event=event)
    db.session.add_all([item, event, meeting])
    db.session.flush()
    meeting.agenda.append(MeetingAgendaItem(agenda_item_id=item.id, position=0))
    db.session.commit()
    services.take_roll_call(meeting, [p.id for p in people[:3]], actor=people[0])
    return {"bodies": [sub.id, working.id, committee.id, council.id], "users": [p.id for p in people],
            "cycle": cycle.id, "item": item.id, "event": event.id, "body": sub.id, "chair": people[0].email}


def _clean(ids) -> None:
    db.session.execute(delete(Event).where(Event.id == ids["event"]))  # meeting, roll call, decisions, attendance
    db.session.execute(delete(AgendaItem).where(AgendaItem.id == ids["item"]))  # its moves and follows
    db.session.execute(delete(PlanCycle).where(PlanCycle.id == ids["cycle"]))
    db.session.execute(delete(Membership).where(Membership.body_id == ids["body"]))
    for body_id in ids["bodies"]:
        db.session.execute(delete(Body).where(Body.id == body_id))
    db.session.execute(delete(AuditLog).where(AuditLog.actor_id.in_(ids["users"])))  # test rows only
    db.session.execute(delete(User).where(User.id.in_(ids["users"])))
    db.session.commit()


def test_simultaneous_decisions_on_one_item_record_one(app):
    with app.app_context():
        ids = _world()
    try:
        login = app.test_client()
        assert login.post("/account/login", data={"email": ids["chair"], "password": PASSWORD}).status_code == 302
        cookie = login.get_cookie("session").value
        barrier = threading.Barrier(N)
        statuses: list[int] = []
        url = f"/bodies/{ids['body']}/meetings/{ids['event']}/items/{ids['item']}/decide"
        prefix = f"item{ids['item']}-"

        def submit(n: int):
            client = app.test_client()
            client.set_cookie("session", cookie)
            barrier.wait()
            response = client.post(url, data={prefix + "outcome": "advance", prefix + "reason": "동시에",
                                              prefix + "vote_minutes": "30", "confirmed": "1"},
                                   environ_base={"REMOTE_ADDR": f"10.1.0.{n + 1}"})
            statuses.append(response.status_code)

        threads = [threading.Thread(target=submit, args=(n,)) for n in range(N)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        with app.app_context():
            decisions = db.session.scalar(select(func.count()).select_from(MeetingDecision)
                                          .where(MeetingDecision.event_id == ids["event"]))
            moves = db.session.scalar(select(func.count()).select_from(StageMove).where(
                StageMove.item_id == ids["item"], StageMove.to_stage == "working_council"))
            stage = db.session.get(AgendaItem, ids["item"]).stage
    finally:
        with app.app_context():
            _clean(ids)
    assert len(statuses) == N
    assert decisions == 1 and moves == 1 and stage == "working_council"
    assert sorted(statuses) == [302] + [409] * (N - 1)  # the others are told it was already decided
