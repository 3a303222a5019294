"""Site-wide pages."""
from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from sqlalchemy import text

from app.bodies import services as body_services
from app.extensions import db
from app.inputs import safe_next
from app.main import bp


@bp.route("/")
def index():
    return render_template("main/index.html", roots=body_services.root_bodies())


@bp.route("/privacy")
def privacy():
    return render_template("main/privacy.html", version=current_app.config["PRIVACY_NOTICE_VERSION"])


@bp.route("/lang/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next")))


@bp.route("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
