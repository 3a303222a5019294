"""The live room of an online event: the participants' live page, the staff console, the projector.

State lives in the database (``event_live_state``, ``event_announcement``,
``Event.qa_open``, the event's vote rounds); the ``/live`` Socket.IO
namespace pushes it to the room of each event after every commit.
"""
from flask import Blueprint

live_bp = Blueprint("live", __name__, template_folder="../templates")

from app.events.live import models, routes, sockets  # noqa: E402,F401
