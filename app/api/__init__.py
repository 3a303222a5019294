"""JSON API under /api/v1, with the same permission layer as the pages, and its OpenAPI document."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import agenda  # noqa: E402,F401
