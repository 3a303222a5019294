"""The consultative hierarchy: 구 협치회의 → 협치실무위원회 → 분과실무협의회 → 협치분과."""
from flask import Blueprint

bp = Blueprint("bodies", __name__, template_folder="templates")

from app.bodies import permissions, routes  # noqa: E402,F401
