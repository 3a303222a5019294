"""Guests register without an account: name and an e-mail or phone, confirmed by a code."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.events.models import GuestClaim, Registration, RegistrationStatus, SmsMessage
from app.extensions import db
from tests.helpers import outbox_for, text


def _code_from(body: str) -> str:
    return re.search(r"\b(\d{6})\b", body).group(1)


def test_guest_registers_by_email_code_and_gets_a_ticket(client, event):
    response = client.post(f"/events/{event.id}/guest", data={"name": "박손님", "email": "Guest@Example.com",
                                                               "needs_sign_language": "y"})
    assert response.status_code == 302
    confirm_url = response.headers["Location"]
    mail = outbox_for("guest@example.com")[-1]
    code = _code_from(mail.body)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(confirm_url, data={"code": wrong})
    assert response.status_code == 422 and "확인 코드가 맞지 않습니다" in text(response)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0

    response = client.post(confirm_url, data={"code": code})
    assert response.status_code == 302
    registration = db.session.scalar(select(Registration).where(Registration.event_id == event.id))
    assert (registration.guest_name, registration.guest_email, registration.user_id) == ("박손님", "guest@example.com", None)
    assert registration.status is RegistrationStatus.CONFIRMED and registration.needs_sign_language
    ticket = client.get(response.headers["Location"])
    assert registration.display_code in text(ticket)
    assert registration.display_code in outbox_for("guest@example.com")[-1].body
    # Submitting the same code again (a double click) registers once and shows the same ticket.
    again = client.post(confirm_url, data={"code": code})
    assert again.status_code == 302 and again.headers["Location"].endswith(registration.code)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1


def test_guest_by_phone_gets_the_code_in_the_sms_outbox(client, event):
    response = client.post(f"/events/{event.id}/guest", data={"name": "최손님", "phone": "010-2345-6789"})
    assert response.status_code == 302
    sms = db.session.scalar(select(SmsMessage).where(SmsMessage.recipient == "01023456789"))
    assert sms is not None and sms.sent_at is not None  # "delivered": logged, there is no gateway
    response = client.post(response.headers["Location"], data={"code": _code_from(sms.body)})
    assert response.status_code == 302
    registration = db.session.scalar(select(Registration).where(Registration.event_id == event.id))
    assert registration.guest_phone == "01023456789"


def test_same_guest_contact_cannot_register_twice(client, event):
    for attempt in range(2):
        response = client.post(f"/events/{event.id}/guest", data={"name": "같은손님", "email": "same@example.com"})
        code = _code_from(outbox_for("same@example.com")[-1].body)
        result = client.post(response.headers["Location"], data={"code": code})
        if attempt == 0:
            assert result.status_code == 302
        else:
            assert result.status_code == 409 and "이미 신청했습니다" in text(result)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1


def test_guest_input_errors_are_explained(client, event):
    cases = [({"name": "", "email": "a@example.com"}, "필수 입력 항목입니다"),
             ({"name": "손님"}, "이메일이나 휴대전화 번호 중 하나"),
             ({"name": "손님", "phone": "02-123-4567"}, "010-1234-5678 형식"),
             ({"name": "손님", "email": "not-an-email"}, "이메일 주소 형식")]
    for data, message in cases:
        response = client.post(f"/events/{event.id}/guest", data=data)
        assert response.status_code == 422, data
        assert message in text(response), data
    assert db.session.scalar(select(func.count()).select_from(GuestClaim)) == 0


def test_guest_code_expires_and_locks_after_five_wrong_tries(client, event, clock):
    response = client.post(f"/events/{event.id}/guest", data={"name": "손님", "email": "late@example.com"})
    url = response.headers["Location"]
    code = _code_from(outbox_for("late@example.com")[-1].body)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        client.post(url, data={"code": wrong})
    response = client.post(url, data={"code": code})
    assert response.status_code == 422 and "여러 번 잘못 입력했습니다" in text(response)

    response = client.post(f"/events/{event.id}/guest", data={"name": "손님", "email": "late2@example.com"})
    url = response.headers["Location"]
    code = _code_from(outbox_for("late2@example.com")[-1].body)
    clock.set(datetime(2026, 11, 25, 1, 31))
    response = client.post(url, data={"code": code})
    assert response.status_code == 422 and "유효 시간(30분)이 지났습니다" in text(response)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_guest_can_cancel_with_the_ticket_link(client, event):
    response = client.post(f"/events/{event.id}/guest", data={"name": "손님", "email": "c@example.com"})
    client.post(response.headers["Location"], data={"code": _code_from(outbox_for("c@example.com")[-1].body)})
    registration = db.session.scalar(select(Registration).where(Registration.event_id == event.id))
    assert client.post(f"/events/ticket/{registration.code}/cancel").status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status is RegistrationStatus.CANCELLED


def test_a_members_ticket_is_private(client, auth, make, event):
    from app.events import services

    owner, other = make.user(), make.user()
    registration = services.register(event, owner)
    auth.login(other)
    assert client.get(f"/events/ticket/{registration.code}").status_code == 404
    assert client.post(f"/events/ticket/{registration.code}/cancel").status_code == 404
    assert services.registration_of(event, owner).status is RegistrationStatus.CONFIRMED


def test_codes_to_one_address_are_limited(client, event):
    for _ in range(5):
        assert client.post(f"/events/{event.id}/guest", data={"name": "손님", "email": "flood@example.com"}).status_code == 302
    response = client.post(f"/events/{event.id}/guest", data={"name": "손님", "email": "flood@example.com"})
    assert response.status_code == 422 and "너무 자주 요청했습니다" in text(response)
    assert len(outbox_for("flood@example.com")) == 5
