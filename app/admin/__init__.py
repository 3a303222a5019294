"""Staff and admin screens: users and roles, applications, the audit log, the mail outbox."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

from app.admin import routes  # noqa: E402,F401
