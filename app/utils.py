"""Small shared helpers: the one clock, after-commit hooks, the client address."""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone
from typing import Callable

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

KST = timedelta(hours=9)  # the district's offset from UTC (no daylight saving)

_frozen: datetime | None = None
_shift: timedelta | None = None


def now() -> datetime:
    """Current time as a naive UTC datetime (the only clock the app reads)."""
    if _frozen is not None:
        return _frozen
    real = datetime.now(timezone.utc).replace(tzinfo=None)
    return real + _shift if _shift is not None else real


def today() -> date:
    """Today's date in the district's time zone (KST, UTC+9, no DST)."""
    return (now() + KST).date()


def freeze_clock(moment: datetime | None) -> None:
    """Freeze now() at ``moment`` (naive UTC); None unfreezes. For tests and demo data."""
    global _frozen
    if moment is not None and moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    _frozen = moment


def start_clock_at(moment: datetime | None) -> None:
    """Let now() run from ``moment`` (naive UTC) at the real pace; None goes back to the real time.

    For a server under browser tests (``CLOCK_START``): its pages see the same day on any day the
    suite runs, while deadlines and countdowns still move.
    """
    global _shift
    if moment is not None and moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    _shift = None if moment is None else moment - datetime.now(timezone.utc).replace(tzinfo=None)


def csv_document(rows) -> str:
    """Rows as CSV for spreadsheet programs: UTF-8 with a BOM, and text that starts like a formula defused.

    Titles, names and answers come from residents; a cell starting with = + - @ (or a tab or
    carriage return) would run as a formula in a spreadsheet, so it gets a leading apostrophe.
    Numbers are written as they are.
    """
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["'" + cell if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r")
                         else ("" if cell is None else cell) for cell in row])
    return "\ufeff" + out.getvalue()


def commit_keeping_loaded(session) -> None:
    """Commit without expiring what the session has loaded (for hot paths whose reply shows only that)."""
    real = session() if callable(session) else session  # a scoped_session hands out its Session
    before = real.expire_on_commit
    real.expire_on_commit = False
    try:
        real.commit()
    finally:
        real.expire_on_commit = before


def on_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` after ``session`` commits; drop it if the session rolls back.

    Realtime events and Celery tasks go out through this, so nothing is
    announced before the data it announces is visible to others.
    """
    session.info.setdefault("on_commit", []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_on_commit(session: Session) -> None:
    callbacks = session.info.pop("on_commit", [])
    for callback in callbacks:
        try:
            callback()
        except Exception:  # the change is committed; a failed announcement must not undo the reply
            logging.getLogger(__name__).exception("after-commit callback failed")


@event.listens_for(Session, "after_rollback")
def _drop_on_commit(session: Session) -> None:
    session.info.pop("on_commit", None)


def client_ip() -> str | None:
    """The requesting client's address (ProxyFix supplies it behind a proxy)."""
    if not has_request_context():
        return None
    return request.remote_addr


def link(endpoint: str, **values) -> str:
    """A site-relative URL, also outside a request (Celery tasks, CLI commands)."""
    from flask import current_app, url_for

    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():
        return url_for(endpoint, **values)
