"""Services for plan cycles."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.cycles.models import CyclePhase, PlanCycle
from app.cycles.phases import PHASES
from app.errors import ServiceError
from app.extensions import db
from app.utils import today


def all_cycles() -> list[PlanCycle]:
    return list(db.session.scalars(select(PlanCycle).order_by(PlanCycle.year.desc())))


def current_cycle() -> PlanCycle | None:
    """The cycle with a phase running today, else the newest."""
    cycles = all_cycles()
    return next((c for c in cycles if c.active_phase()), cycles[0] if cycles else None)


def save_cycle(cycle: PlanCycle | None, *, year: int, title: str, support_threshold: int,
               support_window_days: int, phases: dict[str, tuple[date | None, date | None]], actor) -> PlanCycle:
    """Create or edit a cycle and its phase dates; phases may not overlap."""
    if support_threshold < 1 or support_window_days < 1:
        raise ServiceError(_("공감 기준과 기간은 1 이상이어야 합니다."))
    dated = []
    for kind, (start, end) in phases.items():
        if kind not in PHASES:
            continue
        if (start is None) != (end is None):
            raise ServiceError(_("「%(phase)s」의 시작일과 종료일을 모두 적어 주세요.", phase=PHASES[kind].label))
        if start and end < start:
            raise ServiceError(_("「%(phase)s」의 종료일이 시작일보다 빠릅니다.", phase=PHASES[kind].label))
        if start:
            dated.append((start, end, kind))
    dated.sort()
    for (s1, e1, k1), (s2, e2, k2) in zip(dated, dated[1:]):
        if s2 <= e1:
            raise ServiceError(_("「%(a)s」와 「%(b)s」의 기간이 겹칩니다.", a=PHASES[k1].label, b=PHASES[k2].label))
    creating = cycle is None
    if creating:
        cycle = PlanCycle()
        db.session.add(cycle)
    cycle.year, cycle.title = year, title.strip()
    cycle.support_threshold, cycle.support_window_days = support_threshold, support_window_days
    existing = {p.kind: p for p in cycle.phases}
    for kind in PHASES:
        start, end = phases.get(kind, (None, None))
        if start is None:
            if kind in existing:
                cycle.phases.remove(existing[kind])
            continue
        phase = existing.get(kind) or CyclePhase(kind=kind)
        phase.starts_on, phase.ends_on = start, end
        if kind not in existing:
            cycle.phases.append(phase)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(_("%(year)d년 주기가 이미 있습니다.", year=year), "year")
    audit.record("cycle.create" if creating else "cycle.update", cycle, actor=actor, year=year,
                 phases={k: [s.isoformat(), e.isoformat()] for s, e, k in dated})
    db.session.commit()
    return cycle


def phase_today(cycle: PlanCycle) -> str | None:
    phase = cycle.active_phase(today())
    return phase.kind if phase else None
