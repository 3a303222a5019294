"""Report pages: participation statistics as a table and as CSV."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Response, render_template, request
from flask_babel import gettext as _

from app.permissions import require
from app.reports import bp, services
from app.utils import today


def _period() -> tuple[date, date, str | None]:
    """The period from ?year= or ?start=&end= (KST dates); default: this year."""
    error = None
    year = request.args.get("year", type=int)
    start_raw, end_raw = request.args.get("start"), request.args.get("end")
    if start_raw or end_raw:
        try:
            start = date.fromisoformat(start_raw or "")
            end = date.fromisoformat(end_raw or "")
            if end < start:
                raise ValueError
            if (end - start).days > 366 * 10:
                raise ValueError
            return start, end, None
        except ValueError:
            error = _("기간을 YYYY-MM-DD 형식으로, 시작일이 종료일보다 늦지 않게 입력해 주세요.")
    if year is None or not 2000 <= year <= 2100:
        year = today().year
    return date(year, 1, 1), date(year, 12, 31), error


@bp.route("/")
def index():
    return participation()


@bp.route("/participation")
def participation():
    require("reports.view")
    start, end, error = _period()
    report = services.participation(start, end)
    this_year = today().year
    return render_template("reports/participation.html", report=report, error=error,
                           years=list(range(this_year, this_year - 5, -1)),
                           year=start.year if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31)
                           and start.year == end.year else None), 422 if error else 200


@bp.route("/participation.csv")
def participation_csv():
    require("reports.view")
    start, end, error = _period()
    report = services.participation(start, end)
    name = f"participation-{start.isoformat()}-{end.isoformat()}.csv"
    return Response(services.report_csv(report), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
