"""The consultative hierarchy (협치추진체계): bodies, memberships, applications."""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.columns import enum_column
from app.extensions import db
from app.utils import now, today


class BodyKind(enum.Enum):
    DISTRICT_COUNCIL = "district_council"
    PRACTICAL_COMMITTEE = "practical_committee"
    WORKING_COUNCIL = "working_council"
    SUBCOMMITTEE = "subcommittee"

    @property
    def label(self) -> str:
        return str(BODY_KIND_LABELS[self])

    @property
    def parent_kind(self) -> "BodyKind | None":
        """The kind a body of this kind must hang under (None: the root)."""
        return PARENT_KIND[self]

    @property
    def level(self) -> int:
        return list(BodyKind).index(self)


BODY_KIND_LABELS = {
    BodyKind.DISTRICT_COUNCIL: _l("구 협치회의"),
    BodyKind.PRACTICAL_COMMITTEE: _l("협치실무위원회"),
    BodyKind.WORKING_COUNCIL: _l("분과실무협의회"),
    BodyKind.SUBCOMMITTEE: _l("협치분과"),
}

PARENT_KIND = {
    BodyKind.DISTRICT_COUNCIL: None,
    BodyKind.PRACTICAL_COMMITTEE: BodyKind.DISTRICT_COUNCIL,
    BodyKind.WORKING_COUNCIL: BodyKind.PRACTICAL_COMMITTEE,
    BodyKind.SUBCOMMITTEE: BodyKind.WORKING_COUNCIL,
}


class MemberRole(enum.Enum):
    CHAIR = "chair"
    CO_CHAIR = "co_chair"
    SECRETARY = "secretary"
    MEMBER = "member"
    EX_OFFICIO = "ex_officio"
    OBSERVER = "observer"

    @property
    def label(self) -> str:
        return str(MEMBER_ROLE_LABELS[self])


MEMBER_ROLE_LABELS = {
    MemberRole.CHAIR: _l("위원장"),
    MemberRole.CO_CHAIR: _l("공동위원장"),
    MemberRole.SECRETARY: _l("간사"),
    MemberRole.MEMBER: _l("위원"),
    MemberRole.EX_OFFICIO: _l("당연직 위원(공무원)"),
    MemberRole.OBSERVER: _l("참관인"),
}

# Roles that run a body: they decide applications and (later) move agenda items.
LEADING_ROLES = (MemberRole.CHAIR, MemberRole.CO_CHAIR)


class Body(db.Model):
    """One body of the hierarchy, e.g. 구 협치회의 or a 협치분과."""

    __tablename__ = "body"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[BodyKind] = mapped_column(enum_column(BodyKind))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"), index=True)
    field: Mapped[str | None] = mapped_column(String(40))  # 분야 of a subcommittee
    purpose: Mapped[str] = mapped_column(Text, default="")
    cadence: Mapped[str] = mapped_column(String(120), default="")
    accepts_applications: Mapped[bool] = mapped_column(default=False)
    sort_order: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=now)

    parent: Mapped["Body | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Body"]] = relationship(
        back_populates="parent", order_by="(Body.sort_order, Body.name)"
    )

    def current_memberships(self, on: date | None = None) -> list["Membership"]:
        on = on or today()
        stmt = (
            select(Membership)
            .where(Membership.body_id == self.id, Membership.active_on(on))
            .join(Membership.user)
            .options(db.contains_eager(Membership.user))
            .order_by(Membership.role_order(), User.display_name)
        )
        return list(db.session.scalars(stmt))

    def __repr__(self) -> str:
        return f"<Body {self.id} {self.kind.value} {self.name}>"


class Membership(db.Model):
    """A person's seat in a body, with a role and dates (end inclusive, open-ended if None)."""

    __tablename__ = "membership"
    __table_args__ = (
        # One open-ended seat per person and body: approving twice adds one seat.
        Index(
            "uq_membership_open",
            "body_id",
            "user_id",
            unique=True,
            sqlite_where=db.text("end_date IS NULL"),
            postgresql_where=db.text("end_date IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    role: Mapped[MemberRole] = mapped_column(enum_column(MemberRole))
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=now)

    body: Mapped[Body] = relationship()
    user: Mapped[User] = relationship()

    @classmethod
    def active_on(cls, on: date):
        return (cls.start_date <= on) & or_(cls.end_date.is_(None), cls.end_date >= on)

    @classmethod
    def role_order(cls):
        return db.case({r.value: i for i, r in enumerate(MemberRole)}, value=cls.role, else_=99)

    def is_active_on(self, on: date | None = None) -> bool:
        on = on or today()
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)


class ApplicationStatus(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return str(APPLICATION_STATUS_LABELS[self])


APPLICATION_STATUS_LABELS = {
    ApplicationStatus.PENDING: _l("심사 중"),
    ApplicationStatus.APPROVED: _l("승인"),
    ApplicationStatus.DECLINED: _l("반려"),
    ApplicationStatus.WITHDRAWN: _l("철회"),
}


class MembershipApplication(db.Model):
    """A resident's application to join a subcommittee ("분과 참여 신청")."""

    __tablename__ = "membership_application"
    __table_args__ = (
        # At most one pending application per person and body: a double click
        # or two tabs cannot file two.
        Index(
            "uq_membership_application_pending",
            "body_id",
            "user_id",
            unique=True,
            sqlite_where=db.text("status = 'pending'"),
            postgresql_where=db.text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    statement: Mapped[str] = mapped_column(Text)
    pretraining_confirmed: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus), default=ApplicationStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(default=now)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    body: Mapped[Body] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
