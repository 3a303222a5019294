"""The agenda funnel (의제 깔때기): how many items of a cycle reached each step, proposed → adopted.

An item counts at a step once it has *ever* reached it (a move on its
timeline), so an item rejected at the working council still counts as having
reached the subcommittee. Side exits (merged, rejected, withdrawn, closed, on
hold) count items by where they are now.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.agenda.models import AgendaItem, StageMove
from app.agenda.stages import CLIMB, STAGES
from app.extensions import db
from app.utils import csv_document

SIDE = ("merged", "rejected", "withdrawn", "closed", "on_hold")


@dataclass
class Step:
    key: str
    label: str
    count: int

    def share_of(self, first: int) -> str:
        return f"{self.count * 100 / first:.1f}%" if first else "—"


@dataclass
class Funnel:
    steps: list[Step]  # proposed → adopted
    exits: list[Step]  # side exits, by current stage

    @property
    def first(self) -> int:
        return self.steps[0].count if self.steps else 0

    def count(self, key: str) -> int:
        return next((s.count for s in self.steps + self.exits if s.key == key), 0)


def agenda_funnel(cycle_id: int | None) -> Funnel:
    """Counts for one cycle (or every cycle with ``None``): two grouped queries."""
    reached = select(StageMove.to_stage, func.count(func.distinct(StageMove.item_id))).join(
        AgendaItem, AgendaItem.id == StageMove.item_id).where(AgendaItem.stage != "draft")
    now_at = select(AgendaItem.stage, func.count()).where(AgendaItem.stage != "draft")
    if cycle_id is not None:
        reached = reached.where(AgendaItem.cycle_id == cycle_id)
        now_at = now_at.where(AgendaItem.cycle_id == cycle_id)
    reached_counts = dict(db.session.execute(reached.group_by(StageMove.to_stage)).all())
    current = dict(db.session.execute(now_at.group_by(AgendaItem.stage)).all())
    submitted = sum(current.values())
    labels = {"proposed": _("제안"), "subcommittee": _("분과 논의(공감 기준 달성)"),
              "working_council": _("분과실무협의회 상정"), "practical_committee": _("협치실무위원회 상정"),
              "district_council": _("구 협치회의 상정"), "adopted": _("채택")}
    steps = [Step("proposed", labels["proposed"], submitted)]
    for key in CLIMB[1:]:
        steps.append(Step(key, labels[key], int(reached_counts.get(key, 0))))
    exits = [Step(key, str(STAGES[key].label), int(current.get(key, 0))) for key in SIDE]
    return Funnel(steps=steps, exits=exits)


def funnel_csv(funnel: Funnel, cycle_label: str) -> str:
    """The funnel as CSV (UTF-8 with BOM for spreadsheet programs)."""
    table = [[_("주기"), cycle_label], [_("단계"), _("의제 수"), _("제안 대비")]]
    table += [[step.label, step.count, step.share_of(funnel.first)] for step in funnel.steps]
    table += [[], [_("종료·보류"), _("의제 수"), _("제안 대비")]]
    table += [[step.label, step.count, step.share_of(funnel.first)] for step in funnel.exits]
    return csv_document(table)
