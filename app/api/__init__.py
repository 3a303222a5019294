"""JSON API under /api/v1, with the same permission layer as the pages, and its OpenAPI document."""
from flask import Blueprint, abort, current_app, request
from flask_login import current_user

from app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # checked below, after the login check: an anonymous write is a 401, not a CSRF 400


@bp.before_request
def _writes_need_login_then_a_csrf_token():
    if request.method in current_app.config["WTF_CSRF_METHODS"]:
        if not current_user.is_authenticated:
            abort(401)
        if current_app.config["WTF_CSRF_ENABLED"]:
            csrf.protect()


from app.api import agenda  # noqa: E402,F401
