"""Budget execution (예산 집행): per project and in total, for an adopted plan, as page and CSV.

The figures come from app.plans.execution (one source for the plan's
dashboard, its open data and this report).
"""
from __future__ import annotations


from flask_babel import gettext as _
from sqlalchemy import select

from app.cycles.models import PlanCycle
from app.extensions import db
from app.plans.execution import plan_execution
from app.plans.models import Plan, PlanStatus
from app.plans.money import rate, thousands
from app.utils import csv_document


def adopted_plans() -> list[Plan]:
    return list(db.session.scalars(select(Plan).join(PlanCycle).where(Plan.status == PlanStatus.ADOPTED)
                                   .order_by(PlanCycle.year.desc())))


def budget_csv(plan: Plan) -> str:
    """Projects with 예산액 / 집행액 (thousands of won) and 집행율, then the total (UTF-8 with BOM)."""
    rows, total = plan_execution(plan)
    table = [[_("계획"), plan.title],
             [_("사업명"), _("예산액(천원)"), _("집행액(천원)"), _("집행율"), _("예산액(원)"), _("집행액(원)")]]
    for row in rows:
        f = row.figures
        table.append([row.project.title, thousands(f.budget), thousands(f.spent), rate(f.spent, f.budget),
                      f.budget, f.spent])
    table.append([_("합계"), thousands(total.budget), thousands(total.spent), rate(total.spent, total.budget),
                  total.budget, total.spent])
    return csv_document(table)
