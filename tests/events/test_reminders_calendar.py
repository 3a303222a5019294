"""Reminders go out once, a day and an hour before; the calendar and iCal feeds list public events."""
from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar

from app.events import services
from app.events.models import Registration
from app.extensions import db
from tests.helpers import outbox_for, text


def test_reminders_one_day_and_one_hour_before_each_sent_once(make, event, clock):
    resident = make.user(email="remind@example.com")
    registration = services.register(event, resident)
    before = len(outbox_for("remind@example.com"))
    clock.set(event.starts_at - timedelta(days=2))
    assert services.send_due_reminders() == 0
    clock.set(event.starts_at - timedelta(hours=23))
    assert services.send_due_reminders() == 1
    assert services.send_due_reminders() == 0  # the next beat finds nothing to send
    clock.set(event.starts_at - timedelta(minutes=50))
    assert services.send_due_reminders() == 1
    assert services.send_due_reminders() == 0
    mails = outbox_for("remind@example.com")[before:]
    assert [m.subject.split("]")[1].strip().split(" 행사")[0] for m in mails] == ["내일", "1시간 뒤"]
    db.session.expire_all()
    reg = db.session.get(Registration, registration.id)
    assert reg.reminded_day_at and reg.reminded_hour_at


def test_late_registrant_gets_only_the_hour_reminder(make, event, clock):
    clock.set(event.starts_at - timedelta(minutes=40))
    services.register(event, make.user(email="late@example.com"))
    assert services.send_due_reminders() == 1
    assert services.send_due_reminders() == 0


def test_month_view_and_ical_feeds(client, make, new_event):
    body = make.body(name="복지건강분과")
    town_hall = new_event(title="12월 타운홀미팅")
    workshop = new_event(title="복지 워크숍", body=body, starts_at=datetime(2026, 12, 10, 1, 0))
    draft = new_event(title="비공개 초안", publish=False)
    page = text(client.get("/events/calendar?month=2026-12"))
    assert "12월 타운홀미팅" in page and "복지 워크숍" in page and "비공개 초안" not in page
    assert "2026년 12월" in page
    assert client.get("/events/calendar?month=nonsense").status_code == 200

    feed = Calendar.from_ical(client.get("/events/calendar.ics").data)
    titles = {str(e["summary"]) for e in feed.walk("VEVENT")}
    assert {"12월 타운홀미팅", "복지 워크숍"} <= titles and "비공개 초안" not in titles
    body_feed = Calendar.from_ical(client.get(f"/events/calendar/body/{body.id}.ics").data)
    assert [str(e["summary"]) for e in body_feed.walk("VEVENT")] == ["복지 워크숍"]
    assert client.get("/events/calendar/body/999999.ics").status_code == 404


def test_beat_runs_the_reminder_and_purge_tasks(app, tmp_path, make, event, clock):
    from app.config import load_config
    from app.events.tasks import purge_guest_data, send_reminders

    schedule = load_config(str(tmp_path))["CELERY"]["beat_schedule"]
    celery = app.extensions["celery"]
    for name in ("app.events.send_reminders", "app.events.purge_guest_data"):
        assert any(entry["task"] == name for entry in schedule.values()), name
        assert name in celery.tasks, name
    services.register(event, make.user(email="beat@example.com"))
    clock.set(event.starts_at - timedelta(hours=20))
    send_reminders.delay()
    send_reminders.delay()
    assert [m.subject for m in outbox_for("beat@example.com")].count(
        "[협치 플랫폼] 내일 행사가 열립니다: 2027 타운홀미팅") == 1
    clock.set(event.ends_at + timedelta(days=app.config["EVENT_GUEST_DATA_RETENTION_DAYS"] + 1))
    purge_guest_data.delay()
    db.session.expire_all()
    assert db.session.get(type(event), event.id).guest_data_purged_at is not None
