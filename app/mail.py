"""Outgoing mail through an outbox table.

Every message is stored first, in the same transaction as the change it
reports, and delivered by a task after commit. On the embedded default
(no MAIL_SERVER) delivery means writing it to the log; staff read the
outbox in the admin screens.
"""
from __future__ import annotations

import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage

from celery import shared_task
from flask import current_app
from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.tasks import defer
from app.utils import now

log = logging.getLogger(__name__)


class OutboxMessage(db.Model):
    """One e-mail, queued or sent."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=now, index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))


def send_mail(recipient: str, subject: str, body: str, user_id: int | None = None) -> OutboxMessage:
    """Queue an e-mail in the outbox; it is delivered after the transaction commits."""
    message = OutboxMessage(
        created_at=now(), recipient=recipient, subject=subject, body=body, user_id=user_id
    )
    db.session.add(message)
    db.session.flush()
    defer(deliver_mail, message.id)
    return message


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def deliver_mail(self, message_id: int) -> None:
    """Deliver one outbox message; a retry after success sends nothing twice."""
    message = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update()
    ).scalar_one_or_none()
    if message is None or message.sent_at is not None:
        db.session.rollback()
        return
    message.attempts += 1
    config = current_app.config
    try:
        if config.get("MAIL_SERVER"):
            email = EmailMessage()
            email["From"] = config["MAIL_SENDER"]
            email["To"] = message.recipient
            email["Subject"] = message.subject
            email.set_content(message.body)
            with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
                if config.get("MAIL_USE_TLS"):
                    smtp.starttls()
                if config.get("MAIL_USERNAME"):
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
                smtp.send_message(email)
        else:
            log.info("mail to %s: %s\n%s", message.recipient, message.subject, message.body)
    except (OSError, smtplib.SMTPException) as exc:
        message.last_error = str(exc)[:500]
        db.session.commit()
        raise self.retry(exc=exc)
    message.sent_at = now()
    db.session.commit()
