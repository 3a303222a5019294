"""Agenda items (의제) that climb the hierarchy: proposing, support, stage moves, answers, browsing."""
from flask import Blueprint

bp = Blueprint("agenda", __name__, url_prefix="/agenda", template_folder="templates")

from app.agenda import permissions, routes  # noqa: E402,F401
