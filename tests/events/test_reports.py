"""Participation statistics: meetings held and cumulative participants per kind, from attendance rows."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from app.bodies.models import BodyKind
from app.events import services
from app.events.models import EventKind
from app.reports.services import participation
from app.utils import now
from tests.helpers import text


def _held(new_event, make, clock, kind, body=None, people=0, online=0, when=datetime(2026, 3, 10, 5, 0), **kw):
    event = new_event(kind=kind, body=body, starts_at=when, capacity=None, registration_closes_at=None, **kw)
    created = now()
    clock.set(when)  # people are counted at the door, while check-in is open
    for i in range(people):
        services.record_attendance(event, walk_in_name=f"참석자{i}", mode="on_site")
    for _ in range(online):
        services.record_attendance(event, user=make.user(), mode="online")
    clock.set(created)
    return event


def test_report_counts_meetings_by_body_kind_and_events_by_kind(client, auth, make, new_event, clock):
    clock.set(datetime(2026, 3, 1, 0, 0))
    sub_a, sub_b = make.body(name="복지건강분과"), make.body(name="교육문화분과")
    council = make.body(BodyKind.DISTRICT_COUNCIL, name="구 협치회의")
    _held(new_event, make, clock, EventKind.BODY_MEETING, sub_a, people=7)
    _held(new_event, make, clock, EventKind.BODY_MEETING, sub_a, people=5, when=datetime(2026, 4, 10, 5, 0))
    _held(new_event, make, clock, EventKind.BODY_MEETING, sub_b, people=0, online=2)
    _held(new_event, make, clock, EventKind.BODY_MEETING, council, people=20)
    _held(new_event, make, clock, EventKind.TOWN_HALL, people=40, online=3)
    _held(new_event, make, clock, EventKind.BODY_MEETING, sub_a, people=9, when=datetime(2025, 6, 1, 5, 0))  # last year
    cancelled = _held(new_event, make, clock, EventKind.TOWN_HALL, people=0, when=datetime(2026, 5, 1, 5, 0))
    services.cancel_event(cancelled, actor=cancelled.created_by, reason="우천")
    _held(new_event, make, clock, EventKind.OPEN_FORUM, people=0, when=datetime(2026, 12, 20, 5, 0))  # not yet held
    clock.set(datetime(2026, 11, 25, 1, 0))
    # Check-in opens before the start: an event already admitting people counts as held.
    starting = _held(new_event, make, clock, EventKind.TRAINING, people=0, when=datetime(2026, 11, 25, 2, 0))
    services.add_walk_in(starting, "일찍 온 주민", actor=starting.created_by)

    report = participation(date(2026, 1, 1), date(2026, 12, 31))
    rows = {r.key: (r.held, r.participants) for r in report.rows}
    assert rows["meeting:subcommittee"] == (3, 14)
    assert rows["meeting:district_council"] == (1, 20)
    assert rows["event:town_hall"] == (1, 43)
    assert rows["event:open_forum"] == (0, 0)
    assert rows["event:training"] == (1, 1)
    assert (report.total.held, report.total.participants) == (6, 78)
    assert [(b.label, b.held, b.participants) for b in report.bodies][:2] == [("복지건강분과", 2, 12),
                                                                               ("교육문화분과", 1, 2)]

    auth.login(make.staff())
    page = text(client.get("/reports/participation?year=2026"))
    assert "협치분과 회의" in page and "3회" in page and "14명" in page
    assert '<svg class="result-chart"' in page and ">43 (1)<" in page  # a chart beside the table: 43 people, 1 town hall
    response = client.get("/reports/participation.csv?year=2026")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert ["협치분과 회의", "3", "14", "12", "2", "4.7"] in rows
    assert ["합계", "6", "78", "73", "5", "13.0"] in rows


def test_report_period_and_permissions(client, auth, make):
    # Aggregates only: anyone may read them, logged in or not.
    assert client.get("/reports/participation").status_code == 200
    auth.login(make.user())
    assert client.get("/reports/participation").status_code == 200
    response = client.get("/reports/participation?start=2026-05-01&end=2026-04-01")
    assert response.status_code == 422 and "기간을 YYYY-MM-DD 형식으로" in text(response)
    assert client.get("/reports/participation?start=2026-01-01&end=2026-06-30").status_code == 200
