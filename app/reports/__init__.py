"""Reports: participation statistics (참여 통계), budget execution (예산 집행) and the agenda funnel, as pages and CSV."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")

from app.reports import permissions, plan_routes, routes  # noqa: E402,F401
