"""In-app notifications, optionally mirrored by e-mail."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from celery import shared_task

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
    pending_digest: Mapped[bool] = mapped_column(default=False)  # to be mailed in the daily digest


MODES = ("immediate", "digest", "off")


class NotificationPreference(db.Model):
    """How a user wants notifications by e-mail: immediately, as a daily digest, or not at all."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(10), default="immediate")


def email_mode(user) -> str:
    pref = db.session.get(NotificationPreference, user.id)
    return pref.mode if pref else "immediate"


def set_email_mode(user, mode: str) -> None:
    """Save how ``user`` wants notification e-mail."""
    from flask_babel import gettext as _

    from app.errors import ServiceError

    if mode not in MODES:
        raise ServiceError(_("알림 방식을 골라 주세요."), "mode")
    pref = db.session.get(NotificationPreference, user.id) or NotificationPreference(user_id=user.id)
    pref.mode = mode
    db.session.add(pref)
    db.session.commit()


def notify(user, message: str, link: str | None = None, *, email_subject: str | None = None) -> Notification:
    """Tell ``user`` something in the app and, with a subject, by e-mail too."""
    note = Notification(user_id=user.id, created_at=now(), message=message, link=link)
    db.session.add(note)
    if email_subject and user.email and not user.is_deleted:
        mode = email_mode(user)
        if mode == "immediate":
            send_mail(user.email, email_subject, message + _site_link(link), user_id=user.id)
        elif mode == "digest":
            note.pending_digest = True
    return note


def _site_link(link: str | None) -> str:
    from flask import current_app

    return "\n" + current_app.config["SITE_URL"].rstrip("/") + link if link else ""


@shared_task(name="app.notifications.send_digests")
def send_digests() -> int:
    """Mail each digest subscriber one message with everything pending (Celery beat, daily)."""
    from flask_babel import gettext as _

    from app.auth.models import User

    sent = 0
    user_ids = db.session.scalars(select(Notification.user_id).where(Notification.pending_digest.is_(True)).distinct())
    for user_id in list(user_ids):
        user = db.session.get(User, user_id)
        notes = db.session.scalars(select(Notification).where(
            Notification.user_id == user_id, Notification.pending_digest.is_(True)).order_by(Notification.id)).all()
        if user and user.email and not user.is_deleted:
            body = "\n\n".join(f"- {n.message}{_site_link(n.link)}" for n in notes)
            send_mail(user.email, _("[협치 플랫폼] 오늘의 알림 %(n)d건", n=len(notes)), body, user_id=user.id)
            sent += 1
        for note in notes:
            note.pending_digest = False
        db.session.commit()
    return sent


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
