"""Accounts: sign-up, verification, login, password reset, profile, data export, deletion."""
from flask import Blueprint

bp = Blueprint("auth", __name__, template_folder="templates")

from app.auth import routes, two_factor_views  # noqa: E402,F401
