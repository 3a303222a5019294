"""Check-in at the door: by code, walk-ins, and the mistakes staff make with a queue in front of them."""
from __future__ import annotations

from sqlalchemy import func, select

from app.bodies.models import MemberRole
from app.events import services
from app.events.models import Attendance, AttendanceMode, RegistrationStatus
from app.extensions import db
from tests.helpers import text


def _attendance_count(event) -> int:
    return db.session.scalar(select(func.count()).select_from(Attendance).where(Attendance.event_id == event.id))


def test_staff_check_in_by_code_typed_in_lower_case_without_hyphen(client, auth, make, event):
    registration = services.register(event, make.user(name="정참가"))
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


def test_unknown_cancelled_waitlisted_and_foreign_codes_are_refused_and_change_nothing(client, auth, make, new_event):
    event = new_event(capacity=1)
    other_event = new_event(title="다른 행사")
    first, second, third = make.user(), make.user(), make.user()
    cancelled = services.register(event, first)
    services.cancel_registration(cancelled, actor=first)
    services.register(event, second)  # takes the seat
    waitlisted = services.register(event, third)
    assert waitlisted.status is RegistrationStatus.WAITLISTED
    foreign = services.register(other_event, make.user())
    auth.login(event.created_by)
    for code, message in [("ZZZZ-ZZZZ", "찾을 수 없습니다"), (cancelled.code, "취소된 신청입니다"),
                          (waitlisted.code, "대기 중인 신청입니다"), (foreign.code, "다른 행사의 등록 코드")]:
        response = client.post(f"/events/{event.id}/check-in", data={"code": code})
        assert response.status_code == 422, code
        assert message in text(response), code
    assert _attendance_count(event) == 0


def test_walk_in_is_counted(client, auth, event):
    auth.login(event.created_by)
    assert client.post(f"/events/{event.id}/walk-in", data={"name": "현장 방문자"}).status_code == 302
    response = client.post(f"/events/{event.id}/walk-in", data={"name": "  "})
    assert response.status_code == 422 and "이름을 입력해 주세요" in text(response)
    rows = db.session.scalars(select(Attendance).where(Attendance.event_id == event.id)).all()
    assert [(r.walk_in_name, r.mode) for r in rows] == [("현장 방문자", AttendanceMode.ON_SITE)]


def test_record_attendance_is_idempotent_for_online_joins(make, event):
    resident = make.user()
    registration = services.register(event, resident)
    first = services.record_attendance(event, user=resident, mode="online")
    again = services.record_attendance(event, user=resident, mode=AttendanceMode.ONLINE)
    by_code = services.record_attendance(event, registration=registration, mode=AttendanceMode.ON_SITE)
    assert first.id == again.id == by_code.id
    assert first.registration_id == registration.id
    assert _attendance_count(event) == 1


def test_residents_and_ordinary_members_cannot_check_in_but_the_host_chair_can(client, auth, make, new_event):
    body = make.body(name="교육문화분과")
    chair, member = make.user(), make.user()
    make.membership(body, chair, MemberRole.CHAIR)
    make.membership(body, member, MemberRole.MEMBER)
    event = new_event(body=body)
    registration = services.register(event, make.user())
    auth.login(member)
    assert client.get(f"/events/{event.id}/check-in").status_code == 403
    assert client.post(f"/events/{event.id}/check-in", data={"code": registration.code}).status_code == 403
    assert client.get(f"/events/{event.id}/registrants.csv").status_code == 403
    auth.logout()
    auth.login(chair)
    assert client.post(f"/events/{event.id}/check-in", data={"code": registration.code}).status_code == 302
    assert _attendance_count(event) == 1
