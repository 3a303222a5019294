"""Public pages of the hierarchy, applications to join, and the staff screens for bodies."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.auth.models import User
from app.bodies import bp, services
from app.bodies.forms import ApplicationForm, BodyForm, DecisionForm, MembershipEditForm, MembershipForm
from app.bodies.models import Body, BodyKind, MemberRole, Membership, MembershipApplication
from app.errors import ServiceError, show_on_form
from app.extensions import db, limiter
from app.forms import EmptyForm
from app.permissions import can, require




@bp.route("/bodies/")
def org_chart():
    return render_template("bodies/org_chart.html", roots=services.root_bodies())


@bp.route("/bodies/<int:body_id>")
def detail(body_id: int):
    body = services.get_body_or_404(body_id)
    membership = services.current_membership(body, current_user)
    my_applications = services.applications_of(current_user, body) if current_user.is_authenticated else []
    from app.agenda.services import list_items
    from app.bodies.meetings.services import meetings_of, published_minutes_of

    return render_template(
        "bodies/detail.html",
        body=body,
        meetings=meetings_of(body, limit=5),
        minutes=published_minutes_of(body),
        agenda=list_items(body_id=body.id, per_page=10),
        memberships=body.current_memberships(),
        my_membership=membership,
        my_applications=my_applications,
        pending_count=len(services.pending_applications(body)) if can("body.decide_applications", body) else 0,
    )


@bp.route("/bodies/<int:body_id>/apply", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def apply(body_id: int):
    body = services.get_body_or_404(body_id)
    require("body.apply", body)
    form = ApplicationForm()
    if form.validate_on_submit():
        try:
            services.apply_to_join(body, current_user, form.statement.data, form.pretraining_confirmed.data)
        except ServiceError as error:
            show_on_form(form, error)
        else:
            flash(_("참여 신청을 접수했습니다. 결과는 알림과 이메일로 알려 드립니다."), "success")
            return redirect(url_for("bodies.detail", body_id=body.id))
    status = 422 if request.method == "POST" else 200
    return render_template("bodies/apply.html", body=body, form=form), status


@bp.route("/bodies/applications/<int:application_id>/withdraw", methods=["POST"])
@login_required
def withdraw(application_id: int):
    application = db.get_or_404(MembershipApplication, application_id)
    if application.user_id != current_user.id:
        abort(403)
    if EmptyForm().validate_on_submit():
        services.withdraw_application(application, current_user)
        flash(_("참여 신청을 철회했습니다."), "info")
    return redirect(url_for("bodies.detail", body_id=application.body_id))


@bp.route("/bodies/<int:body_id>/applications")
@login_required
def applications(body_id: int):
    body = services.get_body_or_404(body_id)
    require("body.decide_applications", body)
    return render_template("bodies/applications.html", body=body,
                           applications=services.pending_applications(body), form=DecisionForm())


@bp.route("/bodies/applications/<int:application_id>/decide", methods=["POST"])
@login_required
def decide(application_id: int):
    application = db.get_or_404(MembershipApplication, application_id)
    require("body.decide_applications", application.body)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("결정을 선택해 주세요."), "danger")
    else:
        approve = form.decision.data == "approve"
        try:
            services.decide_application(application, approve, form.reason.data, actor=current_user)
        except ServiceError as error:
            flash(error.message, "danger")
            return render_template("bodies/applications.html", body=application.body,
                                   applications=services.pending_applications(application.body),
                                   form=form, failed_id=application.id), error.status
        flash(_("신청을 승인했습니다.") if approve else _("신청을 반려했습니다."), "success")
    target = request.form.get("next")
    if target == "admin" and can("body.manage"):
        return redirect(url_for("admin.applications"))
    return redirect(url_for("bodies.applications", body_id=application.body_id))


# --- staff screens ---------------------------------------------------------

def _parent_choices(exclude: Body | None = None):
    bodies = db.session.scalars(select(Body).order_by(Body.kind, Body.name)).all()
    choices = [(0, _("없음(최상위)"))]
    for b in bodies:
        if exclude is not None and b.id == exclude.id:
            continue
        choices.append((b.id, f"{b.name} ({b.kind.label})"))
    return choices


@bp.route("/admin/bodies/")
@login_required
def admin_list():
    require("body.manage")
    bodies = db.session.scalars(select(Body).order_by(Body.kind, Body.sort_order, Body.name)).all()
    return render_template("bodies/admin_list.html", bodies=bodies)


@bp.route("/admin/bodies/new", methods=["GET", "POST"])
@bp.route("/admin/bodies/<int:body_id>/edit", methods=["GET", "POST"])
@login_required
def admin_edit(body_id: int | None = None):
    require("body.manage")
    body = services.get_body_or_404(body_id) if body_id else None
    form = BodyForm(obj=body if request.method == "GET" else None)
    form.parent_id.choices = _parent_choices(exclude=body)
    if request.method == "GET" and body is not None:
        form.kind.data = body.kind.value
        form.parent_id.data = body.parent_id or 0
    if form.validate_on_submit():
        try:
            saved = services.save_body(
                body, name=form.name.data, kind=BodyKind(form.kind.data), parent_id=form.parent_id.data or None,
                field=form.field.data, purpose=form.purpose.data, cadence=form.cadence.data,
                accepts_applications=form.accepts_applications.data, actor=current_user,
            )
        except ServiceError as error:
            show_on_form(form, error)
        else:
            flash(_("기구 정보를 저장했습니다."), "success")
            return redirect(url_for("bodies.admin_members", body_id=saved.id))
    status = 422 if request.method == "POST" else 200
    return render_template("bodies/admin_edit.html", form=form, body=body), status


@bp.route("/admin/bodies/<int:body_id>/members", methods=["GET", "POST"])
@login_required
def admin_members(body_id: int):
    require("body.manage")
    body = services.get_body_or_404(body_id)
    form = MembershipForm()
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data)
        if user is None:
            form.user_id.errors = [_("그 번호의 회원이 없습니다.")]
        else:
            try:
                services.add_membership(body, user, MemberRole(form.role.data), form.start_date.data,
                                        form.end_date.data, actor=current_user)
            except ServiceError as error:
                show_on_form(form, error)
            else:
                flash(_("위원을 등록했습니다."), "success")
                return redirect(url_for("bodies.admin_members", body_id=body.id))
    memberships = db.session.scalars(
        select(Membership).where(Membership.body_id == body.id)
        .options(db.joinedload(Membership.user))
        .order_by(Membership.end_date.is_not(None), Membership.role_order(), Membership.start_date)
    ).all()
    status = 422 if request.method == "POST" else 200
    return render_template("bodies/admin_members.html", body=body, form=form, memberships=memberships,
                           edit_form=MembershipEditForm()), status


@bp.route("/admin/memberships/<int:membership_id>", methods=["POST"])
@login_required
def admin_membership_update(membership_id: int):
    require("body.manage")
    membership = db.get_or_404(Membership, membership_id)
    form = MembershipEditForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
        return redirect(url_for("bodies.admin_members", body_id=membership.body_id))
    try:
        services.update_membership(membership, MemberRole(form.role.data), form.end_date.data, actor=current_user)
    except ServiceError as error:
        flash(error.message, "danger")
    else:
        flash(_("위원 정보를 바꾸었습니다."), "success")
    return redirect(url_for("bodies.admin_members", body_id=membership.body_id))
