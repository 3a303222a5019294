"""/api/v1/agenda-items: list, detail, create, support."""
from __future__ import annotations

from flask import abort, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.agenda import services
from app.agenda.models import AgendaItem
from app.api import bp
from app.api.openapi import LIST_STAGES, OPENAPI
from app.cycles import services as cycle_services
from app.errors import ServiceError
from app.extensions import limiter
from app.inputs import INT_MAX
from app.permissions import can

LIMITS = {"title": 120, "problem": 5000, "solution": 5000, "effect": 5000, "client_token": 64}
TEXTS = ("title", "field", "dong", "problem", "solution", "effect", "client_token")


def _summary(item: AgendaItem) -> dict:
    return {"id": item.id, "title": item.title, "field": item.field, "dong": item.dong, "stage": item.stage,
            "stage_label": str(item.stage_obj.label), "support_count": item.support_count,
            "body": item.body.name if item.body else None, "cycle": item.cycle.year,
            "submitted_at": item.submitted_at.isoformat() + "Z" if item.submitted_at else None,
            "url": url_for("agenda.detail", item_id=item.id, _external=False)}


def _detail(item: AgendaItem) -> dict:
    data = _summary(item)
    data.update(problem=item.problem, solution=item.solution, effect=item.effect, cost=item.cost,
                proposer=item.proposer.public_name, department=item.department, answer_status=item.answer_status,
                answer_text=item.answer_text,
                timeline=[{"to_stage": m.to_stage, "decision_type": m.decision_type, "reason": m.reason,
                           "body": m.body.name if m.body else None,
                           "actor": m.actor.public_name if m.actor else None,
                           "at": m.created_at.isoformat() + "Z"} for m in item.moves])
    return data


def _choice(name: str, allowed, default: str | None = None) -> str | None:
    """A query value that must be one of ``allowed`` (an unknown one is refused, not silently ignored)."""
    value = request.args.get(name)
    if value is None:  # absent; present but empty is refused like any value outside the list
        return default
    if value not in allowed:
        raise ServiceError(_("%(field)s: 허용되지 않는 값입니다. 다음 중에서 골라 주세요: %(choices)s",
                             field=name, choices=", ".join(allowed)), name)
    return value


def _number(name: str, default: int | None = None, minimum: int | None = None) -> int | None:
    """A whole-number query value; unlike the pages, the API refuses one that is not (it documents the type)."""
    if not request.args.get(name):
        return default
    value = request.args.get(name, type=int)  # beyond the database's range: refused there
    if value is None or (minimum is not None and value < minimum):
        raise ServiceError(_("%(field)s: 정수로 보내 주세요.", field=name), name)
    return value


@bp.get("/openapi.json")
def openapi():
    return jsonify(OPENAPI)


@bp.get("/csrf-token")
def csrf_token():
    """A token for the X-CSRFToken header of POST requests made with the session cookie."""
    return jsonify(csrf_token=generate_csrf())


@bp.get("/agenda-items")
def list_items():
    args = request.args
    sort = _choice("sort", list(services.SORTS), "newest")
    page = services.list_items(stage=_choice("stage", LIST_STAGES), field=args.get("field") or None,
                               dong=args.get("dong") or None, body_id=_number("body", minimum=1),
                               cycle_id=_number("cycle", minimum=1),
                               q=(args.get("q") or "").strip() or None, sort=sort, page=_number("page", 1) or 1,
                               per_page=min(max(_number("per_page", 20) or 20, 1), 100))
    return jsonify(items=[_summary(i) for i in page.items], page=page.page, pages=page.pages, total=page.total)


@bp.get("/agenda-items/<int:item_id>")
def get_item(item_id: int):
    item = services.get_item_or_404(item_id)
    if not can("agenda.view", item):
        abort(404)
    return jsonify(_detail(item))


@bp.post("/agenda-items")
@limiter.limit("20 per hour")
def create_item():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ServiceError(_("JSON 객체를 보내 주세요."))
    for name in TEXTS:
        value = data.get(name)
        if value is not None and (not isinstance(value, str) or "\x00" in value):
            raise ServiceError(_("%(field)s: 문자열로 보내 주세요.", field=name), name)
    for name in ("title", "field", "problem", "solution"):
        if not str(data.get(name) or "").strip():
            raise ServiceError(_("%(field)s: 필수 입력 항목입니다.", field=name), name)
    for name, limit in LIMITS.items():
        if len(str(data.get(name) or "")) > limit:
            raise ServiceError(_("%(field)s: %(n)d자까지 적을 수 있습니다.", field=name, n=limit), name)
    cost = data.get("cost")
    if cost is not None and (isinstance(cost, bool) or not isinstance(cost, int) or not 0 <= cost <= INT_MAX):
        raise ServiceError(_("예상 비용은 0원 이상의 정수(원 단위)로 적어 주세요."), "cost")
    cycle = cycle_services.current_cycle()
    if cycle is None or not can("agenda.propose", cycle):
        raise ServiceError(_("지금은 의제 제안 기간이 아닙니다.") if current_user.is_verified
                           else _("이메일 주소를 확인한 뒤 의제를 제안할 수 있습니다."))
    item = services.save_draft(
        None, user=current_user, cycle=cycle, title=str(data["title"]), field=str(data["field"]),
        dong=data.get("dong") or None, problem=str(data["problem"]), solution=str(data["solution"]),
        effect=str(data.get("effect") or ""), cost=cost, client_token=data.get("client_token") or None,
        submit=data.get("submit", True) is not False)
    return jsonify(_detail(item)), 201


@bp.post("/agenda-items/<int:item_id>/support")
@limiter.limit("60 per minute")
def support_item(item_id: int):
    item = services.get_item_or_404(item_id)
    if not can("agenda.view", item):
        abort(404)
    services.support(item, current_user)
    return jsonify(id=item.id, support_count=item.support_count, stage=item.stage, supported=True)
