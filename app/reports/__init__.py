"""Participation statistics (참여 통계): meetings held and cumulative participants, as pages and CSV."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")

from app.reports import permissions, routes  # noqa: E402,F401
