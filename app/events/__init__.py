"""Town halls, open forums, debates, trainings and body meetings: registration, check-in, the live console."""
from flask import Blueprint

bp = Blueprint("events", __name__, url_prefix="/events", template_folder="templates")

from app.events import permissions, routes, tasks  # noqa: E402,F401
