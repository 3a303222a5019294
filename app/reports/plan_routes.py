"""Report pages on the plan's data: budget execution and the agenda funnel, each with a chart and a CSV."""
from __future__ import annotations

from flask import Response, render_template, request

from app.cycles import services as cycle_services
from app.permissions import require
from app.reports import bp, budget
from app.reports import funnel as funnel_report


def _chosen_plan():
    plans = budget.adopted_plans()
    wanted = request.args.get("plan", type=int)
    plan = next((p for p in plans if p.id == wanted), plans[0] if plans else None)
    return plans, plan


@bp.route("/budget")
def budget_page():
    require("reports.view")
    from app.plans.execution import plan_execution

    plans, plan = _chosen_plan()
    rows, total = plan_execution(plan) if plan else ([], None)
    chart = [(r.project.title, r.figures.rate_value, False, r.figures.rate) for r in rows]
    return render_template("reports/budget.html", plans=plans, plan=plan, rows=rows, total=total, chart=chart)


@bp.route("/budget.csv")
def budget_csv():
    require("reports.view")
    _plans, plan = _chosen_plan()
    if plan is None:
        return Response("\ufeff", mimetype="text/csv")
    return Response(budget.budget_csv(plan), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="budget-{plan.cycle.year}.csv"'})


def _chosen_cycle():
    cycles = cycle_services.all_cycles()
    wanted = request.args.get("cycle", type=int)
    current = cycle_services.current_cycle()
    return cycles, next((c for c in cycles if c.id == wanted), current)


@bp.route("/funnel")
def funnel():
    require("reports.view")
    cycles, cycle = _chosen_cycle()
    result = funnel_report.agenda_funnel(cycle.id if cycle else None)
    return render_template("reports/funnel.html", cycles=cycles, cycle=cycle, funnel=result)


@bp.route("/funnel.csv")
def funnel_csv():
    require("reports.view")
    _cycles, cycle = _chosen_cycle()
    result = funnel_report.agenda_funnel(cycle.id if cycle else None)
    label = cycle.title if cycle else "all"
    name = f"agenda-funnel-{cycle.year if cycle else 'all'}.csv"
    return Response(funnel_report.funnel_csv(result, label), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
