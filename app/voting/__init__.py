"""Vote rounds: methods, eligibility, secret ballots with receipts, tallies and results."""
from flask import Blueprint

bp = Blueprint("voting", __name__, url_prefix="/votes", template_folder="templates")

from app.voting import permissions, routes  # noqa: E402,F401
