"""The annual innovation plan (지역사회혁신계획): draft, review, adoption, exports and execution tracking."""
from flask import Blueprint

bp = Blueprint("plans", __name__, url_prefix="/plans", template_folder="templates")

from app.plans import permissions, routes  # noqa: E402,F401
