"""Check-in at the door: by code, walk-ins, and the mistakes staff make with a queue in front of them."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.bodies.models import MemberRole
from app.events import services
from app.errors import ServiceError
from app.events.models import Attendance, AttendanceMode, RegistrationStatus
from app.extensions import db
from tests.helpers import text


def _attendance_count(event) -> int:
    return db.session.scalar(select(func.count()).select_from(Attendance).where(Attendance.event_id == event.id))


def test_staff_check_in_by_code_typed_in_lower_case_without_hyphen(client, auth, make, event, doors_open):
    registration = services.register(event, make.user(name="정참가"))
    doors_open(event)
    auth.login(event.created_by)
    response = client.post(f"/events/{event.id}/check-in", data={"code": registration.code.lower()})
    assert response.status_code == 302
    page = client.get(f"/events/{event.id}/check-in")
    assert "입장 확인: 정참가" in text(page) and "참석 1명" in text(page)
    assert page.headers["Permissions-Policy"].startswith("camera=(self)")
    assert client.get(f"/events/{event.id}").headers["Permissions-Policy"].startswith("camera=()")
    # The same ticket again: counted once, and staff are told.
    client.post(f"/events/{event.id}/check-in", data={"code": registration.display_code})
    assert "이미 입장 확인된 참가자" in text(client.get(f"/events/{event.id}/check-in"))
    assert _attendance_count(event) == 1


def test_unknown_cancelled_waitlisted_and_foreign_codes_are_refused_and_change_nothing(client, auth, make, new_event,
                                                                                       doors_open):
    event = new_event(capacity=1)
    other_event = new_event(title="다른 행사")
    first, second, third = make.user(), make.user(), make.user()
    cancelled = services.register(event, first)
    services.cancel_registration(cancelled, actor=first)
    services.register(event, second)  # takes the seat
    waitlisted = services.register(event, third)
    assert waitlisted.status is RegistrationStatus.WAITLISTED
    foreign = services.register(other_event, make.user())
    doors_open(event)
    auth.login(event.created_by)
    for code, message in [("ZZZZ-ZZZZ", "찾을 수 없습니다"), (cancelled.code, "취소된 신청입니다"),
                          (waitlisted.code, "대기 중인 신청입니다"), (foreign.code, "다른 행사의 등록 코드")]:
        response = client.post(f"/events/{event.id}/check-in", data={"code": code})
        assert response.status_code == 422, code
        assert message in text(response), code
    assert _attendance_count(event) == 0


def test_walk_in_is_counted(client, auth, event, doors_open):
    doors_open(event)
    auth.login(event.created_by)
    assert client.post(f"/events/{event.id}/walk-in", data={"name": "현장 방문자"}).status_code == 302
    response = client.post(f"/events/{event.id}/walk-in", data={"name": "  "})
    assert response.status_code == 422 and "이름을 입력해 주세요" in text(response)
    rows = db.session.scalars(select(Attendance).where(Attendance.event_id == event.id)).all()
    assert [(r.walk_in_name, r.mode) for r in rows] == [("현장 방문자", AttendanceMode.ON_SITE)]


def test_record_attendance_is_idempotent_for_online_joins(make, event, doors_open):
    resident = make.user()
    registration = services.register(event, resident)
    doors_open(event)
    first = services.record_attendance(event, user=resident, mode="online")
    again = services.record_attendance(event, user=resident, mode=AttendanceMode.ONLINE)
    by_code = services.record_attendance(event, registration=registration, mode=AttendanceMode.ON_SITE)
    assert first.id == again.id == by_code.id
    assert first.registration_id == registration.id
    assert _attendance_count(event) == 1


def test_residents_and_ordinary_members_cannot_check_in_but_the_host_chair_can(client, auth, make, new_event,
                                                                               doors_open):
    body = make.body(name="교육문화분과")
    chair, member = make.user(), make.user()
    make.membership(body, chair, MemberRole.CHAIR)
    make.membership(body, member, MemberRole.MEMBER)
    event = new_event(body=body)
    registration = services.register(event, make.user())
    doors_open(event)
    auth.login(member)
    assert client.get(f"/events/{event.id}/check-in").status_code == 403
    assert client.post(f"/events/{event.id}/check-in", data={"code": registration.code}).status_code == 403
    assert client.get(f"/events/{event.id}/registrants.csv").status_code == 403
    auth.logout()
    auth.login(chair)
    assert client.post(f"/events/{event.id}/check-in", data={"code": registration.code}).status_code == 302
    assert _attendance_count(event) == 1


# --- the check-in window -------------------------------------------------------------------------

def test_check_in_opens_an_hour_before_the_start_and_closes_at_the_end(client, auth, make, new_event, clock):
    event = new_event(starts_at=datetime(2026, 12, 12, 5, 0))  # 14:00-16:00 KST on 12-12
    early, on_time, late = (services.register(event, make.user(name=name)) for name in ("일찍옴", "제때옴", "늦게옴"))
    auth.login(event.created_by)

    clock.set(datetime(2026, 12, 2, 5, 0))  # ten days early
    response = client.post(f"/events/{event.id}/check-in", data={"code": early.code})
    assert response.status_code == 422
    assert "2026-12-12 13:00부터" in text(response)
    walk_in = client.post(f"/events/{event.id}/walk-in", data={"name": "현장 방문자"})
    assert walk_in.status_code == 422 and "2026-12-12 13:00부터" in text(walk_in)
    clock.set(datetime(2026, 12, 12, 3, 59))  # a minute before check-in opens
    assert client.post(f"/events/{event.id}/check-in", data={"code": early.code}).status_code == 422
    assert _attendance_count(event) == 0

    clock.set(datetime(2026, 12, 12, 4, 0))  # 13:00 KST: open
    assert client.post(f"/events/{event.id}/check-in", data={"code": on_time.code}).status_code == 302
    clock.set(datetime(2026, 12, 12, 7, 0))  # the last moment
    assert client.post(f"/events/{event.id}/walk-in", data={"name": "막차 방문자"}).status_code == 302
    assert _attendance_count(event) == 2

    clock.set(datetime(2026, 12, 12, 7, 1))  # after the end
    response = client.post(f"/events/{event.id}/check-in", data={"code": late.code})
    assert response.status_code == 422 and "입장 확인이 마감되었습니다" in text(response)
    assert client.post(f"/events/{event.id}/walk-in", data={"name": "늦은 방문자"}).status_code == 422
    with pytest.raises(ServiceError, match="마감"):
        services.record_attendance(event, registration=late, mode=AttendanceMode.ON_SITE)
    assert _attendance_count(event) == 2


def test_how_early_check_in_opens_is_configured(app, client, auth, make, event, clock, monkeypatch):
    registration = services.register(event, make.user())
    monkeypatch.setitem(app.config, "CHECK_IN_OPENS_MINUTES_BEFORE", 15)
    auth.login(event.created_by)
    clock.set(event.starts_at - timedelta(minutes=30))
    response = client.post(f"/events/{event.id}/check-in", data={"code": registration.code})
    assert response.status_code == 422 and "시작 15분 전" in text(response)
    clock.set(event.starts_at - timedelta(minutes=15))
    assert client.post(f"/events/{event.id}/check-in", data={"code": registration.code}).status_code == 302
    assert _attendance_count(event) == 1


def test_joining_the_live_room_after_the_end_does_not_count_as_attendance(make, event, clock):
    from app.events.live.services import is_on_air, record_online_attendance

    resident = make.user()
    services.register(event, resident)
    clock.set(event.ends_at + timedelta(minutes=10))  # the room is still on air, check-in has closed
    assert is_on_air(event)
    assert record_online_attendance(event, resident) is False
    assert _attendance_count(event) == 0
