"""Execution tracking in the plan year: budget lines, spending with evidence, milestones, working groups.

Only projects of an adopted plan are executed. Spending beyond a budget line
is refused unless a reason is given; then it is kept and flagged.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.uploads import store_upload, uploads_folder
from app.auth.models import User
from app.errors import ServiceError
from app.extensions import db
from app.plans.models import (
    BudgetLine, Fund, Milestone, Plan, PlanProject, ProjectStatus, Spending, WorkingGroupMeeting,
    WorkingGroupMember,
)
from app.plans.money import parse_won, rate, thousands
from app.utils import now

MAX_MEMO = 300


def _require_adopted(project: PlanProject) -> None:
    if not project.plan.is_locked:
        raise ServiceError(_("확정된 계획의 사업만 집행을 기록할 수 있습니다."))


def _parse_date(raw, field_name: str) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw or "").strip())
    except ValueError:
        raise ServiceError(_("날짜를 YYYY-MM-DD 형식으로 적어 주세요."), field_name)


def _in_plan_year(project: PlanProject, day: date, field_name: str) -> None:
    year = project.plan.cycle.year
    if day.year != year:
        raise ServiceError(_("%(year)d년(계획 연도) 안의 날짜를 적어 주세요.", year=year), field_name)


# --- figures ------------------------------------------------------------------------

@dataclass
class Figures:
    budget: int = 0
    spent: int = 0
    flagged: int = 0  # spending entries over their line

    @property
    def rate(self) -> str:
        return rate(self.spent, self.budget)

    @property
    def rate_value(self) -> float:
        return self.spent * 100 / self.budget if self.budget else 0.0

    @property
    def budget_k(self) -> str:
        return thousands(self.budget)

    @property
    def spent_k(self) -> str:
        return thousands(self.spent)


@dataclass
class ProjectRow:
    project: PlanProject
    figures: Figures
    by_fund: dict[str, Figures] = field(default_factory=dict)


def line_spent(line: BudgetLine) -> int:
    return sum(s.amount for s in line.spendings)


def plan_execution(plan: Plan) -> tuple[list[ProjectRow], Figures]:
    """Budget, spending and rate per project and in total, in three queries whatever the size."""
    from app.plans.services import live_projects

    projects = live_projects(plan)
    ids = [p.id for p in projects]
    budgets = dict(db.session.execute(select(BudgetLine.project_id, func.sum(BudgetLine.amount))
                                      .where(BudgetLine.project_id.in_(ids)).group_by(BudgetLine.project_id)).all())
    spent_rows = db.session.execute(
        select(BudgetLine.project_id, func.sum(Spending.amount), func.count(Spending.id).filter(Spending.over_budget))
        .join(Spending, Spending.line_id == BudgetLine.id).where(BudgetLine.project_id.in_(ids))
        .group_by(BudgetLine.project_id)).all()
    spent = {pid: (int(s or 0), int(f or 0)) for pid, s, f in spent_rows}
    rows, total = [], Figures()
    for project in projects:
        figures = Figures(int(budgets.get(project.id) or 0), *spent.get(project.id, (0, 0)))
        rows.append(ProjectRow(project, figures))
        total.budget += figures.budget
        total.spent += figures.spent
        total.flagged += figures.flagged
    return rows, total


def project_figures(project: PlanProject) -> Figures:
    figures = Figures()
    for line in project.budget_lines:
        figures.budget += line.amount
        for spending in line.spendings:
            figures.spent += spending.amount
            figures.flagged += 1 if spending.over_budget else 0
    return figures


# --- writes ---------------------------------------------------------------------------

def add_budget_line(project: PlanProject, *, name: str, fund: str, amount, actor: User) -> BudgetLine:
    """A budget line (세목) of a project, in won."""
    _require_adopted(project)
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("세목 이름을 적어 주세요."), "name")
    try:
        fund_value = Fund(fund)
    except ValueError:
        raise ServiceError(_("재원(시비 또는 구비)을 골라 주세요."), "fund")
    value = parse_won(amount, "amount", label=_("예산액"))
    if value == 0:
        raise ServiceError(_("예산액은 1원 이상이어야 합니다."), "amount")
    line = BudgetLine(name=name[:120], fund=fund_value, amount=value, position=len(project.budget_lines),
                      created_at=now())
    project.budget_lines.append(line)
    db.session.flush()
    audit.record("plan.budget_line", line, actor=actor, project=project.id, amount=value)
    db.session.commit()
    return line


def _store_evidence(upload) -> tuple[str, str, int, str] | None:
    """Store an image or PDF (≤ 10 MB, type checked by its bytes) outside the web root, as agenda attachments are."""
    if upload is None or not getattr(upload, "filename", ""):
        return None
    stored = store_upload(upload, field="evidence", folder=evidence_folder(), what=_("증빙 파일"))
    return stored.filename, stored.content_type, stored.size, stored.key


def evidence_folder() -> Path:
    return uploads_folder() / "plan-evidence"


def add_spending(line: BudgetLine, *, spent_on, amount, memo: str, upload=None, over_reason: str = "",
                 client_token: str | None = None, actor: User) -> Spending:
    """Record money spent on a line; beyond the line only with a reason, and then flagged."""
    project = line.project
    _require_adopted(project)
    day = _parse_date(spent_on, "spent_on")
    _in_plan_year(project, day, "spent_on")
    value = parse_won(amount, "amount", label=_("집행액"))
    if value == 0:
        raise ServiceError(_("집행액은 1원 이상이어야 합니다."), "amount")
    memo = (memo or "").strip()
    if len(memo) > MAX_MEMO:
        raise ServiceError(_("적요는 %(n)d자까지 적을 수 있습니다.", n=MAX_MEMO), "memo")
    if client_token:
        same = db.session.scalar(select(Spending).where(Spending.client_token == client_token))
        if same is not None:
            return same
    # Lock the line so two entries at once cannot both slip under its remaining amount.
    db.session.execute(select(BudgetLine.id).where(BudgetLine.id == line.id).with_for_update())
    already = db.session.scalar(select(func.coalesce(func.sum(Spending.amount), 0)).where(Spending.line_id == line.id))
    over = already + value > line.amount
    reason = (over_reason or "").strip()
    if over and not reason:
        left = max(line.amount - already, 0)
        raise ServiceError(_("세목 예산을 넘습니다(남은 예산 %(left)s원). 넘겨 집행하려면 사유를 적어 주세요.",
                             left=f"{left:,}"), "over_reason")
    stored = _store_evidence(upload)
    spending = Spending(line_id=line.id, spent_on=day, amount=value, memo=memo, over_budget=over,
                        over_reason=reason if over else None, client_token=client_token or None,
                        created_by_id=actor.id, created_at=now())
    if stored:
        spending.evidence_name, spending.evidence_type, spending.evidence_size, spending.evidence_key = stored
    db.session.add(spending)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        same = db.session.scalar(select(Spending).where(Spending.client_token == client_token))
        if same is not None:
            return same
        raise
    audit.record("plan.spending", spending, actor=actor, project=project.id, line=line.id, amount=value,
                 over_budget=over)
    db.session.commit()
    return spending


def add_milestone(project: PlanProject, *, title: str, due_on, actor: User) -> Milestone:
    _require_adopted(project)
    title = (title or "").strip()
    if not title:
        raise ServiceError(_("일정 이름을 적어 주세요."), "title")
    day = _parse_date(due_on, "due_on")
    milestone = Milestone(title=title[:200], due_on=day, created_at=now())
    project.milestones.append(milestone)
    db.session.flush()
    audit.record("plan.milestone", milestone, actor=actor, project=project.id)
    db.session.commit()
    return milestone


def complete_milestone(milestone: Milestone, *, done_on, actor: User) -> None:
    _require_adopted(milestone.project)
    milestone.done_on = _parse_date(done_on, "done_on")
    audit.record("plan.milestone_done", milestone, actor=actor)
    db.session.commit()


def set_status(project: PlanProject, status: str, *, actor: User) -> None:
    _require_adopted(project)
    try:
        project.status = ProjectStatus(status)
    except ValueError:
        raise ServiceError(_("사업 상태를 골라 주세요."), "status")
    audit.record("plan.project_status", project, actor=actor, status=status)
    db.session.commit()


def add_member(project: PlanProject, *, name: str, email: str = "", role: str = "", affiliation: str = "",
               actor: User) -> WorkingGroupMember:
    """A working-group member: an account found by e-mail, or just a name."""
    _require_adopted(project)
    user = None
    if (email or "").strip():
        user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower(),
                                                    User.deleted_at.is_(None)))
        if user is None:
            raise ServiceError(_("그 이메일로 가입한 회원이 없습니다. 이름만 적어도 됩니다."), "email")
        if any(m.user_id == user.id for m in project.members):
            raise ServiceError(_("이미 실무단에 있는 분입니다."), "email")
    name = (name or "").strip() or (user.public_name if user else "")
    if not name:
        raise ServiceError(_("이름을 적어 주세요."), "name")
    member = WorkingGroupMember(user_id=user.id if user else None, name=name[:80], role=(role or "").strip()[:40],
                                affiliation=(affiliation or "").strip()[:120], created_at=now())
    project.members.append(member)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(_("이미 실무단에 있는 분입니다."), "email")
    audit.record("plan.wg_member", member, actor=actor, project=project.id)
    db.session.commit()
    return member


def add_meeting(project: PlanProject, *, held_on, title: str, attendees, summary: str,
                actor: User) -> WorkingGroupMeeting:
    _require_adopted(project)
    day = _parse_date(held_on, "held_on")
    title = (title or "").strip()
    if not title:
        raise ServiceError(_("회의 이름을 적어 주세요."), "title")
    try:
        count = int(str(attendees or "0").strip())
    except ValueError:
        raise ServiceError(_("참석 인원은 0 이상의 정수로 적어 주세요."), "attendees")
    if count < 0:
        raise ServiceError(_("참석 인원은 0 이상의 정수로 적어 주세요."), "attendees")
    meeting = WorkingGroupMeeting(held_on=day, title=title[:200], attendees=count, summary=(summary or "").strip(),
                                  created_at=now())
    project.meetings.append(meeting)
    db.session.flush()
    audit.record("plan.wg_meeting", meeting, actor=actor, project=project.id)
    db.session.commit()
    return meeting


# --- open data ---------------------------------------------------------------------------

def open_data(plan: Plan) -> dict:
    """The plan's execution as plain data (JSON); amounts in won."""
    from app.plans.services import project_funds

    rows, total = plan_execution(plan)
    projects = []
    for row in rows:
        p = row.project
        city, district = project_funds(p)
        projects.append({
            "id": p.id, "title": p.title, "status": p.status.value, "planned_city_fund": city,
            "planned_district_fund": district, "budget": row.figures.budget, "spent": row.figures.spent,
            "execution_rate": round(row.figures.rate_value, 1), "over_budget_entries": row.figures.flagged,
            "budget_lines": [{"name": l.name, "fund": l.fund.value, "amount": l.amount, "spent": line_spent(l)}
                             for l in p.budget_lines],
            "milestones": [{"title": m.title, "due_on": m.due_on.isoformat(),
                            "done_on": m.done_on.isoformat() if m.done_on else None} for m in p.milestones],
            "working_group": {"members": len(p.members), "meetings": len(p.meetings)},
        })
    return {"plan": {"id": plan.id, "title": plan.title, "year": plan.cycle.year, "status": plan.status.value,
                     "adopted_at": plan.adopted_at.isoformat() if plan.adopted_at else None,
                     "content_hash": plan.adopted_hash},
            "currency": "KRW", "total": {"budget": total.budget, "spent": total.spent,
                                         "execution_rate": round(total.rate_value, 1)},
            "projects": projects}


def open_data_csv(plan: Plan) -> str:
    from app.utils import csv_document

    data = open_data(plan)
    rows = [["project_id", "title", "status", "budget_won", "spent_won", "execution_rate_percent",
             "over_budget_entries"]]
    rows += [[p["id"], p["title"], p["status"], p["budget"], p["spent"], p["execution_rate"], p["over_budget_entries"]]
             for p in data["projects"]]
    rows.append(["", "TOTAL", "", data["total"]["budget"], data["total"]["spent"], data["total"]["execution_rate"], ""])
    return csv_document(rows)
