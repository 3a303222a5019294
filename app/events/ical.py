"""iCalendar (.ics) files for one event and for feeds of public events (icalendar library)."""
from __future__ import annotations

from datetime import timezone

from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar, Event as VEvent

from app.events.models import Event, EventStatus
from app.utils import link, now


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//hyeopchi//events//KO")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Seoul")
    return cal


def _utc(value):
    return value.replace(tzinfo=timezone.utc)


def _vevent(event: Event) -> VEvent:
    site = current_app.config["SITE_URL"].rstrip("/")
    url = site + link("events.detail", event_id=event.id)
    item = VEvent()
    item.add("uid", f"event-{event.id}@{site.split('://', 1)[-1]}")
    item.add("dtstamp", _utc(now()))
    item.add("dtstart", _utc(event.starts_at))
    item.add("dtend", _utc(event.ends_at))
    item.add("summary", event.title)
    location = event.venue or ""
    if event.online:
        location = (location + " / " if location else "") + _("온라인")
    if location:
        item.add("location", location)
    item.add("description", (event.description or "") + ("\n\n" if event.description else "") + url)
    item.add("url", url)
    item.add("sequence", event.version)
    item.add("status", "CANCELLED" if event.status is EventStatus.CANCELLED else "CONFIRMED")
    if event.body is not None:
        item.add("categories", [event.kind.label, event.body.name])
    else:
        item.add("categories", [event.kind.label])
    return item


def event_ics(event: Event) -> bytes:
    """One event as an .ics file (attached to the confirmation page)."""
    cal = _calendar(event.title)
    cal.add("method", "PUBLISH")
    cal.add_component(_vevent(event))
    return cal.to_ical()


def feed_ics(events: list[Event], name: str) -> bytes:
    """A subscribable feed of public events."""
    cal = _calendar(name)
    for event in events:
        cal.add_component(_vevent(event))
    return cal.to_ical()
