"""Staff screens for the annual cycle; the public cycle overview."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.cycles import bp, services
from app.cycles.models import PlanCycle
from app.cycles.phases import PHASES
from app.errors import ServiceError
from app.extensions import db
from app.permissions import require
from app.utils import today


@bp.route("/cycles/")
def index():
    return render_template("cycles/index.html", cycles=services.all_cycles(), phases=PHASES, today=today())


def _parse_date(value: str):
    from datetime import date

    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise ServiceError(_("날짜를 YYYY-MM-DD 형식으로 입력해 주세요."))


@bp.route("/admin/cycles/new", methods=["GET", "POST"])
@bp.route("/admin/cycles/<int:cycle_id>", methods=["GET", "POST"])
@login_required
def edit(cycle_id: int | None = None):
    require("site.staff")
    cycle = db.get_or_404(PlanCycle, cycle_id) if cycle_id else None
    error = None
    if request.method == "POST":
        from flask_wtf.csrf import validate_csrf  # noqa: F401  (CSRFProtect already checked the token)

        try:
            year = int(request.form.get("year", ""))
            threshold = int(request.form.get("support_threshold", ""))
            window = int(request.form.get("support_window_days", ""))
        except ValueError:
            error = _("연도, 공감 기준, 기간은 정수로 적어 주세요.")
        else:
            try:
                phases = {k: (_parse_date(request.form.get(f"{k}-start", "")), _parse_date(request.form.get(f"{k}-end", "")))
                          for k in PHASES}
                saved = services.save_cycle(cycle, year=year, title=request.form.get("title", "") or f"{year}",
                                            support_threshold=threshold, support_window_days=window, phases=phases,
                                            actor=current_user)
            except ServiceError as exc:
                error = exc.message
            else:
                flash(_("주기를 저장했습니다."), "success")
                return redirect(url_for("cycles.edit", cycle_id=saved.id))
    return render_template("cycles/edit.html", cycle=cycle, phases=PHASES, error=error,
                           form=request.form if request.method == "POST" else None), 422 if error else 200
