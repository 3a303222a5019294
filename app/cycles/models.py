"""A plan year and its dated phases."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cycles.phases import PHASES, Phase
from app.extensions import db
from app.utils import now, today


class PlanCycle(db.Model):
    """지역사회혁신계획 수립 주기: one per plan year."""

    __tablename__ = "plan_cycle"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(120))
    support_threshold: Mapped[int] = mapped_column(default=20)
    support_window_days: Mapped[int] = mapped_column(default=30)
    created_at: Mapped[datetime] = mapped_column(default=now)

    phases: Mapped[list["CyclePhase"]] = relationship(
        back_populates="cycle", order_by="CyclePhase.starts_on", cascade="all, delete-orphan")

    def active_phase(self, on: date | None = None) -> "CyclePhase | None":
        on = on or today()
        return next((p for p in self.phases if p.starts_on <= on <= p.ends_on), None)

    def allows(self, action: str, on: date | None = None) -> bool:
        phase = self.active_phase(on)
        return phase is not None and action in phase.phase.allows


class CyclePhase(db.Model):
    """One dated phase of a cycle (inclusive dates)."""

    __tablename__ = "cycle_phase"
    __table_args__ = (UniqueConstraint("cycle_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("plan_cycle.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    cycle: Mapped[PlanCycle] = relationship(back_populates="phases")

    @property
    def phase(self) -> Phase:
        return PHASES[self.kind]
