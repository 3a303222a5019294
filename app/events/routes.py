"""Event pages (filled in below)."""
from app.events import bp  # noqa: F401
