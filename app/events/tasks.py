"""Celery tasks for events: waitlist promotion, cancellation notices, reminders, privacy purge, SMS.

Every task takes ids and is safe to run twice.
"""
from __future__ import annotations

import logging

from celery import shared_task
from sqlalchemy import select, update

from app.extensions import db
from app.utils import now

log = logging.getLogger(__name__)


@shared_task(name="app.events.promote_waitlist")
def promote_waitlist_task(event_id: int) -> list[int]:
    """Fill free seats from the waitlist in arrival order (idempotent: a full event promotes no one)."""
    from app.events.services import promote_waitlist

    return promote_waitlist(event_id)


@shared_task(name="app.events.announce_cancellation")
def announce_cancellation(event_id: int) -> int:
    """Tell every active registrant that the event is cancelled (once per registration)."""
    from flask_babel import gettext as _

    from app.events.models import Event, Registration, RegistrationStatus
    from app.events.services import _tell

    event = db.session.get(Event, event_id)
    if event is None:
        return 0
    told = 0
    ids = db.session.scalars(select(Registration.id).where(
        Registration.event_id == event_id,
        Registration.status.in_([RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]))
        .order_by(Registration.id)).all()
    for registration_id in ids:
        claimed = db.session.execute(update(Registration).where(
            Registration.id == registration_id, Registration.status != RegistrationStatus.CANCELLED)
            .values(status=RegistrationStatus.CANCELLED, cancelled_at=now())).rowcount
        if claimed != 1:
            db.session.rollback()
            continue
        registration = db.session.get(Registration, registration_id)
        _tell(registration, _("[협치 플랫폼] 행사가 취소되었습니다: %(title)s", title=event.title),
              _("%(title)s 행사가 취소되었습니다. 사유: %(reason)s", title=event.title,
                reason=event.cancel_reason or ""))
        db.session.commit()
        told += 1
    return told


@shared_task(name="app.events.send_reminders")
def send_reminders() -> int:
    """Reminders one day and one hour before (Celery beat, every few minutes)."""
    from app.events.services import send_due_reminders

    return send_due_reminders()


@shared_task(name="app.events.purge_guest_data")
def purge_guest_data() -> int:
    """Erase guests' personal data EVENT_GUEST_DATA_RETENTION_DAYS after their event (Celery beat, daily)."""
    from app.events.services import purge_guest_data as purge

    return purge()


@shared_task(bind=True, name="app.events.deliver_sms", max_retries=5, default_retry_delay=60)
def deliver_sms(self, message_id: int) -> None:
    """Deliver one text message. There is no SMS gateway yet: it is written to the log, like mail without SMTP."""
    from app.events.models import SmsMessage

    message = db.session.execute(
        select(SmsMessage).where(SmsMessage.id == message_id).with_for_update()).scalar_one_or_none()
    if message is None or message.sent_at is not None:
        db.session.rollback()
        return
    message.attempts += 1
    log.info("sms to %s: %s", message.recipient, message.body)
    message.sent_at = now()
    db.session.commit()
