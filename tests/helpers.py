"""Helpers for reading what the app sent and showed."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.audit import AuditLog
from app.extensions import db
from app.mail import OutboxMessage


def outbox_for(email: str) -> list[OutboxMessage]:
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id)
    ))


def link_in(message: OutboxMessage) -> str:
    """The site-relative path of the first link in a mail body."""
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def audit_rows(action: str) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def text(response) -> str:
    return response.get_data(as_text=True)


def receipt_code(response) -> str:
    """The receipt code a ballot's receipt page showed."""
    return re.search(r'id="receipt-code">([A-Z0-9-]+)<', text(response)).group(1)
