"""The annual cycle (지역사회혁신계획 수립): plan years, their dated phases, and what each phase allows."""
from flask import Blueprint

bp = Blueprint("cycles", __name__, template_folder="templates")

from app.cycles import routes  # noqa: E402,F401
