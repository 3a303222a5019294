"""Privacy: the export holds only what each registrant agreed to; guests' data goes after the event."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.events import services
from app.events.models import Attendance, GuestClaim, Registration, RegistrationAnswer
from app.events.services import RegistrationDetails
from app.extensions import db
from app.mail import OutboxMessage


def _guest(event, name, email, **details):
    claim = services.start_guest_registration(event, name=name, email=email, phone=None,
                                              details=RegistrationDetails(**details))
    from app.events.services import _code_hash

    # Read the code the way the guest would: from the mail in the outbox.
    from tests.helpers import outbox_for
    import re

    code = re.search(r"\b(\d{6})\b", outbox_for(email)[-1].body).group(1)
    return services.confirm_guest_registration(claim, code)


def test_export_contains_only_consented_fields(client, auth, make, new_event):
    event = new_event(capacity=10, questions=[{"prompt": "사는 동", "exportable": True},
                                              {"prompt": "건강 상태", "exportable": False}])
    q_dong, q_health = event.questions
    sharer = make.user(name="공개동의", email="share@example.com")
    private = make.user(name="비공개", email="private@example.com")
    services.register(event, sharer, RegistrationDetails(answers={q_dong.id: "정릉동", q_health.id: "민감"},
                                                         share_contact=True, share_answers=True))
    services.register(event, private, RegistrationDetails(answers={q_dong.id: "길음동"}))
    _guest(event, "손님공개", "g1@example.com", answers={q_dong.id: "돈암동"}, share_contact=True)

    auth.login(event.created_by)
    response = client.get(f"/events/{event.id}/registrants.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, data = rows[0], rows[1:]
    assert header[-1] == "사는 동" and "건강 상태" not in header
    by_code = {r[0]: r for r in data}
    assert len(data) == 3
    flat = "\n".join(",".join(r) for r in rows)
    assert "공개동의" in flat and "share@example.com" in flat and "정릉동" in flat
    assert "비공개" not in flat and "private@example.com" not in flat and "길음동" not in flat
    assert "민감" not in flat
    assert "손님공개" in flat and "g1@example.com" in flat and "돈암동" not in flat  # contact yes, answers no


def test_guest_personal_data_is_erased_after_the_retention_period_leaving_counts(app, make, new_event, clock):
    event = new_event(capacity=10, questions=[{"prompt": "하고 싶은 말"}])
    q = event.questions[0]
    member = make.user(name="회원참가")
    services.register(event, member)
    guest = _guest(event, "지울손님", "erase@example.com", answers={q.id: "개인 이야기"})
    clock.set(event.starts_at)
    services.record_attendance(event, registration=guest, mode="on_site")
    services.add_walk_in(event, "현장손님", actor=event.created_by)

    days = app.config["EVENT_GUEST_DATA_RETENTION_DAYS"]
    clock.set(event.ends_at + timedelta(days=days - 1))
    assert services.purge_guest_data() == 0
    clock.set(event.ends_at + timedelta(days=days, minutes=1))
    assert services.purge_guest_data() == 1
    assert services.purge_guest_data() == 0  # once

    db.session.expire_all()
    kept = db.session.get(Registration, guest.id)
    assert (kept.guest_name, kept.guest_email, kept.guest_phone) == (None, None, None)
    assert db.session.scalar(select(func.count()).select_from(RegistrationAnswer)
                             .where(RegistrationAnswer.registration_id == guest.id)) == 0
    assert db.session.scalar(select(func.count()).select_from(GuestClaim).where(GuestClaim.event_id == event.id)) == 0
    names = db.session.scalars(select(Attendance.walk_in_name).where(Attendance.event_id == event.id)).all()
    assert all(n is None for n in names)
    counts = services.registration_counts(event)
    assert (counts["confirmed"], counts["attended"]) == (2, 2)
    assert services.registration_of(event, member) is not None  # members keep their own registration
    from tests.helpers import outbox_for

    assert outbox_for("erase@example.com") == []  # the code and ticket mails keep no address or words either
    assert not any("지울손님" in m.body for m in db.session.scalars(select(OutboxMessage)))
