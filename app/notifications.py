"""In-app notifications, optionally mirrored by e-mail."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.mail import send_mail
from app.utils import now


class Notification(db.Model):
    """Something a user should know about, shown on their notifications page."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    message: Mapped[str] = mapped_column(String(500))
    link: Mapped[str | None] = mapped_column(String(300))
    read_at: Mapped[datetime | None]


def notify(user, message: str, link: str | None = None, *, email_subject: str | None = None) -> Notification:
    """Tell ``user`` something in the app and, with a subject, by e-mail too."""
    note = Notification(user_id=user.id, created_at=now(), message=message, link=link)
    db.session.add(note)
    if email_subject and user.email and not user.is_deleted:
        from flask import current_app

        body = message
        if link:
            body += "\n\n" + current_app.config["SITE_URL"].rstrip("/") + link
        send_mail(user.email, email_subject, body, user_id=user.id)
    return note


def recent_notifications(user, limit: int = 100) -> list[Notification]:
    """The user's newest notifications, newest first."""
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    ))


def unread_count(user) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


def mark_all_read(user) -> None:
    """Mark every unread notification of ``user`` as read."""
    db.session.execute(
        db.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now())
    )
    db.session.commit()
