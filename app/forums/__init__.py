"""Realtime discussion (토론): threads on agenda items, events and bodies, online forums (온라인공론장),
town-hall live Q&A and moderation, pushed live over the Socket.IO namespace ``/forums``."""
from flask import Blueprint

bp = Blueprint("forums", __name__, url_prefix="/forums", template_folder="templates",
               static_folder="static", static_url_path="/static")

from app.forums import permissions, routes  # noqa: E402,F401
