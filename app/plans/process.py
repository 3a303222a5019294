"""수립과정설명서: how the plan was made, generated from the cycle's own records.

Everything here is read from data other features keep: the cycle's dated
phases, participation statistics (app.reports.services, one source for the
report page and this document), the cycle's town halls and forums with their
attendance, the agenda funnel (app.reports.funnel) and every vote of the cycle
with its turnout and result. The result is plain JSON, stored as a section
version so the adopted plan keeps the figures it was adopted with.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, or_, select

from app.cycles.models import PlanCycle
from app.events.models import Attendance, Event, EventKind, EventStatus
from app.extensions import db
from app.plans.selection import latest_result, rounds_of_cycle
from app.reports import funnel as funnel_report
from app.reports import services as participation_report
from app.utils import KST, today

FORUM_KINDS = (EventKind.TOWN_HALL, EventKind.OPEN_FORUM, EventKind.DEBATE)


def cycle_period(cycle: PlanCycle) -> tuple[date, date]:
    """From the first phase to the day before execution starts (or the last phase), capped at today."""
    phases = sorted(cycle.phases, key=lambda p: p.starts_on)
    if not phases:
        return today(), today()
    start = phases[0].starts_on
    before_execution = [p for p in phases if p.kind != "execution"]
    end = max(p.ends_on for p in before_execution) if before_execution else phases[-1].ends_on
    return start, max(start, min(end, today()))


def _events(cycle: PlanCycle, start: date, end: date) -> list[dict[str, Any]]:
    """The cycle's town halls, open forums and debates that took place, with attendance."""
    lo, hi = participation_report._bounds(start, end)
    attendance = (select(Attendance.event_id, func.count(Attendance.id).label("n"))
                  .group_by(Attendance.event_id).subquery())
    rows = db.session.execute(
        select(Event.id, Event.title, Event.kind, Event.starts_at, func.coalesce(attendance.c.n, 0))
        .outerjoin(attendance, attendance.c.event_id == Event.id)
        .where(Event.kind.in_(FORUM_KINDS), Event.status == EventStatus.PUBLISHED,
               or_(Event.cycle_id == cycle.id, (Event.starts_at >= lo) & (Event.starts_at < hi)))
        .order_by(Event.starts_at)
    ).all()
    return [{"title": title, "kind": kind.value if hasattr(kind, "value") else kind,
             "kind_label": str(EventKind(kind.value if hasattr(kind, "value") else kind).label),
             "date": (starts + KST).date().isoformat(), "attendance": int(n)}
            for _id, title, kind, starts, n in rows]


def _votes(cycle: PlanCycle) -> list[dict[str, Any]]:
    from app.voting import services as voting

    out = []
    for round_ in rounds_of_cycle(cycle):
        if round_.status.value != "published":  # a tallied result is staff's alone until it is published
            continue
        turnout = voting.turnout(round_)
        result = latest_result(round_)
        chosen = set((result.result or {}).get("selected") or []) if result else set()
        out.append({
            "title": round_.title, "method": round_.method, "status": round_.status.value,
            "cast": turnout["cast"], "eligible": turnout["eligible"], "percent": turnout["percent"],
            "selected": [o.title for o in round_.options if str(o.id) in chosen],
            "options": len(round_.options),
        })
    return out


def generate(cycle: PlanCycle) -> dict[str, Any]:
    """The explainer's figures for ``cycle`` (JSON-serialisable)."""
    start, end = cycle_period(cycle)
    report = participation_report.participation(start, end)
    funnel = funnel_report.agenda_funnel(cycle.id)
    meetings = [{"key": r.key, "label": r.label, "held": r.held, "participants": r.participants}
                for r in report.rows if r.key.startswith("meeting:")]
    gatherings = [{"key": r.key, "label": r.label, "held": r.held, "participants": r.participants}
                  for r in report.rows if r.key.startswith("event:")]
    return {
        "period": [start.isoformat(), end.isoformat()],
        "phases": [{"kind": p.kind, "label": str(p.phase.label), "starts_on": p.starts_on.isoformat(),
                    "ends_on": p.ends_on.isoformat()} for p in sorted(cycle.phases, key=lambda p: p.starts_on)],
        "meetings": meetings,
        "gatherings": gatherings,
        "events": _events(cycle, start, end),
        "agenda": {s.key: s.count for s in funnel.steps + funnel.exits},
        "agenda_labels": {s.key: s.label for s in funnel.steps + funnel.exits},
        "votes": _votes(cycle),
    }
