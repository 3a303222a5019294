"""Account pages."""
from __future__ import annotations

import functools
import json

from flask import (
    Response, abort, current_app, flash, make_response, redirect, render_template, request, session, url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp, services, two_factor_views
from app.auth.forms import (
    ChangePasswordForm, DeleteAccountForm, LoginForm, ProfileForm, ResetPasswordForm,
    ResetRequestForm, SignUpForm,
)
from app.auth.models import Residency
from app.errors import ServiceError, show_on_form
from app.extensions import limiter, under_limit
from app.forms import EmptyForm
from app.inputs import safe_next as _safe_next  # only local paths after login (no open redirect)
from app.notifications import mark_all_read, recent_notifications




def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_RATE_LIMIT"]


def _address_and_account() -> str:
    """The client address and the account tried: guesses at one account from one place are few,
    while a town hall's residents, all behind the venue's one address, can each log in."""
    import hashlib

    account = hashlib.sha256(services.normalize_email(request.form.get("email", "")).encode()).hexdigest()[:24]
    return f"{get_remote_address()}|{account}"


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            services.sign_up(
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
                residency=Residency(form.residency.data),
                dong=form.dong.data,
                consent_version=current_app.config["PRIVACY_NOTICE_VERSION"],
            )
        except ServiceError as error:
            show_on_form(form, error)
        else:
            # The same page whether the address was new or taken (no account enumeration).
            return redirect(url_for("auth.signup_done"))
    return render_template("auth/signup.html", form=form), 200 if not form.errors else 422


@bp.route("/signup/done")
def signup_done():
    return render_template("auth/signup_done.html")


@bp.route("/verify/<token>")
def verify_email(token: str):
    try:
        services.verify_email(token)
    except ServiceError as error:
        return render_template("error.html", status=400, title=_("이메일 확인 실패"), message=error.message), 400
    flash(_("이메일 주소가 확인되었습니다."), "success")
    return redirect(url_for("auth.profile") if current_user.is_authenticated else url_for("auth.login"))


@bp.route("/verify/resend", methods=["POST"])
@login_required
@limiter.limit("5 per hour")
def resend_verification():
    if EmptyForm().validate_on_submit():
        services.resend_verification(current_user)
        flash(_("확인 메일을 다시 보냈습니다."), "info")
    return redirect(url_for("auth.profile"))


def _failed_login_ceiling(view):
    """A ceiling per client address on failed logins (LOGIN_ADDRESS_RATE_LIMIT, 30 a minute).

    Past it a wrong password gets 429 and locks that account's back-off at once, so one address
    trying passwords on many accounts gets one guess per account at a time; a right password still
    gets in, because at a town hall every phone shares the venue's one address."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if request.method != "POST":
            return view(*args, **kwargs)
        address = get_remote_address()
        crowded = not under_limit("login-failures", _login_address_limit(), address)
        response = make_response(view(*args, **kwargs))
        if response.status_code == 302:  # logged in
            return response
        under_limit("login-failures", _login_address_limit(), address, hit=True)
        if crowded:
            services.penalize_failed_login(request.form.get("email", ""))
            session.pop("_flashes", None)  # the 429 page says it all
            abort(429)
        return response

    return wrapped


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=_address_and_account, methods=["POST"])
@_failed_login_ceiling
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except ServiceError as error:
            flash(error.message, "danger")
        else:
            second = two_factor_views.second_step(user, remember=form.remember.data,
                                                  next_url=_safe_next(request.args.get("next")))
            if second is not None:  # the code (or, for staff who must, enrolment) comes first
                return second
            session.clear()  # no session fixation
            services.start_session(user)  # what logging out will end
            login_user(user, remember=form.remember.data)
            flash(_("로그인되었습니다."), "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), 200 if request.method == "GET" else 422


def _forget_this_browser() -> None:
    """Drop the session, then log out: in this order Flask-Login's order to delete the remember-me
    cookie survives (clearing the session after it would drop the order and keep the cookie)."""
    session.clear()
    logout_user()


@bp.route("/logout", methods=["POST"])
def logout():
    if EmptyForm().validate_on_submit():
        if current_user.is_authenticated:
            services.end_session(current_user)
        _forget_this_browser()
        flash(_("로그아웃되었습니다."), "info")
    return redirect(url_for("main.index"))


@bp.route("/me/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    if EmptyForm().validate_on_submit():
        services.end_all_sessions(current_user)
        _forget_this_browser()
        flash(_("모든 기기에서 로그아웃되었습니다."), "info")
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.profile"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(_("가입된 주소라면 비밀번호 재설정 링크를 보냈습니다. 메일함을 확인해 주세요."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except ServiceError as error:
            if error.field:
                show_on_form(form, error)
            else:
                return render_template("error.html", status=400, title=_("비밀번호 재설정 실패"),
                                       message=error.message), 400
        else:
            logout_user()
            flash(_("비밀번호를 바꾸었습니다. 새 비밀번호로 로그인해 주세요."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/me", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user if request.method == "GET" else None)
    if request.method == "GET":
        form.residency.data = current_user.residency.value if current_user.residency else ""
    if form.validate_on_submit():
        services.update_profile(current_user, display_name=form.display_name.data,
                                residency=Residency(form.residency.data), dong=form.dong.data,
                                birth_date=form.birth_date.data)
        flash(_("회원 정보를 저장했습니다."), "success")
        return redirect(url_for("auth.profile"))
    from app.bodies.services import memberships_of

    return render_template("auth/profile.html", form=form, resend_form=EmptyForm(),
                           memberships=memberships_of(current_user))


@bp.route("/me/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except ServiceError as error:
            show_on_form(form, error)
        else:
            login_user(current_user._get_current_object())  # keep this session under the new token
            flash(_("비밀번호를 바꾸었습니다. 다른 기기에서는 로그아웃되었습니다."), "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/me/export.json")
@login_required
def export_data():
    data = services.export_data(current_user)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": "attachment; filename=my-data.json"})


@bp.route("/me/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(current_user, form.password.data)
        except ServiceError as error:
            show_on_form(form, error)
        else:
            _forget_this_browser()
            flash(_("탈퇴가 완료되었습니다. 그동안 참여해 주셔서 감사합니다."), "info")
            return redirect(url_for("main.index"))
    return render_template("auth/delete_account.html", form=form)


@bp.route("/me/notifications", methods=["GET", "POST"])
@login_required
def notifications():
    form = EmptyForm()
    if form.validate_on_submit():
        mark_all_read(current_user)
        return redirect(url_for("auth.notifications"))
    return render_template("auth/notifications.html", notes=recent_notifications(current_user), form=form)


@bp.route("/me/notifications/settings", methods=["GET", "POST"])
@login_required
def notification_settings():
    from app.notifications import MODES, email_mode, set_email_mode

    if request.method == "POST" and EmptyForm().validate_on_submit():
        try:
            set_email_mode(current_user, request.form.get("mode", ""))
        except ServiceError as error:
            flash(error.message, "danger")
            return render_template("auth/notification_settings.html", mode=None, modes=MODES), 422
        flash(_("알림 설정을 저장했습니다."), "success")
        return redirect(url_for("auth.notification_settings"))
    return render_template("auth/notification_settings.html", mode=email_mode(current_user), modes=MODES)
