"""Outgoing mail through an outbox table.

Every message is stored first, in the same transaction as the change it
reports, and delivered by a task after commit. On the embedded default
(no MAIL_SERVER) delivery means writing it to the log; staff read the
outbox in the admin screens, where no live secret may show: :func:`redact_secrets`.
"""
from __future__ import annotations

import logging
import re
import smtplib
from datetime import datetime
from email.message import EmailMessage

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from celery import shared_task
from flask import current_app
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RoutingException
from werkzeug.routing.converters import UnicodeConverter
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


HIDDEN = "[가림]"
_URL = re.compile(r"https?://[^\s<>\"']+")
_RULE_ARG = re.compile(r"<(?:[^<>]*:)?(\w+)>")
_DIGITS = re.compile(r"(?<!\d)\d{6,}(?!\d)")  # one-time codes (a guest's six digits)
_LABELLED_CODE = re.compile(r"(코드(?:는|:)\s*|\bcode(?: is|:)\s*)([A-Za-z0-9][A-Za-z0-9-]{3,})", re.IGNORECASE)
_TOKEN_LIKE = re.compile(r"^(?=.*[0-9A-Z_.])[A-Za-z0-9_.~=-]{16,}$")


def redact_secrets(text: str | None) -> str:
    """``text`` (a mail or a text message) with every live secret hidden and the rest left readable.

    Hidden: the free-text parts of this site's links (a reset or verification token, a ticket or
    guest code: a link's numbers and fixed words are kept), every query value, any other link part
    that looks like a token, runs of six or more digits, and whatever follows "코드:" / "code:".
    Staff read the outbox; a live link there would let them act as its recipient.
    """
    if not text:
        return ""
    text = _URL.sub(lambda match: _redact_url(match.group(0)), text)
    text = _LABELLED_CODE.sub(lambda match: match.group(1) + HIDDEN, text)
    return _DIGITS.sub(HIDDEN, text)


def _redact_url(url: str) -> str:
    trail = ""
    while url and url[-1] in ".,;:!?)]}":  # sentence punctuation is not part of the link
        trail, url = url[-1] + trail, url[:-1]
    parts = urlsplit(url)
    query = urlencode([(key, HIDDEN) for key, _value in parse_qsl(parts.query, keep_blank_values=True)])
    path = _redact_path(parts.path)
    return urlunsplit((parts.scheme, parts.netloc, path, query, "")) + trail


def _redact_path(path: str) -> str:
    try:
        rule, args = current_app.url_map.bind("localhost").match(path, method="GET", return_rule=True)
    except (HTTPException, RoutingException):  # not a page of this site: hide what looks like a token
        return "/".join(HIDDEN if _TOKEN_LIKE.match(segment) else segment for segment in path.split("/"))

    def part(match: re.Match) -> str:
        name = match.group(1)
        converter = rule._converters.get(name)  # werkzeug keeps no public map of a rule's converters
        if type(converter) is UnicodeConverter:
            return HIDDEN  # a free-text part of a route is a token or a code
        return str(args.get(name, ""))

    return _RULE_ARG.sub(part, rule.rule)


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
