"""Two-factor pages: the second step of signing in, enrolment, the settings page, and the staff gate.

Between the password and the code nobody is logged in: the session holds only who is signing
in, since when, and where to go afterwards (``PENDING``), for a few minutes.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import (
    Response, current_app, flash, redirect, render_template, request, session, url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user

from app.auth import bp, services, two_factor
from app.auth.forms import TwoFactorCodeForm, TwoFactorDisableForm, TwoFactorEnrolForm
from app.auth.models import User
from app.errors import Forbidden, ServiceError, show_on_form
from app.extensions import limiter
from app.utils import now

PENDING = "two_factor_pending"
CODE_WAIT = timedelta(minutes=5)  # from the password to the code
ENROL_WAIT = timedelta(minutes=15)  # from the password to a confirmed enrolment (installing an app)
# What a staff member who must enrol may still open.
_OPEN_DURING_ENROLMENT = {"static", "auth.two_factor_setup", "auth.logout", "main.set_language",
                          "auth.two_factor_login", "auth.login"}


def second_step(user: User, *, remember: bool, next_url: str) -> Response | None:
    """After a right password: the redirect to the code (or to enrolment, for staff who must), or None.

    ``next_url`` must already be a safe local path: it is followed after the last step.
    """
    if two_factor.is_enrolled(user):
        purpose, endpoint = "code", "auth.two_factor_login"
    elif two_factor.must_enrol(user):
        purpose, endpoint = "enrol", "auth.two_factor_setup"
    else:
        return None
    session.clear()  # no session fixation, and nothing of a previous login survives
    session[PENDING] = {"uid": user.id, "st": user.session_token, "since": now().isoformat(),
                        "remember": bool(remember), "next": next_url, "purpose": purpose}
    return redirect(url_for(endpoint))


def _pending(purpose: str) -> tuple[User, dict] | None:
    """The person between password and ``purpose`` ("code" or "enrol"), if still in time."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("purpose") != purpose:
        return None
    wait = CODE_WAIT if purpose == "code" else ENROL_WAIT
    try:
        expired = datetime.fromisoformat(pending["since"]) + wait < now()
    except (KeyError, TypeError, ValueError):
        expired = True
    user = services.get_user(pending.get("uid")) if not expired else None
    if user is None or user.is_deleted or user.session_token != pending.get("st"):
        session.pop(PENDING, None)
        return None
    return user, pending


def _finish_login(user: User, pending: dict) -> str:
    """Log ``user`` in as the password step asked (remember me); where to go next."""
    session.clear()
    services.start_session(user)  # what logging out will end
    login_user(user, remember=pending.get("remember", False))
    return pending.get("next") or url_for("main.index")


def _expired() -> Response:
    flash(_("로그인 확인 시간이 지났습니다. 다시 로그인해 주세요."), "warning")
    return redirect(url_for("auth.login"))


def _two_factor_limit() -> str:
    return current_app.config["TWO_FACTOR_RATE_LIMIT"]


def _person_or_pending() -> str:
    """Whom the code limits count: the logged-in person, else the address and the account signing in."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    pending = session.get(PENDING)
    uid = pending.get("uid") if isinstance(pending, dict) else None
    return f"{get_remote_address()}|2fa:{uid}"


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_two_factor_limit, key_func=_person_or_pending, methods=["POST"])
def two_factor_login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    found = _pending("code")
    if found is None:
        return _expired()
    user, pending = found
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        try:
            kind = two_factor.check_code(user, form.code.data)
        except ServiceError as error:
            show_on_form(form, error)
        else:
            target = _finish_login(user, pending)
            flash(_("로그인되었습니다."), "success")
            if kind == "recovery":
                flash(_("복구 코드로 로그인했습니다. 남은 복구 코드: %(n)d개.", n=two_factor.recovery_codes_left(user)),
                      "warning")
            return redirect(target)
    return render_template("auth/two_factor_login.html", form=form), 200 if request.method == "GET" else 422


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@limiter.limit(_two_factor_limit, key_func=_person_or_pending, methods=["POST"])
def two_factor_setup():
    pending = None
    if current_user.is_authenticated:
        user = current_user._get_current_object()
    else:
        found = _pending("enrol")
        if found is None:
            return _expired()
        user, pending = found
    if two_factor.is_enrolled(user):
        return redirect(url_for("auth.two_factor_settings"))
    form = TwoFactorEnrolForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_enrolment(user, form.code.data)
        except ServiceError as error:
            show_on_form(form, error)
        else:
            target = _finish_login(user, pending) if pending is not None else url_for("auth.two_factor_settings")
            response = Response(render_template("auth/two_factor_recovery_codes.html", codes=codes, target=target))
            response.headers["Cache-Control"] = "no-store"  # shown once: not kept by the browser
            return response
    row = two_factor.start_enrolment(user)
    page = render_template("auth/two_factor_setup.html", form=form, qr=two_factor.qr_code_svg(user, row),
                           secret=two_factor.grouped_secret(row), required=two_factor.is_required(user))
    response = Response(page, status=200 if request.method == "GET" else 422)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/me/two-factor")
@login_required
def two_factor_settings():
    user = current_user._get_current_object()
    return render_template("auth/two_factor.html", enrolled=two_factor.is_enrolled(user),
                           required=two_factor.is_required(user),
                           codes_left=two_factor.recovery_codes_left(user), form=TwoFactorDisableForm())


@bp.route("/me/two-factor/disable", methods=["POST"])
@login_required
@limiter.limit(_two_factor_limit, key_func=_person_or_pending)
def two_factor_disable():
    user = current_user._get_current_object()
    form = TwoFactorDisableForm()
    if form.validate_on_submit():
        try:
            two_factor.disable(user, form.password.data, form.code.data)
        except Forbidden:
            raise
        except ServiceError as error:
            show_on_form(form, error)
        else:
            flash(_("2단계 인증을 껐습니다."), "success")
            return redirect(url_for("auth.two_factor_settings"))
    return render_template("auth/two_factor.html", enrolled=two_factor.is_enrolled(user),
                           required=two_factor.is_required(user),
                           codes_left=two_factor.recovery_codes_left(user), form=form), 422


@bp.before_app_request
def _staff_enrol_first():
    """Staff and admins who must enrol reach nothing else until they have (pages and API alike)."""
    if not current_app.config.get("REQUIRE_STAFF_2FA") or request.endpoint in _OPEN_DURING_ENROLMENT:
        return None
    if request.endpoint is None or not current_user.is_authenticated:
        return None
    if not two_factor.must_enrol(current_user):
        return None
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        raise Forbidden(_("직원·관리자 계정은 2단계 인증을 등록한 뒤에 쓸 수 있습니다."))
    flash(_("직원·관리자 계정은 2단계 인증을 등록한 뒤에 쓸 수 있습니다."), "warning")
    return redirect(url_for("auth.two_factor_setup"))
