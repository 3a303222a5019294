"""Errors a service raises for the user to read, and the app's error pages."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError

from app.extensions import db


class ServiceError(Exception):
    """A request the user can fix: the message is shown to them (already translated)."""

    status = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Conflict(ServiceError):
    """The thing changed under the user (someone else acted first)."""

    status = 409


class Forbidden(ServiceError):
    """The user may see this but not do it."""

    status = 403


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _page(status: int, title: str, message: str, headers: dict | None = None):
    if _wants_json():
        return jsonify(error=message), status, headers or {}
    return render_template("error.html", status=status, title=title, message=message), status, headers or {}


def _retry_after(error) -> str:
    """Seconds until a refused request may be tried again: the breached limit's window (no clock needed)."""
    limit = getattr(error, "limit", None)  # Flask-Limiter's RateLimitExceeded carries the limit it hit
    try:
        return str(int(limit.limit.get_expiry()))
    except AttributeError:
        return "60"


def _input_the_database_refused(message: str):
    db.session.rollback()  # the failed statement leaves the transaction unusable for the page itself
    return _page(400, _("잘못된 요청입니다"), message)


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _page(400, _("요청을 처리할 수 없습니다"),
                     _("보안 토큰이 없거나 만료되었습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요."))

    @app.errorhandler(400)
    def bad_request(error):
        return _page(400, _("잘못된 요청입니다"), _("요청 내용을 확인한 뒤 다시 시도해 주세요."))

    @app.errorhandler(ServiceError)
    def service_error(error):
        return _page(error.status, _("요청을 처리할 수 없습니다"), error.message)

    @app.errorhandler(401)
    def unauthorized(error):
        return _page(401, _("로그인이 필요합니다"), _("이 페이지를 보려면 먼저 로그인해 주세요."))

    @app.errorhandler(403)
    def forbidden(error):
        return _page(403, _("권한이 없습니다"), _("이 작업을 할 수 있는 권한이 없습니다."))

    @app.errorhandler(404)
    def not_found(error):
        return _page(404, _("페이지를 찾을 수 없습니다"), _("주소가 바뀌었거나 삭제된 페이지입니다."))

    @app.errorhandler(405)
    def method_not_allowed(error):
        allowed = ", ".join(getattr(error, "valid_methods", None) or ())
        return _page(405, _("허용되지 않는 요청입니다"), _("이 주소는 그 방식의 요청을 받지 않습니다."),
                     {"Allow": allowed} if allowed else None)

    @app.errorhandler(429)
    def too_many(error):
        return _page(429, _("요청이 너무 많습니다"), _("잠시 후 다시 시도해 주세요."),
                     {"Retry-After": _retry_after(error)})

    # The guards in app.inputs stop big numbers in addresses, queries and the API; these catch what a form
    # field still lets through to the database (a number no column holds, text PostgreSQL refuses).
    @app.errorhandler(OverflowError)
    def number_too_large(error):
        return _input_the_database_refused(_("입력한 숫자가 너무 큽니다. 숫자를 확인해 주세요."))

    @app.errorhandler(DataError)
    def data_refused(error):
        logging.getLogger(__name__).warning("input refused by the database: %s", error.orig)
        return _input_the_database_refused(_("입력값을 저장할 수 없습니다. 숫자의 크기나 특수 문자를 확인해 주세요."))

    @app.errorhandler(500)
    def server_error(error):
        return _page(500, _("일시적인 오류입니다"), _("잠시 후 다시 시도해 주세요. 문제가 계속되면 관리자에게 알려 주세요."))


def show_on_form(form, error: ServiceError) -> None:
    """Put a service's message next to the field it names, or in a flash message when it names none."""
    from flask import flash

    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "danger")


def form_status(error: ServiceError) -> int:
    """The status of a form page sent back with its errors: 422 (a Conflict stays 409, Forbidden 403)."""
    return 422 if error.status == 400 else error.status
