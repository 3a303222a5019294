"""The annual innovation plan (지역사회혁신계획): sections with versions, review rounds, exports, execution.

A plan belongs to one cycle. Its text lives in sections; every edit adds a
:class:`SectionVersion` (never updates one), so history, diffs and the adopted
snapshot all come from the same rows. Adoption pins each section's version and
stores a hash of the whole content; nothing changes after that.

Execution tracking (the plan year): each selected project (:class:`PlanProject`)
has budget lines, spending entries with evidence, milestones and a working group.
Money is integer won everywhere.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.columns import enum_column
from app.cycles.models import PlanCycle
from app.extensions import db
from app.utils import now


class PlanStatus(enum.Enum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    ADOPTED = "adopted"

    @property
    def label(self) -> str:
        return str(PLAN_STATUS_LABELS[self])


PLAN_STATUS_LABELS = {
    PlanStatus.DRAFT: _l("초안 작성 중"),
    PlanStatus.IN_REVIEW: _l("심의 중"),
    PlanStatus.ADOPTED: _l("확정"),
}


class Plan(db.Model):
    """지역사회혁신계획: one per cycle (plan year)."""

    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("plan_cycle.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus), default=PlanStatus.DRAFT, index=True)
    adopted_at: Mapped[datetime | None]
    adopted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    adopted_hash: Mapped[str | None] = mapped_column(String(64))  # sha256 of the adopted content
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now)

    cycle: Mapped[PlanCycle] = relationship()
    adopted_by: Mapped[User | None] = relationship(foreign_keys=[adopted_by_id])
    sections: Mapped[list["PlanSection"]] = relationship(
        back_populates="plan", order_by="(PlanSection.position, PlanSection.id)", cascade="all, delete-orphan")
    projects: Mapped[list["PlanProject"]] = relationship(
        back_populates="plan", order_by="(PlanProject.position, PlanProject.id)", cascade="all, delete-orphan")
    rounds: Mapped[list["ReviewRound"]] = relationship(
        back_populates="plan", order_by="ReviewRound.id", cascade="all, delete-orphan")

    @property
    def is_locked(self) -> bool:
        return self.status is PlanStatus.ADOPTED

    @property
    def live_sections(self) -> list["PlanSection"]:
        return [s for s in self.sections if s.removed_at is None]


class SectionKind(enum.Enum):
    PROCESS = "process"  # 수립과정설명서, generated from the cycle's data
    BASIC = "basic"  # 기본계획, free text
    PROJECT = "project"  # 협치사업 실행계획, one per selected project


class PlanSection(db.Model):
    """One section of the plan; its text is the newest :class:`SectionVersion`."""

    __tablename__ = "plan_section"
    __table_args__ = (UniqueConstraint("plan_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))  # process, vision, goals, strategy, governance_budget, project-<id>
    kind: Mapped[SectionKind] = mapped_column(enum_column(SectionKind))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    adopted_number: Mapped[int | None]  # the version number pinned at adoption
    removed_at: Mapped[datetime | None]  # the project left the selection: kept for history, not shown
    created_at: Mapped[datetime] = mapped_column(default=now)
    version_count: Mapped[int] = mapped_column(default=0)
    lock_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    plan: Mapped[Plan] = relationship(back_populates="sections")
    versions: Mapped[list["SectionVersion"]] = relationship(
        back_populates="section", order_by="SectionVersion.number", cascade="all, delete-orphan")

    @property
    def current(self) -> "SectionVersion | None":
        return self.versions[-1] if self.versions else None


class SectionVersion(db.Model):
    """One saved state of a section (append-only). ``content`` is a dict whose keys depend on the kind."""

    __tablename__ = "plan_section_version"
    __table_args__ = (UniqueConstraint("section_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("plan_section.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    section: Mapped[PlanSection] = relationship(back_populates="versions")
    created_by: Mapped[User | None] = relationship()


class ProjectStatus(enum.Enum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DELAYED = "delayed"
    DONE = "done"

    @property
    def label(self) -> str:
        return str(PROJECT_STATUS_LABELS[self])


PROJECT_STATUS_LABELS = {
    ProjectStatus.PLANNED: _l("착수 전"),
    ProjectStatus.IN_PROGRESS: _l("추진 중"),
    ProjectStatus.DELAYED: _l("지연"),
    ProjectStatus.DONE: _l("완료"),
}


class PlanProject(db.Model):
    """A selected project (협치사업) of the plan: its execution plan section and, in the plan year, its execution."""

    __tablename__ = "plan_project"
    __table_args__ = (UniqueConstraint("plan_id", "source_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    source_key: Mapped[str] = mapped_column(String(40))  # item-<agenda id> or option-<option id>: one per source
    title: Mapped[str] = mapped_column(String(200))
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id"))
    vote_option_id: Mapped[int | None] = mapped_column(ForeignKey("vote_option.id"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("plan_section.id"))
    position: Mapped[int] = mapped_column(default=0)
    status: Mapped[ProjectStatus] = mapped_column(enum_column(ProjectStatus), default=ProjectStatus.PLANNED)
    created_at: Mapped[datetime] = mapped_column(default=now)

    plan: Mapped[Plan] = relationship(back_populates="projects")
    section: Mapped[PlanSection | None] = relationship()
    budget_lines: Mapped[list["BudgetLine"]] = relationship(
        back_populates="project", order_by="(BudgetLine.position, BudgetLine.id)", cascade="all, delete-orphan")
    milestones: Mapped[list["Milestone"]] = relationship(
        back_populates="project", order_by="(Milestone.due_on, Milestone.id)", cascade="all, delete-orphan")
    members: Mapped[list["WorkingGroupMember"]] = relationship(
        back_populates="project", order_by="WorkingGroupMember.id", cascade="all, delete-orphan")
    meetings: Mapped[list["WorkingGroupMeeting"]] = relationship(
        back_populates="project", order_by="WorkingGroupMeeting.held_on", cascade="all, delete-orphan")


class ReviewKind(enum.Enum):
    DISTRICT_COUNCIL = "district_council"
    CITY_1 = "city_1"
    CITY_2 = "city_2"

    @property
    def label(self) -> str:
        return str(REVIEW_KIND_LABELS[self])


REVIEW_KIND_LABELS = {
    ReviewKind.DISTRICT_COUNCIL: _l("구 협치회의 심의"),
    ReviewKind.CITY_1: _l("서울시 1차 협의조정"),
    ReviewKind.CITY_2: _l("서울시 2차 협의조정"),
}


class ReviewRound(db.Model):
    """A review round: reviewers comment per section while it is open."""

    __tablename__ = "plan_review_round"
    __table_args__ = (UniqueConstraint("plan_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReviewKind] = mapped_column(enum_column(ReviewKind))
    opened_at: Mapped[datetime] = mapped_column(default=now)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    plan: Mapped[Plan] = relationship(back_populates="rounds")
    reviewers: Mapped[list["RoundReviewer"]] = relationship(cascade="all, delete-orphan", back_populates="round")
    comments: Mapped[list["ReviewComment"]] = relationship(
        back_populates="round", order_by="ReviewComment.id", cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class RoundReviewer(db.Model):
    """Someone invited to a city review round (members of 구 협치회의 review its round without an invitation)."""

    __tablename__ = "plan_round_reviewer"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("plan_review_round.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))

    round: Mapped[ReviewRound] = relationship(back_populates="reviewers")
    user: Mapped[User] = relationship()


class ReviewComment(db.Model):
    """A reviewer's comment on one section; staff answer it and mark it resolved."""

    __tablename__ = "plan_review_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("plan_review_round.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("plan_section.id", ondelete="CASCADE"), index=True)
    version_number: Mapped[int]  # the section version the reviewer read
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    client_token: Mapped[str | None] = mapped_column(String(64), unique=True)  # one comment per submitted form
    created_at: Mapped[datetime] = mapped_column(default=now)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    answered_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    round: Mapped[ReviewRound] = relationship(back_populates="comments")
    section: Mapped[PlanSection] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])


class ExportFormat(enum.Enum):
    HWPX = "hwpx"
    DOCX = "docx"
    PDF = "pdf"
    HTML = "html"


class ExportStatus(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class PlanExport(db.Model):
    """A file made from the plan by a task; the same content and format are made once."""

    __tablename__ = "plan_export"
    __table_args__ = (UniqueConstraint("plan_id", "format", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    format: Mapped[ExportFormat] = mapped_column(enum_column(ExportFormat))
    content_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[ExportStatus] = mapped_column(enum_column(ExportStatus), default=ExportStatus.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    storage_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    size: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(500))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    finished_at: Mapped[datetime | None]

    plan: Mapped[Plan] = relationship()


class Fund(enum.Enum):
    CITY = "city"
    DISTRICT = "district"

    @property
    def label(self) -> str:
        return str(FUND_LABELS[self])


FUND_LABELS = {Fund.CITY: _l("시비"), Fund.DISTRICT: _l("구비")}


class BudgetLine(db.Model):
    """예산 세목: a budget line of a project, in won, from city or district funds."""

    __tablename__ = "plan_budget_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("plan_project.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    fund: Mapped[Fund] = mapped_column(enum_column(Fund))
    amount: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=now)

    project: Mapped[PlanProject] = relationship(back_populates="budget_lines")
    spendings: Mapped[list["Spending"]] = relationship(
        back_populates="line", order_by="(Spending.spent_on, Spending.id)", cascade="all, delete-orphan")


class Spending(db.Model):
    """집행: money spent on a budget line, with its evidence; over the line only with a reason (flagged)."""

    __tablename__ = "plan_spending"
    __table_args__ = (Index("ix_plan_spending_line_date", "line_id", "spent_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("plan_budget_line.id", ondelete="CASCADE"))
    spent_on: Mapped[date]
    amount: Mapped[int]
    memo: Mapped[str] = mapped_column(String(300), default="")
    over_budget: Mapped[bool] = mapped_column(default=False)
    over_reason: Mapped[str | None] = mapped_column(Text)
    evidence_name: Mapped[str | None] = mapped_column(String(200))
    evidence_type: Mapped[str | None] = mapped_column(String(60))
    evidence_size: Mapped[int | None]
    evidence_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    client_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    line: Mapped[BudgetLine] = relationship(back_populates="spendings")


class Milestone(db.Model):
    """추진 일정: a dated step of a project and whether it is done."""

    __tablename__ = "plan_milestone"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("plan_project.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date]
    done_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=now)

    project: Mapped[PlanProject] = relationship(back_populates="milestones")


class WorkingGroupMember(db.Model):
    """사업 실무단: a person in a project's working group (an account, or a name for people without one)."""

    __tablename__ = "plan_wg_member"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("plan_project.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(40), default="")
    affiliation: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=now)

    project: Mapped[PlanProject] = relationship(back_populates="members")
    user: Mapped[User | None] = relationship()


class WorkingGroupMeeting(db.Model):
    """A working-group meeting of a project: when, how many came, what was agreed."""

    __tablename__ = "plan_wg_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("plan_project.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date]
    title: Mapped[str] = mapped_column(String(200))
    attendees: Mapped[int] = mapped_column(default=0)
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=now)

    project: Mapped[PlanProject] = relationship(back_populates="meetings")
