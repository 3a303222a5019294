"""The application factory: configuration, extensions, blueprints, sockets, Celery."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_login import current_user
from flask_babel import get_locale
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import load_config
from app.extensions import babel, csrf, db, limiter, login_manager, migrate, socketio

__version__ = "0.1.0"


def _select_locale() -> str:
    from flask import current_app

    choice = session.get("lang") if has_request_context() else None
    if choice in current_app.config["LANGUAGES"]:
        return choice
    return current_app.config["BABEL_DEFAULT_LOCALE"]  # Korean first, whatever the browser says


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        # Let SQLAlchemy own transactions (so SAVEPOINT works) and enforce foreign keys.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        # IMMEDIATE takes the write lock up front, so concurrent writers wait
        # (busy_timeout) instead of failing when a reader tries to write.
        # Fine for the embedded single-process default; production is PostgreSQL.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _security_headers(response):
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    response.headers.setdefault("Content-Security-Policy", csp)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if current_user and current_user.is_authenticated and request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "private, no-store")  # pages with personal data
    return response


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app: environment configuration first, then ``overrides`` (tests)."""
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(app.instance_path))
    if overrides:
        app.config.update(overrides)
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
    if app.config.get("CLOCK_START"):
        from app.utils import start_clock_at

        start_clock_at(app.config["CLOCK_START"])
    if app.config.get("SWITCH_INTERVAL_MS") and not app.testing:
        import sys

        sys.setswitchinterval(app.config["SWITCH_INTERVAL_MS"] / 1000)
    if os.environ.get("TRUST_PROXY_HOPS"):
        hops = int(os.environ["TRUST_PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from app import inputs

    inputs.install(app)  # before the blueprints: their <int:...> rules take the bounded converter
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    from app.socket_auth import client_manager  # the queue's manager, made to drop sockets whose login ends

    socketio.init_app(app, client_manager=client_manager(app.config["SOCKETIO_MESSAGE_QUEUE"],
                                                         app.config.get("SOCKETIO_CHANNEL", "flask-socketio")),
                      async_mode="threading", cors_allowed_origins=app.config.get("SOCKETIO_CORS_ORIGINS", []) or None,
                      manage_session=False)

    from app.tasks import celery_init_app

    celery_init_app(app)

    # Models that every feature refers to.
    from app import audit, mail, notifications  # noqa: F401
    from app.events import models as _event_models  # noqa: F401
    from app.auth.services import load_user_from_session

    login_manager.user_loader(load_user_from_session)

    from app.admin import bp as admin_bp
    from app.auth import bp as auth_bp
    from app.bodies import bp as bodies_bp
    # Meetings (a layer above agenda) hang their pages off the bodies blueprint; bodies itself must not
    # import them, or importing any body model would pull in the agenda half-built.
    from app.bodies.meetings import permissions as _meeting_permissions  # noqa: F401
    from app.bodies.meetings import routes as _meeting_routes  # noqa: F401
    from app.agenda import bp as agenda_bp
    from app.api import bp as api_bp
    from app.cycles import bp as cycles_bp
    from app.main import bp as main_bp
    from app.voting import bp as voting_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/account")
    app.register_blueprint(bodies_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(voting_bp)
    app.register_blueprint(agenda_bp)
    app.register_blueprint(cycles_bp)
    app.register_blueprint(api_bp)

    from app.events import bp as events_bp
    from app.reports import bp as reports_bp

    app.register_blueprint(events_bp)
    app.register_blueprint(reports_bp)

    from app.forums import bp as forums_bp
    from app.forums import sockets as _forum_sockets  # noqa: F401  (the /forums Socket.IO namespace)

    app.register_blueprint(forums_bp)

    from app.events.live import live_bp  # the live page, console, projector and the /live namespace

    app.register_blueprint(live_bp)

    from app.plans import bp as plans_bp

    app.register_blueprint(plans_bp)

    from app import sockets  # noqa: F401
    from app.errors import register_error_pages

    register_error_pages(app)
    app.after_request(_security_headers)

    from app.templating import register_template_helpers

    register_template_helpers(app)

    from app.cli import register_cli

    register_cli(app)

    from app.voting.cli import register as register_voting_cli

    register_voting_cli(app)

    app.jinja_env.globals["get_locale"] = get_locale
    return app
