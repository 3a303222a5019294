"""The append-only audit log: who did what to which target, when, from where."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.utils import client_ip, now


class AuditLog(db.Model):
    """One state change that matters. Rows are never updated or deleted."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int | None]
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))

    actor = db.relationship("User", foreign_keys=[actor_id], lazy="joined")


@event.listens_for(AuditLog, "before_update")
@event.listens_for(AuditLog, "before_delete")
def _append_only(mapper, connection, target):
    raise RuntimeError("audit rows are append-only")


def record(action: str, target: Any = None, *, actor: Any = None, **detail: Any) -> AuditLog:
    """Add an audit row to the current transaction (committed with the change it records)."""
    if target is not None and getattr(target, "id", 0) is None:
        db.session.flush()  # a new target needs its id before we can point at it
    if actor is None and current_user and getattr(current_user, "is_authenticated", False):
        actor = current_user
    row = AuditLog(
        created_at=now(),
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=type(target).__name__.lower() if target is not None else "site",
        target_id=getattr(target, "id", None),
        detail=detail,
        ip=client_ip(),
    )
    db.session.add(row)
    return row
