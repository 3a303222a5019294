"""Agenda services: propose, support, move up the hierarchy, answer, browse."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from celery import shared_task
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app import audit
from app.agenda.models import AgendaItem, Attachment, Follow, StageMove, Support
from app.agenda.similarity import rank_similar
from app.agenda.stages import CLIMB, DECISION_TYPES, STAGES
from app.auth.models import User
from app.bodies.models import Body, BodyKind, MemberRole, Membership
from app.cycles.models import PlanCycle
from app.cycles.phases import MOVE, PROPOSE, SUPPORT
from app.errors import Conflict, ServiceError
from app.extensions import db
from app.notifications import notify
from app.uploads import store_upload, uploads_folder
from app.utils import link, now, today

MOVERS = (MemberRole.CHAIR, MemberRole.CO_CHAIR, MemberRole.SECRETARY)


# --- reading ------------------------------------------------------------------

def get_item_or_404(item_id: int) -> AgendaItem:
    return db.get_or_404(AgendaItem, item_id)


def fields() -> list[str]:
    """The 분야 of the subcommittees, in order; an item's field decides its subcommittee."""
    return list(db.session.scalars(
        select(Body.field).where(Body.kind == BodyKind.SUBCOMMITTEE, Body.field.is_not(None))
        .order_by(Body.sort_order, Body.name)))


def subcommittee_for(field: str) -> Body | None:
    return db.session.scalar(select(Body).where(Body.kind == BodyKind.SUBCOMMITTEE, Body.field == field))


def body_for_stage(item: AgendaItem, stage: str) -> Body | None:
    """The body that holds ``item`` at ``stage``: the field's subcommittee, then its ancestors."""
    kind = STAGES[stage].body_kind
    if kind is None:
        return None
    body = subcommittee_for(item.field)
    while body is not None and body.kind is not kind:
        body = body.parent
    return body


def is_supporter(item: AgendaItem, user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and db.session.scalar(
        select(Support.id).where(Support.item_id == item.id, Support.user_id == user.id)) is not None


def is_follower(item: AgendaItem, user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and db.session.scalar(
        select(Follow.id).where(Follow.item_id == item.id, Follow.user_id == user.id)) is not None


def can_move(user, item: AgendaItem) -> bool:
    """Staff, or the chair, co-chair or secretary of the body that holds the item today."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff:
        return True
    if item.body_id is None:
        return False
    return db.session.scalar(select(Membership.id).where(
        Membership.body_id == item.body_id, Membership.user_id == user.id, Membership.active_on(today()),
        Membership.role.in_(MOVERS))) is not None


@dataclass
class ItemPage:
    items: list[AgendaItem]
    page: int
    pages: int
    total: int


SORTS = {
    "newest": (AgendaItem.submitted_at.desc(), AgendaItem.id.desc()),
    "supported": (AgendaItem.support_count.desc(), AgendaItem.id.desc()),
    "discussed": (AgendaItem.comment_count.desc(), AgendaItem.id.desc()),
}


def list_items(*, cycle_id=None, phase=None, stage=None, field=None, dong=None, body_id=None, q=None,
               sort="newest", page=1, per_page=20) -> ItemPage:
    """Public items (never drafts) with filters, a sort and a page: two queries whatever the size."""
    stmt = select(AgendaItem).where(AgendaItem.stage != "draft")
    if cycle_id:
        stmt = stmt.where(AgendaItem.cycle_id == cycle_id)
    if stage in STAGES:
        stmt = stmt.where(AgendaItem.stage == stage)
    if phase:
        stmt = stmt.where(AgendaItem.cycle_id.in_(_cycles_in_phase(phase)))
    if field:
        stmt = stmt.where(AgendaItem.field == field)
    if dong == "district":
        stmt = stmt.where(AgendaItem.dong.is_(None))
    elif dong:
        stmt = stmt.where(AgendaItem.dong == dong)
    if body_id:
        stmt = stmt.where(AgendaItem.body_id == body_id)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(AgendaItem.title.like(like), AgendaItem.problem.like(like),
                              AgendaItem.solution.like(like)))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = db.session.scalars(
        stmt.options(joinedload(AgendaItem.body), joinedload(AgendaItem.proposer), joinedload(AgendaItem.cycle))
        .order_by(*SORTS.get(sort, SORTS["newest"])).limit(per_page).offset((page - 1) * per_page)
    ).unique().all()
    return ItemPage(items=list(rows), page=page, pages=pages, total=total)


def _cycles_in_phase(phase: str):
    from app.cycles.models import CyclePhase

    on = today()
    return select(CyclePhase.cycle_id).where(CyclePhase.kind == phase, CyclePhase.starts_on <= on,
                                             CyclePhase.ends_on >= on)


def similar_items(text: str, *, cycle_id: int | None = None, exclude_id: int | None = None,
                  limit: int = 5) -> list[tuple[AgendaItem, float]]:
    """Up to ``limit`` existing items that read like ``text`` (Korean-aware character bigrams)."""
    if len((text or "").strip()) < 2:
        return []
    stmt = select(AgendaItem.id, AgendaItem.title, AgendaItem.problem).where(AgendaItem.stage != "draft")
    if cycle_id:
        stmt = stmt.where(AgendaItem.cycle_id == cycle_id)
    if exclude_id:
        stmt = stmt.where(AgendaItem.id != exclude_id)
    candidates = [(i, f"{t} {t} {(p or '')[:200]}") for i, t, p in db.session.execute(stmt)]
    ranked = rank_similar(text, candidates, limit=limit)
    if not ranked:
        return []
    items = {i.id: i for i in db.session.scalars(select(AgendaItem).where(AgendaItem.id.in_([r[0] for r in ranked])))}
    return [(items[i], score) for i, score in ranked]


# --- proposing ----------------------------------------------------------------

def _check_fields(field: str, dong: str | None, cost) -> None:
    if field not in fields():
        raise ServiceError(_("분야를 골라 주세요."), "field")
    from app.district import dongs

    if dong and dong not in dongs():
        raise ServiceError(_("행정동을 목록에서 골라 주세요."), "dong")
    if cost is not None and (not isinstance(cost, int) or cost < 0):
        raise ServiceError(_("예상 비용은 0원 이상의 정수(원 단위)로 적어 주세요."), "cost")


def save_draft(item: AgendaItem | None, *, user: User, cycle: PlanCycle, title: str, field: str, dong: str | None,
               problem: str, solution: str, effect: str, cost: int | None, client_token: str | None = None,
               submit: bool = False) -> AgendaItem:
    """Create or edit an item; ``submit`` sends a draft out for support. A retried form creates nothing new."""
    if not user.is_verified:
        raise ServiceError(_("이메일 주소를 확인한 뒤 의제를 제안할 수 있습니다."))
    _check_fields(field, dong, cost)
    if item is None:
        if client_token:
            existing = db.session.scalar(select(AgendaItem).where(AgendaItem.client_token == client_token))
            if existing is not None:
                return existing  # a double click or a retry: the first one stands
        if not cycle.allows(PROPOSE):
            raise ServiceError(_("지금은 의제 제안 기간이 아닙니다."))
        item = AgendaItem(cycle=cycle, proposer=user, stage="draft", client_token=client_token, created_at=now())
        db.session.add(item)
    else:
        if item.proposer_id != user.id:
            raise ServiceError(_("제안한 사람만 고칠 수 있습니다."))
        if item.stage not in ("draft", "proposed"):
            raise Conflict(_("분과가 논의를 시작한 의제는 고칠 수 없습니다."))
    item.title, item.field, item.dong = title.strip(), field, dong or None
    item.problem, item.solution, item.effect, item.cost = problem.strip(), solution.strip(), effect.strip(), cost
    item.updated_at = now()
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return db.session.scalar(select(AgendaItem).where(AgendaItem.client_token == client_token))
    if submit and item.stage == "draft":
        _record_move(item, "proposed", actor=user, decision_type="proposer", reason="")
        item.submitted_at = now()
        _follow(item, user)
        audit.record("agenda.submit", item, actor=user)
    db.session.commit()
    return item


def add_attachment(item: AgendaItem, upload, *, user: User) -> Attachment:
    """Store an image or PDF (≤ 10 MB, type checked by its bytes) outside the web root."""
    if item.proposer_id != user.id or item.stage not in ("draft", "proposed"):
        raise ServiceError(_("제안한 사람만, 분과로 넘어가기 전까지 파일을 올릴 수 있습니다."))
    stored = store_upload(upload, field="attachment", folder=uploads_folder(), what=_("파일"))
    attachment = Attachment(item=item, filename=stored.filename, content_type=stored.content_type,
                            size=stored.size, storage_key=stored.key, uploaded_by_id=user.id, created_at=now())
    db.session.add(attachment)
    db.session.commit()
    return attachment


def attachment_path(attachment: Attachment) -> Path:
    return uploads_folder() / attachment.storage_key


# --- support and follow ---------------------------------------------------------

def _follow(item: AgendaItem, user: User) -> None:
    if not is_follower(item, user):
        db.session.add(Follow(item_id=item.id, user_id=user.id))


def follow(item: AgendaItem, user: User, on: bool) -> None:
    """Start or stop hearing about an item."""
    if on:
        _follow(item, user)
    else:
        db.session.execute(db.delete(Follow).where(Follow.item_id == item.id, Follow.user_id == user.id))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


def support(item: AgendaItem, user: User) -> None:
    """공감: one per verified user while the item is open; reaching the threshold forwards the item."""
    if not user.is_verified:
        raise ServiceError(_("이메일 주소를 확인한 뒤 공감할 수 있습니다."))
    if not item.stage_obj.open:
        raise Conflict(_("논의가 끝난 의제에는 공감할 수 없습니다."))
    if item.proposer_id == user.id:
        raise ServiceError(_("자기가 제안한 의제에는 공감할 수 없습니다."))
    if not item.cycle.allows(SUPPORT):
        raise Conflict(_("지금은 공감을 받는 기간이 아닙니다."))
    db.session.add(Support(item_id=item.id, user_id=user.id, created_at=now()))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return  # already supported: a double click changes nothing
    _follow(item, user)
    _recount(item)
    if item.stage == "proposed" and _supports_in_window(item) >= item.cycle.support_threshold:
        body = body_for_stage(item, "subcommittee")
        _record_move(item, "subcommittee", actor=None, decision_type="automatic",
                     reason=_("공감 %(n)d개를 받아 분과로 넘어갔습니다.", n=item.support_count))
        audit.record("agenda.forward", item, actor=None, supports=item.support_count)
        if body is not None:
            for member in body.current_memberships():
                if member.role in (MemberRole.CHAIR, MemberRole.CO_CHAIR):
                    notify(member.user, _("「%(title)s」이(가) 공감 기준을 넘어 %(body)s로 넘어왔습니다.",
                                          title=item.title, body=body.name),
                           link("agenda.detail", item_id=item.id), email_subject=_("[협치 플랫폼] 새 의제"))
    db.session.commit()


def unsupport(item: AgendaItem, user: User) -> None:
    """Take a support back while the item still gathers support."""
    if item.stage != "proposed":
        raise ServiceError(_("분과로 넘어간 뒤에는 공감을 취소할 수 없습니다."))
    db.session.execute(db.delete(Support).where(Support.item_id == item.id, Support.user_id == user.id))
    _recount(item)
    db.session.commit()


def _recount(item: AgendaItem) -> None:
    count = db.session.scalar(select(func.count()).select_from(Support).where(Support.item_id == item.id))
    db.session.execute(db.update(AgendaItem).where(AgendaItem.id == item.id).values(support_count=count)
                       .execution_options(synchronize_session=False))
    db.session.refresh(item)


def _supports_in_window(item: AgendaItem) -> int:
    end = (item.submitted_at or now()) + timedelta(days=item.cycle.support_window_days)
    return db.session.scalar(select(func.count()).select_from(Support).where(
        Support.item_id == item.id, Support.created_at <= end)) or 0


def close_unsupported(cycle: PlanCycle) -> int:
    """Close items whose support window ended below the threshold, telling proposer and followers."""
    closed = 0
    for item in db.session.scalars(select(AgendaItem).where(AgendaItem.cycle_id == cycle.id,
                                                            AgendaItem.stage == "proposed")):
        window_end = (item.submitted_at or item.created_at) + timedelta(days=cycle.support_window_days)
        discovery = next((p for p in cycle.phases if p.kind == "discovery"), None)
        phase_over = discovery is not None and discovery.ends_on < today()
        if window_end < now() or phase_over:
            _record_move(item, "closed", actor=None, decision_type="automatic",
                         reason=_("기간 안에 공감 %(n)d개를 받지 못해 종료되었습니다.", n=cycle.support_threshold))
            closed += 1
    db.session.commit()
    return closed


# --- the stage machine ------------------------------------------------------------

def _record_move(item: AgendaItem, to_stage: str, *, actor: User | None, decision_type: str, reason: str,
                 minutes_ref: str | None = None, vote_round_id: int | None = None,
                 at: datetime | None = None, notify: bool = True) -> StageMove:
    """Move ``item`` and write the move's row; ``at`` and ``notify=False`` are for back-dated demo history."""
    from_stage = item.stage
    deciding_body = item.body_id  # the body that held the item takes the decision
    if to_stage == "on_hold":
        item.held_stage = from_stage
    item.stage = to_stage
    if STAGES[to_stage].body_kind is not None:
        body = body_for_stage(item, to_stage)
        item.body_id = body.id if body else None
    elif to_stage == "proposed":
        item.body_id = None  # an adopted, rejected or held item stays listed with the body that decided it
    item.updated_at = at or now()
    move = StageMove(item=item, from_stage=from_stage, to_stage=to_stage, body_id=deciding_body,
                     actor_id=getattr(actor, "id", None), decision_type=decision_type, reason=reason or "",
                     minutes_ref=minutes_ref or None, vote_round_id=vote_round_id, created_at=at or now())
    db.session.add(move)
    if notify and from_stage is not None and from_stage != "draft":
        _tell_followers(item, _("「%(title)s」이(가) '%(to)s' 단계로 바뀌었습니다.", title=item.title,
                                to=STAGES[to_stage].label))
    return move


def _tell_followers(item: AgendaItem, message: str) -> None:
    href = link("agenda.detail", item_id=item.id)
    followers = db.session.scalars(select(User).join(Follow, Follow.user_id == User.id)
                                   .where(Follow.item_id == item.id))
    for user in followers:
        notify(user, message, href, email_subject=_("[협치 플랫폼] 의제 소식"))


def move(item: AgendaItem, to_stage: str, *, actor: User, decision_type: str, reason: str,
         expected_version: int, minutes_ref: str | None = None, merge_into_id: int | None = None,
         vote_round_id: int | None = None) -> None:
    """Move an item one step, recording who, at which body, how, why and when; one of two simultaneous moves wins."""
    to_stage, decision_type, reason, target = _checked_move(
        item, to_stage, actor=actor, decision_type=decision_type, reason=reason, expected_version=expected_version,
        merge_into_id=merge_into_id, vote_round_id=vote_round_id)
    _record_move(item, to_stage, actor=actor, decision_type=decision_type, reason=reason, minutes_ref=minutes_ref,
                 vote_round_id=vote_round_id or None)
    if target is not None:
        _merge(item, target)
    audit.record("agenda.move", item, actor=actor, to=to_stage, decision=decision_type)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(_("다른 사람이 먼저 이 의제를 옮겼습니다. 새로 고친 뒤 현재 단계를 확인해 주세요."))


def check_move(item: AgendaItem, to_stage: str, *, actor: User, decision_type: str, reason: str,
               expected_version: int, merge_into_id: int | None = None, vote_round_id: int | None = None) -> None:
    """Raise the ServiceError ``move`` would raise for this move, without writing anything."""
    _checked_move(item, to_stage, actor=actor, decision_type=decision_type, reason=reason,
                  expected_version=expected_version, merge_into_id=merge_into_id, vote_round_id=vote_round_id)


def _checked_move(item: AgendaItem, to_stage: str, *, actor: User, decision_type: str, reason: str,
                  expected_version: int, merge_into_id: int | None, vote_round_id: int | None):
    if item.version != expected_version:
        raise Conflict(_("다른 사람이 먼저 이 의제를 옮겼습니다. 새로 고친 뒤 현재 단계를 확인해 주세요."))
    if to_stage == "withdrawn":
        if item.proposer_id != actor.id:
            raise ServiceError(_("제안한 사람만 철회할 수 있습니다."))
        decision_type = "proposer"
    elif not can_move(actor, item):
        raise ServiceError(_("이 의제를 맡은 기구의 위원장·간사나 협치지원관만 옮길 수 있습니다."))
    allowed = item.stage_obj.next_stages()
    if to_stage not in allowed:
        raise ServiceError(_("'%(from)s'에서 '%(to)s'(으)로는 옮길 수 없습니다.", **{
            "from": item.stage_obj.label, "to": STAGES[to_stage].label if to_stage in STAGES else to_stage}))
    if to_stage != "withdrawn" and to_stage not in ("merged",) and not item.cycle.allows(MOVE) \
            and item.stage != "on_hold":
        raise ServiceError(_("지금 단계에서는 의제를 옮길 수 없습니다."))
    if decision_type not in DECISION_TYPES:
        raise ServiceError(_("결정 방식을 골라 주세요."), "decision_type")
    reason = (reason or "").strip()
    if to_stage in ("rejected", "on_hold", "merged") and not reason:
        raise ServiceError(_("사유를 적어 주세요."), "reason")
    if vote_round_id:
        from app.voting.models import RoundStatus, VoteRound

        round_ = db.session.get(VoteRound, vote_round_id)
        if round_ is None or round_.status is not RoundStatus.PUBLISHED:
            raise ServiceError(_("근거 투표 번호를 확인해 주세요. 결과가 공개된 투표여야 합니다."), "vote_round_id")
        decision_type = "vote_result"
    elif decision_type == "vote_result":
        raise ServiceError(_("투표 결과로 정할 때는 근거가 된 투표 번호를 적어 주세요."), "vote_round_id")
    if to_stage == "resume":
        to_stage = item.held_stage or "proposed"
    target = None
    if to_stage == "merged":
        target = db.session.get(AgendaItem, merge_into_id) if merge_into_id else None
        if target is None or target.id == item.id or not target.stage_obj.open or target.cycle_id != item.cycle_id:
            raise ServiceError(_("합칠 의제 번호를 확인해 주세요. 같은 주기의 진행 중인 다른 의제여야 합니다."),
                               "merge_into_id")
    return to_stage, decision_type, reason, target


def _merge(item: AgendaItem, target: AgendaItem) -> None:
    """Carry supports and followers over to ``target`` (no one is counted twice)."""
    item.merged_into_id = target.id
    have = set(db.session.scalars(select(Support.user_id).where(Support.item_id == target.id)))
    for s in db.session.scalars(select(Support).where(Support.item_id == item.id)):
        if s.user_id not in have and s.user_id != target.proposer_id:
            db.session.add(Support(item_id=target.id, user_id=s.user_id, created_at=s.created_at))
    following = set(db.session.scalars(select(Follow.user_id).where(Follow.item_id == target.id)))
    for f in db.session.scalars(select(Follow).where(Follow.item_id == item.id)):
        if f.user_id not in following:
            db.session.add(Follow(item_id=target.id, user_id=f.user_id))
    db.session.flush()
    _recount(target)


# --- official answers -------------------------------------------------------------

def answer(item: AgendaItem, *, actor: User, department: str, status: str | None, text: str) -> None:
    """Assign a department and record its answer (accepted / partly / not feasible); followers are told."""
    from app.agenda.models import ANSWER_LABELS

    department = (department or "").strip()
    if not department:
        raise ServiceError(_("담당 부서를 적어 주세요."), "department")
    if status and status not in ANSWER_LABELS:
        raise ServiceError(_("답변 결과를 골라 주세요."), "answer_status")
    if status and not (text or "").strip():
        raise ServiceError(_("답변 내용을 적어 주세요."), "answer_text")
    item.department = department
    if status:
        item.answer_status, item.answer_text, item.answered_at = status, text.strip(), now()
        _tell_followers(item, _("「%(title)s」에 %(dept)s의 답변이 달렸습니다.", title=item.title, dept=department))
    audit.record("agenda.answer" if status else "agenda.assign", item, actor=actor, department=department,
                 status=status)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(_("다른 사람이 먼저 이 의제를 바꾸었습니다. 새로 고친 뒤 다시 시도해 주세요."))


@shared_task(name="app.agenda.close_unsupported")
def close_unsupported_task() -> int:
    """Daily (Celery beat): close items in every cycle whose support window has ended below the threshold."""
    return sum(close_unsupported(cycle) for cycle in db.session.scalars(select(PlanCycle)))


def advance_after_vote(item: AgendaItem, *, actor: User | None, vote_round_id: int) -> bool:
    """Move an item one level up because a published vote selected it (no commit; the caller commits)."""
    if item.stage not in CLIMB[1:-1]:
        return False  # not at a body (still gathering support, or already decided)
    to_stage = CLIMB[CLIMB.index(item.stage) + 1]
    _record_move(item, to_stage, actor=actor, decision_type="vote_result",
                 reason=_("투표에서 선정되었습니다."), vote_round_id=vote_round_id)
    audit.record("agenda.move", item, actor=actor, to=to_stage, decision="vote_result", vote_round=vote_round_id)
    return True
