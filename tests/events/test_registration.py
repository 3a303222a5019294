"""Registration: one click, the waitlist in arrival order, promotion, one per person, the rules."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.bodies.models import MemberRole
from app.events import services
from app.events.models import Audience, Registration, RegistrationStatus
from app.extensions import db
from app.notifications import Notification
from tests.helpers import audit_rows, outbox_for, text


def _statuses(event):
    return [r.status for r in db.session.scalars(
        select(Registration).where(Registration.event_id == event.id).order_by(Registration.id))]


def test_logged_in_resident_registers_with_one_click_and_gets_a_ticket_by_mail(client, auth, make, event):
    resident = make.user(name="김주민")
    auth.login(resident)
    response = client.post(f"/events/{event.id}/register")
    assert response.status_code == 302
    registration = services.registration_of(event, resident)
    assert registration.status is RegistrationStatus.CONFIRMED
    assert response.headers["Location"].endswith(f"/events/ticket/{registration.code}")
    page = client.get(response.headers["Location"])
    body = text(page)
    assert registration.display_code in body
    assert "data:image/svg+xml" in body  # the QR code
    assert "참가 확정" in body
    mail = outbox_for(resident.email)[-1]
    assert registration.display_code in mail.body and "행사 신청 확인" in mail.subject
    ics = client.get(f"/events/ticket/{registration.code}.ics")
    assert ics.mimetype == "text/calendar"
    assert b"BEGIN:VEVENT" in ics.data and b"DTSTART:20261202T050000Z" in ics.data


def test_fourth_resident_is_waitlisted_and_promoted_in_arrival_order_when_someone_cancels(client, auth, make, event):
    people = [make.user(name=f"주민{i}") for i in range(5)]
    regs = [services.register(event, p) for p in people]
    assert [r.status for r in regs] == [RegistrationStatus.CONFIRMED] * 3 + [RegistrationStatus.WAITLISTED] * 2
    assert services.waitlist_position(regs[3]) == 1 and services.waitlist_position(regs[4]) == 2

    auth.login(people[1])
    response = client.post(f"/events/ticket/{regs[1].code}/cancel")
    assert response.status_code == 302
    db.session.expire_all()
    assert _statuses(event) == [RegistrationStatus.CONFIRMED, RegistrationStatus.CANCELLED,
                                RegistrationStatus.CONFIRMED, RegistrationStatus.CONFIRMED,
                                RegistrationStatus.WAITLISTED]
    promoted = db.session.get(Registration, regs[3].id)
    assert promoted.promoted_at is not None
    note = db.session.scalar(select(Notification).where(Notification.user_id == people[3].id))
    assert note is not None and "참가 확정" in note.message
    assert outbox_for(people[3].email)[-1].subject.startswith("[협치 플랫폼] 대기에서 참가 확정")
    assert db.session.scalar(select(Notification).where(Notification.user_id == people[4].id)) is None


def test_promotion_task_run_twice_promotes_once(make, event):
    people = [make.user() for _ in range(4)]
    regs = [services.register(event, p) for p in people]
    before = len(audit_rows("event.promote"))
    db.session.execute(Registration.__table__.update().where(Registration.id == regs[0].id)
                       .values(status=RegistrationStatus.CANCELLED))
    db.session.commit()
    assert services.promote_waitlist(event.id) == [regs[3].id]
    assert services.promote_waitlist(event.id) == []
    assert len(audit_rows("event.promote")) == before + 1


def test_registering_twice_is_refused_with_a_message_and_changes_nothing(client, auth, make, event):
    resident = make.user()
    auth.login(resident)
    client.post(f"/events/{event.id}/register")
    response = client.post(f"/events/{event.id}/register")
    assert response.status_code == 409
    assert "이미 이 행사에 신청했습니다" in text(response)
    assert db.session.scalar(select(func.count()).select_from(Registration)
                             .where(Registration.event_id == event.id)) == 1


def test_registration_limits_count_each_person_not_the_venue_address_they_share(app, client, auth, make, event,
                                                                                monkeypatch):
    monkeypatch.setitem(app.config, "EVENT_REGISTER_RATE_LIMIT", "2 per minute")
    for _ in range(3):  # more people than the limit, all on the community centre's one Wi-Fi address
        auth.login(make.user())
        assert client.post(f"/events/{event.id}/register").status_code == 302
        auth.logout()
    auth.login(make.user())
    assert client.post(f"/events/{event.id}/register").status_code == 302
    assert client.post(f"/events/{event.id}/register").status_code == 409
    flood = client.post(f"/events/{event.id}/register")  # the same person a third time within the minute
    assert flood.status_code == 429 and "요청이 너무 많습니다" in text(flood)
    assert db.session.scalar(select(func.count()).select_from(Registration)
                             .where(Registration.event_id == event.id)) == 4


def test_registering_after_the_window_is_refused_and_changes_nothing(client, auth, make, new_event, clock):
    event = new_event(registration_closes_at=datetime(2026, 11, 30, 0, 0))
    clock.set(datetime(2026, 11, 30, 0, 1))
    auth.login(make.user())
    response = client.post(f"/events/{event.id}/register")
    assert response.status_code == 422
    assert "신청 기간이 지났습니다" in text(response)
    assert _statuses(event) == []


def test_registering_before_the_window_opens_is_refused(client, auth, make, new_event):
    event = new_event(registration_opens_at=datetime(2026, 11, 28, 0, 0))
    auth.login(make.user())
    response = client.post(f"/events/{event.id}/register")
    assert response.status_code == 422
    assert "신청 기간이 아닙니다" in text(response)
    assert _statuses(event) == []


def test_audience_rules_verified_residents_and_body_members(client, auth, make, new_event):
    body = make.body(name="복지건강분과")
    residents_only = new_event(audience=Audience.VERIFIED_RESIDENTS, title="주민 대상 설명회")
    members_only = new_event(audience=Audience.BODY_MEMBERS, body=body, title="분과 워크숍")
    unverified = make.user(verified=False)
    outsider = make.user()
    member = make.user()
    make.membership(body, member)

    auth.login(unverified)
    response = client.post(f"/events/{residents_only.id}/register")
    assert response.status_code == 422 and "인증을 마친 구민" in text(response)
    auth.logout()

    auth.login(outsider)
    response = client.post(f"/events/{members_only.id}/register")
    assert response.status_code == 422 and "복지건강분과 위원만" in text(response)
    assert client.post(f"/events/{residents_only.id}/register").status_code == 302
    auth.logout()

    auth.login(member)
    assert client.post(f"/events/{members_only.id}/register").status_code == 302
    assert _statuses(members_only) == [RegistrationStatus.CONFIRMED]
    assert _statuses(residents_only) == [RegistrationStatus.CONFIRMED]


def test_guests_cannot_register_for_members_only_events(client, make, new_event):
    event = new_event(audience=Audience.VERIFIED_RESIDENTS)
    response = client.post(f"/events/{event.id}/guest", data={"name": "손님", "email": "guest@example.com"})
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert outbox_for("guest@example.com") == []


def test_draft_and_unknown_events_are_not_found_for_residents(client, auth, make, new_event):
    draft = new_event(publish=False)
    auth.login(make.user())
    assert client.get(f"/events/{draft.id}").status_code == 404
    assert client.post(f"/events/{draft.id}/register").status_code == 404
    assert client.get("/events/999999").status_code == 404


def test_cancelling_then_registering_again_goes_to_the_end_of_the_line(make, event):
    people = [make.user() for _ in range(4)]
    regs = [services.register(event, p) for p in people]
    services.cancel_registration(regs[0], actor=people[0])  # regs[3] is promoted
    again = services.register(event, people[0])
    assert again.status is RegistrationStatus.WAITLISTED
    assert again.id > regs[3].id


def test_required_question_and_answers_are_stored(client, auth, make, new_event):
    event = new_event(questions=[{"prompt": "소속 동아리", "required": True, "exportable": True},
                                 {"prompt": "하고 싶은 말"}])
    q1, q2 = event.questions
    auth.login(make.user())
    response = client.post(f"/events/{event.id}/register", data={f"answer_{q2.id}": "안녕하세요"})
    assert response.status_code == 422 and "소속 동아리&#39;에 답해 주세요" in text(response)
    assert _statuses(event) == []
    response = client.post(f"/events/{event.id}/register", data={f"answer_{q1.id}": "햇살 모임",
                                                                  "needs_wheelchair": "y"})
    assert response.status_code == 302
    registration = db.session.scalar(select(Registration).where(Registration.event_id == event.id))
    assert {a.question.prompt: a.answer for a in registration.answers} == {"소속 동아리": "햇살 모임"}
    assert registration.needs_wheelchair and not registration.needs_childcare


def test_at_most_five_questions(new_event):
    import pytest

    from app.errors import ServiceError

    with pytest.raises(ServiceError, match="5개까지"):
        new_event(questions=[{"prompt": f"질문 {i}"} for i in range(6)])


def test_re_registering_after_an_online_join_and_cancellation_keeps_the_attendance(make, event, doors_open):
    from app.events.models import Attendance

    resident = make.user()
    first = services.register(event, resident)
    doors_open(event)
    services.record_attendance(event, user=resident, mode="online")
    services.cancel_registration(first, actor=resident)
    again = services.register(event, resident)
    assert again.status is RegistrationStatus.CONFIRMED
    rows = db.session.scalars(select(Attendance).where(Attendance.event_id == event.id)).all()
    assert [(a.user_id, a.registration_id) for a in rows] == [(resident.id, None)]
