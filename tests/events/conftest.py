"""Fixtures for events: a published town hall, and a helper to make more."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.events import services
from app.events.models import Audience, EventKind


@pytest.fixture
def new_event(db, make, clock):
    """``new_event(**overrides)``: a published town hall a week ahead, created by a staff member."""
    staff = make.staff(name="담당직원")

    def build(**kw):
        start = kw.pop("starts_at", datetime(2026, 12, 2, 5, 0))  # 14:00 KST
        fields = dict(kind=EventKind.TOWN_HALL, title="2027 타운홀미팅", starts_at=start,
                      ends_at=start + timedelta(hours=2), actor=kw.pop("actor", staff), venue="구청 대회의실",
                      capacity=3, audience=Audience.PUBLIC, publish=True)
        fields.update(kw)
        return services.create_event(**fields)

    build.staff = staff
    return build


@pytest.fixture
def event(new_event):
    return new_event()


@pytest.fixture
def doors_open(clock):
    """``doors_open(event)``: move the clock to half an hour before the event starts, when check-in is open."""

    def move(event):
        clock.set(event.starts_at - timedelta(minutes=30))

    return move
