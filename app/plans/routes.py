"""Plan pages: the draft and its sections, review rounds, adoption, exports, and execution tracking."""
from __future__ import annotations

import json
import uuid

from flask import Response, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.cycles.models import PlanCycle
from app.confirm import confirmation_page
from app.errors import ServiceError
from app.extensions import db, limiter
from app.permissions import can, require
from app.plans import bp, document, execution, services
from app.plans.exports import MIME, export_path
from app.plans.models import (
    BudgetLine, ExportStatus, Fund, Milestone, PlanExport, PlanProject, ProjectStatus, ReviewComment, ReviewKind,
    ReviewRound, SectionKind, Spending,
)
from app.plans.sections import PROJECT_FIELDS, PROJECT_MONEY


def _plan(plan_id: int):
    plan = services.get_plan_or_404(plan_id)
    if not can("plans.view", plan):
        abort(404)
    return plan


def _section(plan, section_id: int):
    section = services.section_of(plan, section_id)
    if section is None:
        abort(404)
    return section


@bp.route("/")
def index():
    plans = [p for p in services.all_plans() if can("plans.view", p)]
    cycles = services.cycles_without_plan() if can("plans.manage") else []
    return render_template("plans/index.html", plans=plans, cycles=cycles)


@bp.route("/assemble", methods=["POST"])
@login_required
def assemble():
    require("plans.manage")
    cycle = db.session.get(PlanCycle, request.form.get("cycle_id", type=int) or 0)
    if cycle is None:
        raise ServiceError(_("계획서를 만들 수립 주기를 골라 주세요."))
    plan = services.assemble(cycle, actor=current_user)
    flash(_("자료를 모아 계획서 초안을 만들었습니다."), "success")
    return redirect(url_for("plans.detail", plan_id=plan.id))


def _detail_page(plan, status=200, error=None):
    return render_template(
        "plans/detail.html", plan=plan, counts=services.comment_counts(plan), round=services.open_round(plan),
        blockers=services.adoption_blockers(plan), exports=services.exports_of(plan) if can("plans.manage") else [],
        kinds=list(ReviewKind), unresolved=services.unresolved_count(plan), error=error,
        content_hash=services.content_hash(plan)), status


@bp.route("/<int:plan_id>")
def detail(plan_id: int):
    return _detail_page(_plan(plan_id))


@bp.route("/<int:plan_id>/refresh", methods=["POST"])
@login_required
def refresh(plan_id: int):
    plan = _plan(plan_id)
    require("plans.manage")
    try:
        counts = services.refresh(plan, actor=current_user)
    except ServiceError as exc:
        return _detail_page(plan, exc.status if exc.status != 400 else 422, exc.message)
    flash(_("자료를 다시 모았습니다: 수립과정설명서 %(p)s, 사업 %(a)d건 추가, %(r)d건 제외.",
            p=_("갱신") if counts["process"] else _("변동 없음"), a=counts["added"], r=counts["removed"]), "success")
    return redirect(url_for("plans.detail", plan_id=plan.id))


# --- sections ------------------------------------------------------------------------

def _section_page(plan, section, status=200, error=None, comment_text=""):
    version = services.shown_version(section)
    return render_template(
        "plans/section.html", plan=plan, section=section, version=version, project=services.project_of_section(section),
        comments=services.comments_on(section), round=services.open_round(plan), error=error,
        comment_text=comment_text, client_token=uuid.uuid4().hex, project_fields=PROJECT_FIELDS,
        project_money=PROJECT_MONEY, SectionKind=SectionKind), status


@bp.route("/<int:plan_id>/sections/<int:section_id>")
def section(plan_id: int, section_id: int):
    plan = _plan(plan_id)
    return _section_page(plan, _section(plan, section_id))


@bp.route("/<int:plan_id>/sections/<int:section_id>/edit", methods=["GET", "POST"])
@login_required
def edit_section(plan_id: int, section_id: int):
    plan = _plan(plan_id)
    require("plans.manage")
    section = _section(plan, section_id)
    error, field, values = None, None, None
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            version = services.save_section(section, values, actor=current_user,
                                            expected_version=request.form.get("expected_version", type=int),
                                            note=request.form.get("note", ""))
        except ServiceError as exc:
            error, field = exc.message, exc.field
            status = 409 if exc.status == 409 else 422
        else:
            flash(_("%(n)d판으로 저장했습니다.", n=version.number) if version else _("바뀐 내용이 없습니다."), "success")
            return redirect(url_for("plans.section", plan_id=plan.id, section_id=section.id))
    elif plan.is_locked:
        error, status = _("확정된 계획서는 고칠 수 없습니다. 확정판은 잠겨 있습니다."), 200
    else:
        status = 200
    content = dict(services.shown_version(section).content) if section.current else {}
    if values:
        content.update(values)
    return render_template("plans/edit.html", plan=plan, section=section, content=content, error=error, field=field,
                           project=services.project_of_section(section), project_fields=PROJECT_FIELDS,
                           project_money=PROJECT_MONEY, SectionKind=SectionKind), status


@bp.route("/<int:plan_id>/sections/<int:section_id>/diff")
def diff(plan_id: int, section_id: int):
    plan = _plan(plan_id)
    section = _section(plan, section_id)
    newest = section.version_count
    b = request.args.get("b", type=int) or newest
    a = request.args.get("a", type=int) or max(b - 1, 1)
    try:
        rows = services.diff(section, a, b)
    except ServiceError as exc:
        return render_template("plans/diff.html", plan=plan, section=section, rows=[], a=a, b=b, error=exc.message), 404
    return render_template("plans/diff.html", plan=plan, section=section, rows=rows, a=a, b=b, error=None)


# --- review --------------------------------------------------------------------------------

@bp.route("/<int:plan_id>/comments", methods=["POST"])
@login_required
@limiter.limit("30 per minute")
def comment(plan_id: int):
    plan = _plan(plan_id)
    section_id = request.form.get("section_id", type=int) or 0
    body = request.form.get("body", "")
    try:
        services.add_comment(plan, section_id, body, user=current_user,
                             client_token=(request.form.get("client_token") or "")[:64] or None)
    except ServiceError as exc:
        section = services.section_of(plan, section_id)
        if section is None or section.removed_at is not None:
            return _detail_page(plan, 422, exc.message)
        return _section_page(plan, section, 422 if exc.status == 400 else exc.status, exc.message, body)
    flash(_("의견을 남겼습니다."), "success")
    return redirect(url_for("plans.section", plan_id=plan.id, section_id=section_id) + "#comments")


def _comment(comment_id: int) -> ReviewComment:
    comment = db.get_or_404(ReviewComment, comment_id)
    require("plans.manage")
    return comment


@bp.route("/comments/<int:comment_id>/answer", methods=["POST"])
@login_required
def answer(comment_id: int):
    comment = _comment(comment_id)
    plan = comment.round.plan
    try:
        services.answer_comment(comment, request.form.get("answer", ""), actor=current_user,
                                resolve=bool(request.form.get("resolve")))
    except ServiceError as exc:
        return _section_page(plan, comment.section, 422, exc.message)
    flash(_("답변을 달았습니다."), "success")
    return redirect(url_for("plans.section", plan_id=plan.id, section_id=comment.section_id) + "#comments")


@bp.route("/comments/<int:comment_id>/resolve", methods=["POST"])
@login_required
def resolve(comment_id: int):
    comment = _comment(comment_id)
    plan = comment.round.plan
    try:
        services.resolve_comment(comment, actor=current_user)
    except ServiceError as exc:
        return _section_page(plan, comment.section, 422, exc.message)
    flash(_("해결로 표시했습니다."), "success")
    return redirect(url_for("plans.section", plan_id=plan.id, section_id=comment.section_id) + "#comments")


@bp.route("/<int:plan_id>/rounds", methods=["POST"])
@login_required
def start_round(plan_id: int):
    plan = _plan(plan_id)
    require("plans.manage")
    try:
        kind = ReviewKind(request.form.get("kind", ""))
    except ValueError:
        return _detail_page(plan, 422, _("열 심의를 골라 주세요."))
    try:
        services.start_round(plan, kind, actor=current_user)
    except ServiceError as exc:
        return _detail_page(plan, 422 if exc.status == 400 else exc.status, exc.message)
    flash(_("%(kind)s을(를) 열었습니다.", kind=kind.label), "success")
    return redirect(url_for("plans.detail", plan_id=plan.id))


def _round(plan, round_id: int) -> ReviewRound:
    round_ = next((r for r in plan.rounds if r.id == round_id), None)
    if round_ is None:
        abort(404)
    return round_


@bp.route("/<int:plan_id>/rounds/<int:round_id>/close", methods=["POST"])
@login_required
def close_round(plan_id: int, round_id: int):
    plan = _plan(plan_id)
    require("plans.manage")
    round_ = _round(plan, round_id)
    if round_.is_open:
        page = confirmation_page(
            title=_("%(kind)s을(를) 마칠까요?", kind=round_.kind.label), button=_("심의 마치기"),
            explanation=[_("심의를 마치면 이 심의에서는 더 이상 의견을 받지 않습니다. 마친 심의는 다시 열 수 없습니다.")],
            details=[(_("계획서"), plan.title), (_("심의"), round_.kind.label)],
            cancel_url=url_for("plans.detail", plan_id=plan.id))
        if page is not None:
            return page
    try:
        services.close_round(round_, actor=current_user, note=request.form.get("note", ""))
    except ServiceError as exc:
        return _detail_page(plan, 422, exc.message)
    flash(_("%(kind)s을(를) 마쳤습니다.", kind=round_.kind.label), "success")
    return redirect(url_for("plans.detail", plan_id=plan.id))


@bp.route("/<int:plan_id>/rounds/<int:round_id>/reviewers", methods=["POST"])
@login_required
def invite(plan_id: int, round_id: int):
    plan = _plan(plan_id)
    require("plans.manage")
    round_ = _round(plan, round_id)
    try:
        reviewer = services.invite_reviewer(round_, request.form.get("email", ""), actor=current_user)
    except ServiceError as exc:
        return _detail_page(plan, 422, exc.message)
    flash(_("%(name)s 님을 검토자로 초대했습니다.", name=reviewer.user.public_name), "success")
    return redirect(url_for("plans.detail", plan_id=plan.id))


@bp.route("/<int:plan_id>/adopt", methods=["POST"])
@login_required
def adopt(plan_id: int):
    plan = _plan(plan_id)
    require("plans.adopt", plan)
    if not services.adoption_blockers(plan):  # a plan that cannot be adopted is refused straight away
        page = confirmation_page(
            title=_("계획서를 확정할까요?"), button=_("계획서 확정"),
            explanation=[_("확정하면 모든 장이 지금 판으로 잠기고 내용 해시가 기록되며, 사업별 예산 집행이 시작됩니다."),
                         _("확정한 계획서는 되돌릴 수 없습니다.")],
            details=[(_("계획서"), plan.title)], cancel_url=url_for("plans.detail", plan_id=plan.id))
        if page is not None:
            return page
    try:
        digest = services.adopt(plan, actor=current_user, expected_hash=request.form.get("content_hash") or None)
    except ServiceError as exc:
        return _detail_page(plan, 409 if exc.status == 409 else 422, exc.message)
    flash(_("계획서를 확정했습니다. 내용 해시: %(h)s", h=digest), "success")
    return redirect(url_for("plans.detail", plan_id=plan.id))


# --- the plan as a document, and its files -------------------------------------------------

@bp.route("/<int:plan_id>/document")
def plan_document(plan_id: int):
    plan = _plan(plan_id)
    return render_template("plans/document.html", plan=plan, doc=document.build(plan))


@bp.route("/<int:plan_id>/exports", methods=["POST"])
@login_required
@limiter.limit("20 per minute")
def request_export(plan_id: int):
    plan = _plan(plan_id)
    require("plans.manage")
    try:
        export = services.request_export(plan, request.form.get("format", ""), actor=current_user)
    except ServiceError as exc:
        return _detail_page(plan, 422, exc.message)
    return redirect(url_for("plans.export_status", export_id=export.id))


def _export(export_id: int) -> PlanExport:
    export = db.get_or_404(PlanExport, export_id)
    if not can("plans.view", export.plan):
        abort(404)
    return export


@bp.route("/exports/<int:export_id>")
def export_status(export_id: int):
    export = _export(export_id)
    return render_template("plans/export_status.html", export=export, plan=export.plan)


@bp.route("/exports/<int:export_id>.json")
def export_status_json(export_id: int):
    export = _export(export_id)
    return jsonify(status=export.status.value, progress=export.progress, error=export.error,
                   download=url_for("plans.download", export_id=export.id) if export.status is ExportStatus.DONE
                   else None)


@bp.route("/exports/<int:export_id>/download")
def download(export_id: int):
    export = _export(export_id)
    if export.status is not ExportStatus.DONE or not export.storage_key:
        abort(404)
    path = export_path(export)
    if not path.exists():
        abort(404)
    name = f"{export.plan.cycle.year}-지역사회혁신계획.{export.format.value}"
    return send_file(path, mimetype=MIME[export.format.value], as_attachment=True, download_name=name)


# --- execution -------------------------------------------------------------------------------

@bp.route("/<int:plan_id>/execution")
def dashboard(plan_id: int):
    plan = _plan(plan_id)
    rows, total = execution.plan_execution(plan)
    chart = [(r.project.title, r.figures.rate_value, r.figures.spent >= r.figures.budget > 0,
              r.figures.rate) for r in rows]
    return render_template("plans/execution.html", plan=plan, rows=rows, total=total, chart=chart)


@bp.route("/<int:plan_id>/execution.json")
def execution_json(plan_id: int):
    plan = _plan(plan_id)
    body = json.dumps(execution.open_data(plan), ensure_ascii=False, indent=1)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="plan-{plan.cycle.year}-execution.json"'})


@bp.route("/<int:plan_id>/execution.csv")
def execution_csv(plan_id: int):
    plan = _plan(plan_id)
    return Response(execution.open_data_csv(plan), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="plan-{plan.cycle.year}-execution.csv"'})


def _project(project_id: int) -> PlanProject:
    project = db.get_or_404(PlanProject, project_id)
    if not can("plans.view", project.plan) or project.section is None or project.section.removed_at is not None:
        abort(404)
    return project


def _project_page(project, status=200, error=None, form=None):
    return render_template("plans/project.html", project=project, plan=project.plan,
                           figures=execution.project_figures(project), error=error, form=form or {},
                           funds=list(Fund), statuses=list(ProjectStatus), line_spent=execution.line_spent,
                           client_token=uuid.uuid4().hex, funds_planned=services.project_funds(project)), status


@bp.route("/projects/<int:project_id>")
def project(project_id: int):
    return _project_page(_project(project_id))


def _project_action(project_id: int, action, message: str):
    project = _project(project_id)
    require("plans.execute", project)
    try:
        action(project)
    except ServiceError as exc:
        return _project_page(project, 422 if exc.status == 400 else exc.status, exc.message, request.form.to_dict())
    flash(message, "success")
    return redirect(url_for("plans.project", project_id=project.id))


@bp.route("/projects/<int:project_id>/lines", methods=["POST"])
@login_required
def add_line(project_id: int):
    f = request.form
    return _project_action(project_id, lambda p: execution.add_budget_line(
        p, name=f.get("name", ""), fund=f.get("fund", ""), amount=f.get("amount"), actor=current_user),
        _("세목을 추가했습니다."))


@bp.route("/projects/<int:project_id>/spendings", methods=["POST"])
@login_required
@limiter.limit("60 per minute")
def add_spending(project_id: int):
    f = request.form

    def action(p):
        line = next((l for l in p.budget_lines if l.id == f.get("line_id", type=int)), None)
        if line is None:
            raise ServiceError(_("집행할 세목을 골라 주세요."), "line_id")
        execution.add_spending(line, spent_on=f.get("spent_on"), amount=f.get("amount"), memo=f.get("memo", ""),
                               upload=request.files.get("evidence"), over_reason=f.get("over_reason", ""),
                               client_token=(f.get("client_token") or "")[:64] or None, actor=current_user)

    return _project_action(project_id, action, _("집행 내역을 기록했습니다."))


@bp.route("/projects/<int:project_id>/milestones", methods=["POST"])
@login_required
def add_milestone(project_id: int):
    f = request.form
    return _project_action(project_id, lambda p: execution.add_milestone(
        p, title=f.get("title", ""), due_on=f.get("due_on"), actor=current_user), _("일정을 추가했습니다."))


@bp.route("/projects/<int:project_id>/milestones/<int:milestone_id>/done", methods=["POST"])
@login_required
def milestone_done(project_id: int, milestone_id: int):
    f = request.form

    def action(p):
        milestone = next((m for m in p.milestones if m.id == milestone_id), None)
        if milestone is None:
            abort(404)
        execution.complete_milestone(milestone, done_on=f.get("done_on"), actor=current_user)

    return _project_action(project_id, action, _("일정을 완료로 표시했습니다."))


@bp.route("/projects/<int:project_id>/status", methods=["POST"])
@login_required
def set_status(project_id: int):
    return _project_action(project_id, lambda p: execution.set_status(p, request.form.get("status", ""),
                                                                      actor=current_user),
                           _("사업 상태를 바꿨습니다."))


@bp.route("/projects/<int:project_id>/members", methods=["POST"])
@login_required
def add_member(project_id: int):
    f = request.form
    return _project_action(project_id, lambda p: execution.add_member(
        p, name=f.get("name", ""), email=f.get("email", ""), role=f.get("role", ""),
        affiliation=f.get("affiliation", ""), actor=current_user), _("실무단에 추가했습니다."))


@bp.route("/projects/<int:project_id>/meetings", methods=["POST"])
@login_required
def add_meeting(project_id: int):
    f = request.form
    return _project_action(project_id, lambda p: execution.add_meeting(
        p, held_on=f.get("held_on"), title=f.get("title", ""), attendees=f.get("attendees"),
        summary=f.get("summary", ""), actor=current_user), _("실무단 회의를 기록했습니다."))


@bp.route("/spendings/<int:spending_id>/evidence")
@login_required
def evidence(spending_id: int):
    spending = db.get_or_404(Spending, spending_id)
    require("plans.evidence", spending)
    if not spending.evidence_key:
        abort(404)
    path = execution.evidence_folder() / spending.evidence_key
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=spending.evidence_type, as_attachment=True, download_name=spending.evidence_name)
