"""Read-side queries for the staff screens (paged, filtered)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select

from app.audit import AuditLog
from app.auth.models import SiteRole, User
from app.extensions import db
from app.mail import OutboxMessage

PAGE_SIZE = 30


@dataclass
class Page:
    items: list[Any]
    page: int
    pages: int
    total: int


def paginate(stmt: Select, page: int, per_page: int = PAGE_SIZE) -> Page:
    """Run ``stmt`` for one page; out-of-range pages clamp to the nearest real page."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, pages=pages, total=total)


def search_users(query: str, role: str | None, page: int) -> Page:
    """Users whose name or e-mail contains ``query``, optionally of one site role."""
    stmt = select(User).order_by(User.id.desc())
    if query:
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(User.display_name).like(like), User.email.like(like)))
    if role in {r.value for r in SiteRole}:
        stmt = stmt.where(User.role == SiteRole(role))
    return paginate(stmt, page)


def audit_entries(action: str | None, actor_id: int | None, target_type: str | None, page: int) -> Page:
    """Audit rows, newest first, filtered by action prefix, actor or target type."""
    stmt = select(AuditLog).order_by(AuditLog.id.desc())
    if action:
        stmt = stmt.where(AuditLog.action.like(f"{action}%"))
    if actor_id:
        stmt = stmt.where(AuditLog.actor_id == actor_id)
    if target_type:
        stmt = stmt.where(AuditLog.target_type == target_type)
    return paginate(stmt, page, per_page=50)


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))


def outbox(page: int) -> Page:
    return paginate(select(OutboxMessage).order_by(OutboxMessage.id.desc()), page)
