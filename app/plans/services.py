"""Plan services: assemble the draft, edit sections with history, review rounds, adoption, exports."""
from __future__ import annotations

import difflib
import hashlib
import json
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app import audit
from app.agenda.models import AgendaItem
from app.agenda.stages import STAGES
from app.auth.models import User
from app.bodies.models import Body, BodyKind, MemberRole, Membership
from app.cycles.models import PlanCycle
from app.errors import Conflict, ServiceError
from app.extensions import db
from app.plans import process, sections
from app.plans.models import (
    BudgetLine, Fund, Plan, PlanProject, PlanSection, PlanStatus, ReviewComment, ReviewKind, ReviewRound,
    RoundReviewer, SectionKind, SectionVersion,
)
from app.plans.selection import Candidate, selected_projects
from app.utils import KST, now, today

MAX_COMMENT = 5_000


# --- reading ------------------------------------------------------------------

def get_plan_or_404(plan_id: int) -> Plan:
    return db.get_or_404(Plan, plan_id)


def plan_for_cycle(cycle: PlanCycle) -> Plan | None:
    return db.session.scalar(select(Plan).where(Plan.cycle_id == cycle.id))


def all_plans() -> list[Plan]:
    return list(db.session.scalars(select(Plan).join(PlanCycle).order_by(PlanCycle.year.desc())))


def cycles_without_plan() -> list[PlanCycle]:
    return list(db.session.scalars(select(PlanCycle).where(~PlanCycle.id.in_(select(Plan.cycle_id)))
                                   .order_by(PlanCycle.year.desc())))


def section_of(plan: Plan, section_id: int) -> PlanSection | None:
    return next((s for s in plan.sections if s.id == section_id), None)


def version_of(section: PlanSection, number: int) -> SectionVersion | None:
    return next((v for v in section.versions if v.number == number), None)


def shown_version(section: PlanSection) -> SectionVersion | None:
    """The adopted version of an adopted plan, else the newest."""
    if section.adopted_number:
        return version_of(section, section.adopted_number)
    return section.current


def project_of_section(section: PlanSection) -> PlanProject | None:
    return db.session.scalar(select(PlanProject).where(PlanProject.section_id == section.id))


def open_round(plan: Plan) -> ReviewRound | None:
    return next((r for r in plan.rounds if r.is_open), None)


def comment_counts(plan: Plan) -> dict[int, tuple[int, int]]:
    """Per section id: (comments, unresolved)."""
    rows = db.session.execute(
        select(ReviewComment.section_id, func.count(), func.count(ReviewComment.id).filter(
            ReviewComment.resolved_at.is_(None)))
        .join(ReviewRound, ReviewRound.id == ReviewComment.round_id)
        .where(ReviewRound.plan_id == plan.id).group_by(ReviewComment.section_id)).all()
    return {sid: (n, open_) for sid, n, open_ in rows}


def unresolved_count(plan: Plan) -> int:
    return db.session.scalar(
        select(func.count()).select_from(ReviewComment).join(ReviewRound, ReviewRound.id == ReviewComment.round_id)
        .where(ReviewRound.plan_id == plan.id, ReviewComment.resolved_at.is_(None))) or 0


def comments_on(section: PlanSection) -> list[ReviewComment]:
    return list(db.session.scalars(select(ReviewComment).where(ReviewComment.section_id == section.id)
                                   .order_by(ReviewComment.id)))


def content_hash(plan: Plan) -> str:
    """sha256 over every live section's key, title, version number and content (canonical JSON)."""
    parts = []
    for section in plan.live_sections:
        version = shown_version(section)
        parts.append({"key": section.key, "title": section.title, "version": version.number if version else 0,
                      "content": version.content if version else {}})
    payload = json.dumps({"plan": plan.id, "title": plan.title, "sections": parts}, sort_keys=True,
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def diff(section: PlanSection, a: int, b: int) -> list[tuple[str, str]]:
    """Line diff between two versions of a section: ('same'|'added'|'removed', line) rows."""
    old, new = version_of(section, a), version_of(section, b)
    if old is None or new is None:
        raise ServiceError(_("비교할 판을 찾을 수 없습니다."))
    left = sections.lines(section.kind, old.content)
    right = sections.lines(section.kind, new.content)
    rows: list[tuple[str, str]] = []
    for line in difflib.ndiff(left, right):
        tag, text = line[:2], line[2:]
        if tag == "  ":
            rows.append(("same", text))
        elif tag == "- ":
            rows.append(("removed", text))
        elif tag == "+ ":
            rows.append(("added", text))
    return rows


# --- who may do what ----------------------------------------------------------

def _active_seat(user, kinds: tuple[BodyKind, ...], roles: tuple[MemberRole, ...] | None = None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    stmt = (select(Membership.id).join(Body, Body.id == Membership.body_id)
            .where(Membership.user_id == user.id, Body.kind.in_(kinds), Membership.active_on(today())))
    if roles:
        stmt = stmt.where(Membership.role.in_(roles))
    return db.session.scalar(stmt.limit(1)) is not None


def may_review(user, round_: ReviewRound | None) -> bool:
    """Staff; members of 구 협치회의 in its round; invited reviewers in a city round."""
    if round_ is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff:
        return True
    if round_.kind is ReviewKind.DISTRICT_COUNCIL:
        return _active_seat(user, (BodyKind.DISTRICT_COUNCIL,))
    return any(r.user_id == user.id for r in round_.reviewers)


def may_adopt(user) -> bool:
    """Staff, or the chair or co-chair of 구 협치회의 (the council adopts)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_staff or _active_seat(user, (BodyKind.DISTRICT_COUNCIL,), (MemberRole.CHAIR, MemberRole.CO_CHAIR))


# --- assembling the draft -----------------------------------------------------

def _history(item: AgendaItem | None) -> list[list[str]]:
    """An agenda item's public timeline as rows: date (KST), stage, body, reason."""
    if item is None:
        return []

    rows = []
    for move in item.moves:
        rows.append([(move.created_at + KST).date().isoformat(), str(STAGES[move.to_stage].label),
                     move.body.name if move.body else "", move.reason or ""])
    return rows


def _project_content(candidate: Candidate) -> dict[str, Any]:
    item = candidate.agenda_item
    purpose = (item.problem if item else "") or (candidate.option.description if candidate.option else "")
    content = (item.solution if item else "") or ""
    return {
        "purpose": purpose, "content": content,
        "department": (item.department if item and item.department else ""),
        "partners": "", "schedule": "", "indicators": (item.effect if item else ""),
        "city_fund": 0, "district_fund": candidate.cost,
        "history": _history(item),
    }


def _add_version(section: PlanSection, content: dict[str, Any], actor: User | None, note: str = "") -> SectionVersion:
    section.version_count = (section.version_count or 0) + 1
    version = SectionVersion(number=section.version_count, content=content, note=note[:200],
                             created_by_id=getattr(actor, "id", None), created_at=now())
    section.versions.append(version)
    return version


def _sync_projects(plan: Plan, actor: User | None) -> dict[str, int]:
    """Add a section for each newly selected project; set aside sections whose project left the selection."""
    candidates = selected_projects(plan.cycle)
    by_key = {p.source_key: p for p in plan.projects}
    wanted = {c.source_key for c in candidates}
    added = removed = 0
    next_position = 100 + len(plan.projects)
    for candidate in candidates:
        project = by_key.get(candidate.source_key)
        if project is not None:
            if project.section and project.section.removed_at is not None:
                project.section.removed_at = None  # selected again
            continue
        section = PlanSection(key=f"project-{candidate.source_key}"[:40], kind=SectionKind.PROJECT,
                              title=candidate.title, position=next_position, created_at=now())
        plan.sections.append(section)
        _add_version(section, _project_content(candidate), actor, _("선정 사업에서 생성"))
        db.session.flush()
        plan.projects.append(PlanProject(
            source_key=candidate.source_key, title=candidate.title, section_id=section.id, position=next_position,
            agenda_item_id=candidate.agenda_item.id if candidate.agenda_item else None,
            vote_option_id=candidate.option.id if candidate.option else None, created_at=now()))
        next_position += 1
        added += 1
    for project in plan.projects:
        if project.source_key not in wanted and project.section and project.section.removed_at is None:
            project.section.removed_at = now()
            removed += 1
    return {"added": added, "removed": removed}


def assemble(cycle: PlanCycle, *, actor: User) -> Plan:
    """Build the cycle's draft from its data: process explainer, basic plan, one section per selected project.

    A second request (double click, two tabs) returns the plan the first one made.
    """
    existing = plan_for_cycle(cycle)
    if existing is not None:
        return existing
    from flask import current_app

    plan = Plan(cycle_id=cycle.id, title=_("%(year)d년 %(district)s 지역사회혁신계획", year=cycle.year,
                                           district=current_app.config.get("DISTRICT_NAME", "")),
                status=PlanStatus.DRAFT, created_by_id=actor.id, created_at=now(), updated_at=now())
    db.session.add(plan)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        found = plan_for_cycle(cycle)
        if found is None:
            raise
        return found
    process_section = PlanSection(key="process", kind=SectionKind.PROCESS, title=_("수립과정설명서"), position=0)
    plan.sections.append(process_section)
    _add_version(process_section, {"generated": process.generate(cycle), "text": ""}, actor, _("자료에서 생성"))
    for position, (key, title, text) in enumerate(sections.BASIC_SECTIONS, start=10):
        section = PlanSection(key=key, kind=SectionKind.BASIC, title=str(title), position=position)
        plan.sections.append(section)
        content = {"text": str(text)}
        if key == "governance_budget":
            content["amount"] = 0
        _add_version(section, content, actor, _("초안"))
    db.session.flush()
    counts = _sync_projects(plan, actor)
    audit.record("plan.assemble", plan, actor=actor, cycle=cycle.year, projects=counts["added"])
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        found = plan_for_cycle(cycle)
        if found is None:
            raise
        return found
    return plan


def _require_editable(plan: Plan) -> None:
    if plan.is_locked:
        raise ServiceError(_("확정된 계획서는 고칠 수 없습니다. 확정판은 잠겨 있습니다."))


def refresh(plan: Plan, *, actor: User) -> dict[str, int]:
    """Regenerate the process explainer from today's data and follow changes in the selection."""
    _require_editable(plan)
    section = next(s for s in plan.sections if s.key == "process")
    generated = process.generate(plan.cycle)
    changed = 0
    if section.current is None or section.current.content.get("generated") != generated:
        text = section.current.content.get("text", "") if section.current else ""
        _add_version(section, {"generated": generated, "text": text}, actor, _("자료에서 다시 생성"))
        changed = 1
    counts = _sync_projects(plan, actor)
    plan.updated_at = now()
    audit.record("plan.refresh", plan, actor=actor, process_changed=changed, **counts)
    db.session.commit()
    return {"process": changed, **counts}


def save_section(section: PlanSection, form: dict[str, Any], *, actor: User, expected_version: int | None,
                 note: str = "") -> SectionVersion | None:
    """Save a new version of a section (None when nothing changed); a stale form is refused."""
    plan = section.plan
    _require_editable(plan)
    if section.removed_at is not None:
        raise ServiceError(_("이 절은 더 이상 계획서에 없습니다."))
    if expected_version is not None and expected_version != section.version_count:
        raise Conflict(_("다른 사람이 먼저 이 절을 고쳤습니다. 새로 고친 뒤 바뀐 내용을 확인해 주세요."))
    previous = section.current.content if section.current else {}
    content = sections.clean(section.kind, section.key, form, previous)
    if content == previous:
        return None
    version = _add_version(section, content, actor, note)
    plan.updated_at = now()
    if section.kind is SectionKind.PROJECT:
        project = project_of_section(section)
        if project is not None and form.get("title"):
            title = str(form["title"]).strip()[:200]
            if title:
                project.title = section.title = title
    audit.record("plan.section_save", section, actor=actor, plan=plan.id, version=version.number)
    try:
        db.session.commit()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        raise Conflict(_("다른 사람이 먼저 이 절을 고쳤습니다. 새로 고친 뒤 바뀐 내용을 확인해 주세요."))
    return version


# --- review rounds and comments ---------------------------------------------------

ROUND_ORDER = [ReviewKind.DISTRICT_COUNCIL, ReviewKind.CITY_1, ReviewKind.CITY_2]


def start_round(plan: Plan, kind: ReviewKind, *, actor: User) -> ReviewRound:
    """Open a review round; one at a time, each kind once, in order (council, city 1, city 2)."""
    _require_editable(plan)
    if open_round(plan) is not None:
        raise ServiceError(_("진행 중인 심의를 먼저 마쳐 주세요."))
    held = {r.kind for r in plan.rounds}
    if kind in held:
        raise ServiceError(_("「%(kind)s」은(는) 이미 열었습니다.", kind=kind.label))
    earlier = ROUND_ORDER[:ROUND_ORDER.index(kind)]
    if any(k not in held for k in earlier):
        raise ServiceError(_("심의는 구 협치회의 심의, 서울시 1차, 2차 협의조정 순서로 엽니다."))
    round_ = ReviewRound(kind=kind, opened_at=now(), opened_by_id=actor.id)
    plan.rounds.append(round_)
    plan.status = PlanStatus.IN_REVIEW
    plan.updated_at = now()
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("「%(kind)s」은(는) 이미 열었습니다.", kind=kind.label))
    audit.record("plan.round_open", round_, actor=actor, plan=plan.id, kind=kind.value)
    db.session.commit()
    _tell_reviewers(round_)
    return round_


def _tell_reviewers(round_: ReviewRound) -> None:
    from app.notifications import notify
    from app.utils import link

    people: list[User] = [r.user for r in round_.reviewers]
    if round_.kind is ReviewKind.DISTRICT_COUNCIL:
        people += list(db.session.scalars(
            select(User).join(Membership, Membership.user_id == User.id).join(Body, Body.id == Membership.body_id)
            .where(Body.kind == BodyKind.DISTRICT_COUNCIL, Membership.active_on(today()))))
    href = link("plans.detail", plan_id=round_.plan_id)
    for user in {u.id: u for u in people}.values():
        notify(user, _("「%(plan)s」 심의가 열렸습니다(%(kind)s). 절마다 의견을 남겨 주세요.", plan=round_.plan.title,
                       kind=round_.kind.label), href, email_subject=_("[협치 플랫폼] 계획서 심의"))
    db.session.commit()


def close_round(round_: ReviewRound, *, actor: User, note: str = "") -> None:
    """Close a review round (its comments stay, to be answered and resolved)."""
    if not round_.is_open:
        raise ServiceError(_("이미 마친 심의입니다."))
    round_.closed_at = now()
    round_.closed_by_id = actor.id
    round_.note = (note or "").strip()[:2000]
    audit.record("plan.round_close", round_, actor=actor, plan=round_.plan_id, kind=round_.kind.value)
    db.session.commit()


def invite_reviewer(round_: ReviewRound, email: str, *, actor: User) -> RoundReviewer:
    """Invite an account (a city official, say) to review a city round."""
    if round_.kind is ReviewKind.DISTRICT_COUNCIL:
        raise ServiceError(_("구 협치회의 심의는 구 협치회의 위원이 합니다. 따로 초대하지 않습니다."), "email")
    if not round_.is_open:
        raise ServiceError(_("진행 중인 심의에만 검토자를 초대할 수 있습니다."), "email")
    user = db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower(),
                                                User.deleted_at.is_(None)))
    if user is None:
        raise ServiceError(_("그 이메일로 가입한 회원이 없습니다."), "email")
    existing = next((r for r in round_.reviewers if r.user_id == user.id), None)
    if existing is not None:
        return existing
    reviewer = RoundReviewer(user_id=user.id)
    round_.reviewers.append(reviewer)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return db.session.scalar(select(RoundReviewer).where(RoundReviewer.round_id == round_.id,
                                                             RoundReviewer.user_id == user.id))
    audit.record("plan.reviewer_invite", round_, actor=actor, user=user.id)
    from app.notifications import notify
    from app.utils import link

    notify(user, _("「%(plan)s」 %(kind)s 검토자로 초대되었습니다.", plan=round_.plan.title, kind=round_.kind.label),
           link("plans.detail", plan_id=round_.plan_id), email_subject=_("[협치 플랫폼] 계획서 심의"))
    db.session.commit()
    return reviewer


def add_comment(plan: Plan, section_id: int, body: str, *, user: User, client_token: str | None) -> ReviewComment:
    """A reviewer's comment on one section of the plan, in the open round; one per submitted form."""
    section = section_of(plan, section_id)
    if section is None or section.removed_at is not None:
        raise ServiceError(_("의견을 남기려는 절이 더 이상 계획서에 없습니다. 계획서를 새로 고쳐 확인해 주세요."))
    round_ = open_round(plan)
    if round_ is None:
        raise ServiceError(_("지금은 심의 기간이 아닙니다. 심의가 열려 있을 때 의견을 남길 수 있습니다."))
    if not may_review(user, round_):
        raise ServiceError(_("이 심의의 검토자만 의견을 남길 수 있습니다."))
    text = (body or "").strip()
    if not text:
        raise ServiceError(_("의견을 적어 주세요."), "body")
    if len(text) > MAX_COMMENT:
        raise ServiceError(_("의견은 %(n)d자까지 적을 수 있습니다.", n=MAX_COMMENT), "body")
    if client_token:
        same = db.session.scalar(select(ReviewComment).where(ReviewComment.client_token == client_token))
        if same is not None:
            return same
    comment = ReviewComment(round_id=round_.id, section_id=section.id, version_number=section.version_count,
                            author_id=user.id, body=text, client_token=client_token or None, created_at=now())
    db.session.add(comment)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        same = db.session.scalar(select(ReviewComment).where(ReviewComment.client_token == client_token))
        if same is not None:
            return same
        raise
    audit.record("plan.comment", comment, actor=user, plan=plan.id, section=section.key)
    db.session.commit()
    return comment


def answer_comment(comment: ReviewComment, answer: str, *, actor: User, resolve: bool) -> None:
    """Staff answer a comment (and may mark it resolved at once)."""
    _require_editable(comment.round.plan)
    text = (answer or "").strip()
    if not text:
        raise ServiceError(_("답변을 적어 주세요."), "answer")
    if len(text) > MAX_COMMENT:
        raise ServiceError(_("답변은 %(n)d자까지 적을 수 있습니다.", n=MAX_COMMENT), "answer")
    comment.answer = text
    comment.answered_by_id = actor.id
    comment.answered_at = now()
    if resolve and comment.resolved_at is None:
        comment.resolved_at = now()
        comment.resolved_by_id = actor.id
    audit.record("plan.comment_answer", comment, actor=actor, resolved=bool(comment.resolved_at))
    from app.notifications import notify
    from app.utils import link

    notify(comment.author, _("「%(section)s」에 남긴 의견에 답변이 달렸습니다.", section=comment.section.title),
           link("plans.section", plan_id=comment.round.plan_id, section_id=comment.section_id))
    db.session.commit()


def resolve_comment(comment: ReviewComment, *, actor: User) -> None:
    """Mark a comment resolved; only an answered comment can be."""
    _require_editable(comment.round.plan)
    if not comment.answer:
        raise ServiceError(_("답변을 단 뒤에 해결로 표시할 수 있습니다."))
    if comment.resolved_at is None:
        comment.resolved_at = now()
        comment.resolved_by_id = actor.id
        audit.record("plan.comment_resolve", comment, actor=actor)
        db.session.commit()


# --- adoption -----------------------------------------------------------------------

def adoption_blockers(plan: Plan) -> list[str]:
    """Why the plan cannot be adopted yet (empty: it can)."""
    reasons = []
    if plan.is_locked:
        reasons.append(_("이미 확정되었습니다."))
        return reasons
    council = next((r for r in plan.rounds if r.kind is ReviewKind.DISTRICT_COUNCIL), None)
    if council is None or council.is_open:
        reasons.append(_("구 협치회의 심의를 열고 마쳐야 합니다."))
    if open_round(plan) is not None:
        reasons.append(_("진행 중인 심의가 있습니다."))
    left = unresolved_count(plan)
    if left:
        reasons.append(_("해결되지 않은 의견이 %(n)d건 있습니다.", n=left))
    return reasons


def adopt(plan: Plan, *, actor: User, expected_hash: str | None = None) -> str:
    """구 협치회의 의결: lock every section at its current version and record the content hash."""
    blockers = adoption_blockers(plan)
    if blockers:
        raise ServiceError(" ".join(blockers))
    if expected_hash and expected_hash != content_hash(plan):
        raise Conflict(_("확정하려는 사이에 계획서가 바뀌었습니다. 바뀐 내용을 확인한 뒤 다시 확정해 주세요."))
    for section in plan.live_sections:
        section.adopted_number = section.version_count
    digest = content_hash(plan)
    plan.status = PlanStatus.ADOPTED
    plan.adopted_at = now()
    plan.adopted_by_id = actor.id
    plan.adopted_hash = digest
    plan.updated_at = now()
    _open_budget_lines(plan)
    audit.record("plan.adopt", plan, actor=actor, content_hash=digest)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(_("확정하려는 사이에 계획서가 바뀌었습니다. 바뀐 내용을 확인한 뒤 다시 확정해 주세요."))
    return digest


def _open_budget_lines(plan: Plan) -> None:
    """Each adopted project starts execution with its city and district funds as budget lines."""
    for project in plan.projects:
        if project.section is None or project.section.removed_at is not None or project.budget_lines:
            continue
        content = shown_version(project.section).content
        for position, (fund, key, name) in enumerate(((Fund.CITY, "city_fund", _("사업비(시비)")),
                                                      (Fund.DISTRICT, "district_fund", _("사업비(구비)")))):
            if content.get(key):
                project.budget_lines.append(BudgetLine(name=name, fund=fund, amount=int(content[key]),
                                                       position=position, created_at=now()))


def live_projects(plan: Plan) -> list[PlanProject]:
    return [p for p in plan.projects if p.section is not None and p.section.removed_at is None]


def project_funds(project: PlanProject) -> tuple[int, int]:
    version = shown_version(project.section) if project.section else None
    content = version.content if version else {}
    return int(content.get("city_fund") or 0), int(content.get("district_fund") or 0)


def plan_year_dates(plan: Plan) -> tuple[date, date]:
    return date(plan.cycle.year, 1, 1), date(plan.cycle.year, 12, 31)


# --- exports ------------------------------------------------------------------------

def request_export(plan: Plan, fmt: str, *, actor: User):
    """Queue a file of the plan in ``fmt``; the same content in the same format is made once (retries reuse it)."""
    from app.plans.exports import run_export_task
    from app.plans.models import ExportFormat, ExportStatus, PlanExport
    from app.tasks import defer

    try:
        format_ = ExportFormat(fmt)
    except ValueError:
        raise ServiceError(_("내려받을 형식(HWPX, DOCX, PDF, HTML)을 골라 주세요."))
    from app.plans.exports import RENDERER

    # The same content drawn by the same writers is made once; a new writer version makes new files.
    digest = hashlib.sha256(f"{content_hash(plan)}:{_execution_stamp(plan)}:{RENDERER}".encode()).hexdigest()
    existing = db.session.scalar(select(PlanExport).where(PlanExport.plan_id == plan.id,
                                                          PlanExport.format == format_,
                                                          PlanExport.content_hash == digest))
    if existing is not None and existing.status is not ExportStatus.FAILED:
        return existing
    if existing is None:
        existing = PlanExport(plan_id=plan.id, format=format_, content_hash=digest, requested_by_id=actor.id,
                              created_at=now())
        db.session.add(existing)
        try:
            db.session.flush()
        except IntegrityError:  # the same request from another tab won
            db.session.rollback()
            return db.session.scalar(select(PlanExport).where(PlanExport.plan_id == plan.id,
                                                              PlanExport.format == format_,
                                                              PlanExport.content_hash == digest))
    existing.status, existing.progress, existing.error = ExportStatus.QUEUED, 1, None
    audit.record("plan.export", existing, actor=actor, plan=plan.id, format=format_.value)
    defer(run_export_task, existing.id)
    db.session.commit()
    return existing


def _execution_stamp(plan: Plan) -> str:
    """The execution figures an adopted plan's documents print (집행 현황): new spending makes new files."""
    if not plan.is_locked:
        return ""
    from app.plans.execution import plan_execution

    rows, total = plan_execution(plan)
    return json.dumps([[r.project.id, r.figures.budget, r.figures.spent] for r in rows]
                      + [[0, total.budget, total.spent]], separators=(",", ":"))


def exports_of(plan: Plan) -> list:
    from app.plans.models import PlanExport

    return list(db.session.scalars(select(PlanExport).where(PlanExport.plan_id == plan.id)
                                   .order_by(PlanExport.id.desc())))
