"""Named permissions for reports."""
from app.permissions import is_staff, register

register("reports.view", is_staff)
