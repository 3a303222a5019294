"""Agenda pages: the list, proposing, the item with its timeline, and the actions on it."""
from __future__ import annotations

import uuid

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.agenda import bp, services
from app.agenda.forms import AnswerForm, ItemForm, MoveForm
from app.agenda.models import Attachment
from app.agenda.stages import DECISION_TYPES, STAGES
from app.cycles import services as cycle_services
from app.cycles.phases import PHASES
from app.confirm import confirmation_page, is_confirmed
from app.district import dongs
from app.errors import ServiceError, show_on_form
from app.extensions import db, limiter
from app.forms import EmptyForm
from app.permissions import can, require




def _item(item_id: int):
    item = services.get_item_or_404(item_id)
    if not can("agenda.view", item):
        abort(404)
    return item


@bp.route("/")
def index():
    args = request.args
    filters = dict(cycle_id=args.get("cycle", type=int), phase=args.get("phase") or None,
                   stage=args.get("stage") or None, field=args.get("field") or None, dong=args.get("dong") or None,
                   body_id=args.get("body", type=int), q=(args.get("q") or "").strip() or None)
    sort = args.get("sort") if args.get("sort") in services.SORTS else "newest"
    page = services.list_items(**filters, sort=sort, page=args.get("page", 1, type=int) or 1)
    return render_template("agenda/list.html", page=page, filters=filters, sort=sort, stages=STAGES,
                           phases=PHASES, fields=services.fields(), dongs=dongs(), cycles=cycle_services.all_cycles(),
                           cycle=cycle_services.current_cycle())


@bp.route("/similar")
@limiter.limit("60 per minute")
def similar():
    """JSON: up to five existing items that read like the text typed so far."""
    text = (request.args.get("q") or "")[:2000]
    cycle = cycle_services.current_cycle()
    found = services.similar_items(text, cycle_id=cycle.id if cycle else None,
                                   exclude_id=request.args.get("exclude", type=int))
    return jsonify(items=[{"id": i.id, "title": i.title, "stage": str(i.stage_obj.label), "score": round(s, 2),
                           "url": url_for("agenda.detail", item_id=i.id)} for i, s in found])


def _form(item=None):
    form = ItemForm(obj=item if request.method == "GET" else None, fields=services.fields(), dongs=dongs())
    if request.method == "GET":
        form.client_token.data = uuid.uuid4().hex
        if item is not None:
            form.dong.data = item.dong or ""
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", methods=["POST"])
def new():
    cycle = cycle_services.current_cycle()
    if cycle is None or not can("agenda.propose", cycle):
        if current_user.is_authenticated and not current_user.is_verified:
            flash(_("이메일 주소를 확인한 뒤 의제를 제안할 수 있습니다."), "warning")
            return redirect(url_for("auth.profile"))
        flash(_("지금은 의제 제안 기간이 아닙니다."), "warning")
        return redirect(url_for("agenda.index"))
    form = _form()
    return _save(form, None, cycle)


@bp.route("/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit(item_id: int):
    item = _item(item_id)
    require("agenda.edit", item)
    return _save(_form(item), item, item.cycle)


def _save(form, item, cycle):
    status = 200
    if form.validate_on_submit():
        try:
            saved = services.save_draft(
                item, user=current_user, cycle=cycle, title=form.title.data, field=form.field.data,
                dong=form.dong.data or None, problem=form.problem.data, solution=form.solution.data,
                effect=form.effect.data or "", cost=form.cost.data, client_token=form.client_token.data or None,
                submit="submit" in request.form)
            if form.attachment.data:
                services.add_attachment(saved, form.attachment.data, user=current_user)
        except ServiceError as error:
            show_on_form(form, error)
            status = 422 if error.status == 400 else error.status
        else:
            flash(_("의제를 제안했습니다. 공감이 모이면 분과로 넘어갑니다.") if saved.stage == "proposed"
                  else _("임시 저장했습니다."), "success")
            return redirect(url_for("agenda.detail", item_id=saved.id))
    elif request.method == "POST":
        status = 422
    text = " ".join(filter(None, [form.title.data, form.problem.data]))
    similar = services.similar_items(text, cycle_id=cycle.id, exclude_id=item.id if item else None) if text else []
    return render_template("agenda/form.html", form=form, item=item, cycle=cycle, similar=similar), status


def _detail_page(item, status: int = 200, move_form=None, error: str | None = None):
    if move_form is None and can("agenda.move", item):
        move_form = MoveForm(item=item, data={"version": item.version})
    if error:
        flash(error, "danger")
    return render_template(
        "agenda/detail.html", item=item, stages=STAGES, decision_types=DECISION_TYPES,
        supported=services.is_supporter(item, current_user), following=services.is_follower(item, current_user),
        move_form=move_form if can("agenda.move", item) else None,
        answer_form=AnswerForm(obj=item) if can("agenda.answer", item) else None,
        button=EmptyForm(),
    ), status


@bp.route("/<int:item_id>")
def detail(item_id: int):
    return _detail_page(_item(item_id))


@bp.route("/<int:item_id>/support", methods=["POST"])
@login_required
@limiter.limit("60 per minute")
def support(item_id: int):
    item = _item(item_id)
    if EmptyForm().validate_on_submit():
        try:
            if request.form.get("action") == "remove":
                services.unsupport(item, current_user)
                flash(_("공감을 취소했습니다."), "info")
            else:
                services.support(item, current_user)
                flash(_("공감했습니다. 이 의제의 소식을 알려 드립니다."), "success")
        except ServiceError as error:
            return _detail_page(item, 422 if error.status == 400 else error.status, error=error.message)
    return redirect(url_for("agenda.detail", item_id=item.id))


@bp.route("/<int:item_id>/follow", methods=["POST"])
@login_required
def follow(item_id: int):
    item = _item(item_id)
    if EmptyForm().validate_on_submit():
        services.follow(item, current_user, request.form.get("action") != "remove")
    return redirect(url_for("agenda.detail", item_id=item.id))


@bp.route("/<int:item_id>/move", methods=["POST"])
@login_required
def move(item_id: int):
    item = _item(item_id)
    to_stage = request.form.get("to_stage", "")
    if to_stage != "withdrawn":
        require("agenda.move", item)
    form = MoveForm(item=item)
    if to_stage == "withdrawn":
        form.to_stage.choices = [("withdrawn", STAGES["withdrawn"].label)]
        form.decision_type.data = form.decision_type.data or "chair_decision"
    if not form.validate_on_submit():
        flash(_("옮길 단계를 골라 주세요."), "danger")
        return redirect(url_for("agenda.detail", item_id=item.id))
    try:
        version = int(form.version.data or 0)
        if getattr(STAGES.get(form.to_stage.data), "final", False) and not is_confirmed():
            # Rejected, merged, withdrawn, adopted, closed: no way back, so check the move and ask once more.
            services.check_move(item, form.to_stage.data, actor=current_user, decision_type=form.decision_type.data,
                                reason=form.reason.data, expected_version=version,
                                merge_into_id=form.merge_into_id.data, vote_round_id=form.vote_round_id.data)
            return _confirm_final_move(item, form)
        services.move(item, form.to_stage.data, actor=current_user, decision_type=form.decision_type.data,
                      reason=form.reason.data, expected_version=version, minutes_ref=form.minutes_ref.data,
                      merge_into_id=form.merge_into_id.data, vote_round_id=form.vote_round_id.data)
    except (ServiceError, ValueError) as error:
        status = getattr(error, "status", 400)
        fresh = services.get_item_or_404(item_id)
        return _detail_page(fresh, 422 if status == 400 else status, error=getattr(error, "message", _("요청을 확인해 주세요.")))
    flash(_("의제를 '%(stage)s' 단계로 옮겼습니다.", stage=services.get_item_or_404(item_id).stage_obj.label), "success")
    return redirect(url_for("agenda.detail", item_id=item.id))


def _confirm_final_move(item, form):
    stage = STAGES[form.to_stage.data]
    details = [(_("의제"), item.title), (_("옮길 단계"), str(stage.label))]
    if (form.reason.data or "").strip():
        details.append((_("사유"), form.reason.data.strip()))
    return confirmation_page(
        title=_("의제를 '%(stage)s'(으)로 옮길까요?", stage=stage.label), button=_("옮기기"),
        explanation=[_("'%(stage)s'은(는) 마지막 단계입니다. 옮기면 이 의제는 더 이상 다른 단계로 옮길 수 없고, "
                       "결정과 사유가 의제 이력에 공개됩니다.", stage=stage.label)],
        details=details, cancel_url=url_for("agenda.detail", item_id=item.id))


@bp.route("/<int:item_id>/answer", methods=["POST"])
@login_required
def answer(item_id: int):
    item = _item(item_id)
    require("agenda.answer", item)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            services.answer(item, actor=current_user, department=form.department.data,
                            status=form.answer_status.data or None, text=form.answer_text.data or "")
        except ServiceError as error:
            return _detail_page(item, 422 if error.status == 400 else error.status, error=error.message)
        flash(_("부서 답변을 저장했습니다."), "success")
        return redirect(url_for("agenda.detail", item_id=item.id))
    return _detail_page(item, 422, error=_("담당 부서를 적어 주세요."))


@bp.route("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    file = db.get_or_404(Attachment, attachment_id)
    _item(file.item_id)
    return send_file(services.attachment_path(file), mimetype=file.content_type, download_name=file.filename,
                     as_attachment=file.content_type == "application/pdf")
