"""Template helpers: permission checks, dates in KST, notification badge."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, g, request
from flask_login import current_user

from app.permissions import can
from app.utils import KST


def _kst(value: datetime | None) -> str:
    if value is None:
        return ""
    return (value + KST).strftime("%Y-%m-%d %H:%M")


def _date(value: date | None) -> str:
    return value.isoformat() if value else ""


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals["can"] = can
    app.jinja_env.filters["kst"] = _kst
    app.jinja_env.filters["isodate"] = _date

    @app.context_processor
    def _inject():
        from app.notifications import unread_count

        unread = g.get("unread_notifications")  # a write path may read it before its commit
        if unread is None:
            unread = unread_count(current_user) if current_user.is_authenticated else 0
        return {"unread_notifications": unread, "current_path": request.full_path.rstrip("?")}
