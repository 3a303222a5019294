"""Staff and admin screens."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.admin import bp, services
from app.auth import services as auth_services
from app.auth.forms import RoleForm
from app.auth.models import SiteRole, User
from app.bodies import services as body_services
from app.bodies.forms import DecisionForm
from app.errors import ServiceError
from app.extensions import db
from app.mail import redact_secrets
from app.permissions import require


# Every outbox page (mail here, text messages in events) shows messages through this filter.
bp.app_template_filter("redact_secrets")(redact_secrets)


def _page_arg() -> int:
    return request.args.get("page", 1, type=int) or 1


@bp.route("/")
@login_required
def index():
    require("site.staff")
    return render_template("admin/index.html",
                           pending=len(body_services.all_pending_applications()))


@bp.route("/users")
@login_required
def users():
    require("user.manage")
    q = request.args.get("q", "").strip()
    role = request.args.get("role") or None
    page = services.search_users(q, role, _page_arg())
    return render_template("admin/users.html", page=page, q=q, role=role, roles=list(SiteRole))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def user_detail(user_id: int):
    require("user.manage")
    user = db.get_or_404(User, user_id)
    form = RoleForm(data={"role": user.role.value} if request.method == "GET" else None)
    if request.method == "POST":
        require("user.change_role")
        if form.validate_on_submit():
            try:
                auth_services.change_role(user, SiteRole(form.role.data), actor=current_user)
            except ServiceError as error:
                flash(error.message, "danger")
            else:
                flash(_("역할을 바꾸었습니다."), "success")
                return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_detail.html", user=user, form=form,
                           memberships=body_services.memberships_of(user))


@bp.route("/applications")
@login_required
def applications():
    require("body.manage")
    return render_template("admin/applications.html", applications=body_services.all_pending_applications(),
                           form=DecisionForm())


@bp.route("/audit")
@login_required
def audit_log():
    require("audit.view")
    action = request.args.get("action") or None
    actor_id = request.args.get("actor", type=int)
    target_type = request.args.get("target") or None
    page = services.audit_entries(action, actor_id, target_type, _page_arg())
    return render_template("admin/audit.html", page=page, action=action, actor_id=actor_id,
                           target_type=target_type, actions=services.audit_actions())


@bp.route("/outbox")
@login_required
def outbox():
    require("outbox.view")
    return render_template("admin/outbox.html", page=services.outbox(_page_arg()))
