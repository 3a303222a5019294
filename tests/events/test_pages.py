"""The event page as people meet it: the discussion under a town hall, and no sign-up form for body meetings."""
from __future__ import annotations

from app.events.models import EventKind
from tests.helpers import text


def test_a_town_hall_page_carries_its_discussion_thread(client, db, event):
    page = text(client.get(f"/events/{event.id}"))
    assert "신청하기" in page or "로그인하고 신청하기" in page
    assert 'class="forum-thread"' in page


def test_a_body_meeting_without_a_meeting_record_offers_no_registration(client, db, new_event, make):
    body = make.body()
    meeting = new_event(kind=EventKind.BODY_MEETING, body_id=body.id)
    page = text(client.get(f"/events/{meeting.id}"))
    assert "참가 신청" not in page and "로그인하고 신청하기" not in page
