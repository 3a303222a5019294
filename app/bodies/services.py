"""Services for the hierarchy: bodies, memberships and applications to join."""
from __future__ import annotations

from datetime import date

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.auth.models import User
from app.bodies.models import (
    LEADING_ROLES, ApplicationStatus, Body, BodyKind, MemberRole, Membership,
    MembershipApplication,
)
from app.errors import Conflict, ServiceError
from app.extensions import db
from app.notifications import notify
from app.utils import now, today


def get_body_or_404(body_id: int) -> Body:
    return db.get_or_404(Body, body_id)


def root_bodies() -> list[Body]:
    """Bodies without a parent (normally just the district council), children preloaded."""
    bodies = list(db.session.scalars(select(Body).order_by(Body.sort_order, Body.name)))
    return [b for b in bodies if b.parent_id is None]


def _validate_parent(kind: BodyKind, parent: Body | None, body: Body | None = None) -> None:
    expected = kind.parent_kind
    if expected is None:
        if parent is not None:
            raise ServiceError(_("구 협치회의는 상위 기구를 가질 수 없습니다."), "parent_id")
        return
    if parent is None or parent.kind is not expected:
        raise ServiceError(
            _("%(kind)s의 상위 기구는 %(parent)s이어야 합니다.", kind=kind.label, parent=expected.label),
            "parent_id",
        )
    if body is not None and body.children and any(c.kind.parent_kind is not kind for c in body.children):
        raise ServiceError(_("하위 기구가 있어 종류를 바꿀 수 없습니다."), "kind")


def save_body(body: Body | None, *, name: str, kind: BodyKind, parent_id: int | None, field: str | None,
              purpose: str, cadence: str, accepts_applications: bool, actor: User) -> Body:
    """Create or update a body, enforcing the parent kinds of the hierarchy."""
    parent = db.session.get(Body, parent_id) if parent_id else None
    if parent_id and parent is None:
        raise ServiceError(_("상위 기구를 찾을 수 없습니다."), "parent_id")
    _validate_parent(kind, parent, body)
    if body is not None and parent is not None and _is_descendant(parent, body):
        raise ServiceError(_("자기 자신이나 하위 기구를 상위 기구로 정할 수 없습니다."), "parent_id")
    clash = db.session.scalar(select(Body).where(Body.name == name.strip()))
    if clash is not None and clash is not body:
        raise ServiceError(_("같은 이름의 기구가 이미 있습니다."), "name")
    creating = body is None
    if creating:
        body = Body()
        db.session.add(body)
    body.name = name.strip()
    body.kind = kind
    body.parent = parent
    body.field = (field or "").strip() or None
    body.purpose = purpose or ""
    body.cadence = cadence or ""
    body.accepts_applications = bool(accepts_applications) and kind is BodyKind.SUBCOMMITTEE
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(_("같은 이름의 기구가 이미 있습니다."), "name")
    audit.record("body.create" if creating else "body.update", body, actor=actor, name=body.name,
                 kind=kind.value, parent_id=parent.id if parent else None)
    db.session.commit()
    return body


def _is_descendant(candidate: Body, ancestor: Body) -> bool:
    node = candidate
    while node is not None:
        if node.id == ancestor.id:
            return True
        node = node.parent
    return False


def current_membership(body: Body, user: User, on: date | None = None) -> Membership | None:
    """The user's seat in ``body`` on ``on`` (default today), if any."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    on = on or today()
    return db.session.scalar(
        select(Membership).where(
            Membership.body_id == body.id, Membership.user_id == user.id, Membership.active_on(on)
        )
    )


def is_leader(body: Body, user: User) -> bool:
    membership = current_membership(body, user)
    return membership is not None and membership.role in LEADING_ROLES


def add_membership(body: Body, user: User, role: MemberRole, start_date: date, end_date: date | None,
                   *, actor: User) -> Membership:
    """Seat ``user`` in ``body``; refuses overlapping seats for the same person."""
    if user.is_deleted:
        raise ServiceError(_("탈퇴한 회원은 위원으로 등록할 수 없습니다."), "user_id")
    if end_date is not None and end_date < start_date:
        raise ServiceError(_("종료일은 시작일보다 빠를 수 없습니다."), "end_date")
    overlap = db.session.scalar(
        select(Membership).where(
            Membership.body_id == body.id,
            Membership.user_id == user.id,
            Membership.start_date <= (end_date or date.max),
            (Membership.end_date.is_(None)) | (Membership.end_date >= start_date),
        )
    )
    if overlap is not None:
        raise Conflict(_("%(name)s님은 이 기간에 이미 이 기구의 위원입니다.", name=user.display_name), "user_id")
    membership = Membership(body=body, user=user, role=role, start_date=start_date, end_date=end_date,
                            created_at=now())
    db.session.add(membership)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("%(name)s님은 이 기간에 이미 이 기구의 위원입니다.", name=user.display_name), "user_id")
    audit.record("membership.add", membership, actor=actor, body_id=body.id, user_id=user.id,
                 role=role.value, start_date=start_date.isoformat(),
                 end_date=end_date.isoformat() if end_date else None)
    notify(user, _("%(body)s의 %(role)s(으)로 등록되었습니다.", body=body.name, role=role.label),
           url_for("bodies.detail", body_id=body.id))
    db.session.commit()
    return membership


def update_membership(membership: Membership, role: MemberRole, end_date: date | None, *, actor: User) -> None:
    """Change a seat's role or end date (ending a seat is setting its end date)."""
    if end_date is not None and end_date < membership.start_date:
        raise ServiceError(_("종료일은 시작일보다 빠를 수 없습니다."), "end_date")
    before = {"role": membership.role.value,
              "end_date": membership.end_date.isoformat() if membership.end_date else None}
    membership.role = role
    membership.end_date = end_date
    after = {"role": role.value, "end_date": end_date.isoformat() if end_date else None}
    if before == after:
        return
    audit.record("membership.update", membership, actor=actor, body_id=membership.body_id,
                 user_id=membership.user_id, before=before, after=after)
    db.session.commit()


def apply_to_join(body: Body, user: User, statement: str, pretraining_confirmed: bool) -> MembershipApplication:
    """File a resident's application to join a subcommittee; one pending application at a time."""
    if body.kind is not BodyKind.SUBCOMMITTEE or not body.accepts_applications:
        raise ServiceError(_("이 기구는 참여 신청을 받지 않습니다."))
    if not user.is_verified:
        raise ServiceError(_("이메일 주소를 확인한 뒤 신청할 수 있습니다."))
    if not pretraining_confirmed:
        raise ServiceError(_("협치 사전교육 이수를 확인해 주세요."), "pretraining_confirmed")
    if not (statement or "").strip():
        raise ServiceError(_("신청 동기를 적어 주세요."), "statement")
    if current_membership(body, user) is not None:
        raise Conflict(_("이미 이 분과의 위원입니다."))
    pending = db.session.scalar(
        select(MembershipApplication).where(
            MembershipApplication.body_id == body.id,
            MembershipApplication.user_id == user.id,
            MembershipApplication.status == ApplicationStatus.PENDING,
        )
    )
    if pending is not None:
        return pending  # a double click or a retry: the first application stands
    application = MembershipApplication(
        body=body, user=user, statement=statement.strip(), pretraining_confirmed=True,
        status=ApplicationStatus.PENDING, created_at=now(),
    )
    db.session.add(application)
    try:
        db.session.flush()
    except IntegrityError:  # two tabs at once: the other one won
        db.session.rollback()
        return db.session.scalar(
            select(MembershipApplication).where(
                MembershipApplication.body_id == body.id,
                MembershipApplication.user_id == user.id,
                MembershipApplication.status == ApplicationStatus.PENDING,
            )
        )
    audit.record("application.submit", application, actor=user, body_id=body.id)
    link = url_for("bodies.applications", body_id=body.id)
    for leader in _deciders(body):
        notify(leader, _("%(name)s님이 %(body)s 참여를 신청했습니다.", name=user.display_name, body=body.name),
               link, email_subject=_("[협치 플랫폼] 분과 참여 신청"))
    db.session.commit()
    return application


def _deciders(body: Body) -> list[User]:
    return [m.user for m in body.current_memberships() if m.role in LEADING_ROLES]


def pending_applications(body: Body) -> list[MembershipApplication]:
    return list(db.session.scalars(
        select(MembershipApplication)
        .where(MembershipApplication.body_id == body.id,
               MembershipApplication.status == ApplicationStatus.PENDING)
        .order_by(MembershipApplication.created_at)
    ))


def decide_application(application: MembershipApplication, approve: bool, reason: str, *, actor: User) -> None:
    """Approve (seat the applicant as a member from today) or decline (reason required); notify the applicant."""
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ServiceError(_("반려 사유를 적어 주세요."), "reason")
    # Only a still-pending application can be decided: a second click, or a
    # second decider at the same moment, finds it already decided.
    status = ApplicationStatus.APPROVED if approve else ApplicationStatus.DECLINED
    result = db.session.execute(
        db.update(MembershipApplication)
        .where(MembershipApplication.id == application.id,
               MembershipApplication.status == ApplicationStatus.PENDING)
        .values(status=status, decided_at=now(), decided_by_id=actor.id, reason=reason or None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict(_("이미 처리된 신청입니다."))
    db.session.refresh(application)
    body, applicant = application.body, application.user
    if approve and current_membership(body, applicant) is None:
        membership = Membership(body=body, user=applicant, role=MemberRole.MEMBER, start_date=today(),
                                created_at=now())
        db.session.add(membership)
        db.session.flush()
        audit.record("membership.add", membership, actor=actor, body_id=body.id, user_id=applicant.id,
                     role=MemberRole.MEMBER.value, via_application=application.id)
    audit.record("application.approve" if approve else "application.decline", application, actor=actor,
                 body_id=body.id, user_id=applicant.id, reason=reason or None)
    link = url_for("bodies.detail", body_id=body.id)
    if approve:
        message = _("%(body)s 참여 신청이 승인되었습니다. 환영합니다!", body=body.name)
    else:
        message = _("%(body)s 참여 신청이 반려되었습니다. 사유: %(reason)s", body=body.name, reason=reason)
    notify(applicant, message, link, email_subject=_("[협치 플랫폼] 분과 참여 신청 결과"))
    db.session.commit()


def withdraw_application(application: MembershipApplication, user: User) -> None:
    """The applicant takes back a pending application."""
    if application.user_id != user.id:
        raise ServiceError(_("본인의 신청만 철회할 수 있습니다."))
    if application.status is not ApplicationStatus.PENDING:
        raise Conflict(_("이미 처리된 신청입니다."))
    application.status = ApplicationStatus.WITHDRAWN
    application.decided_at = now()
    audit.record("application.withdraw", application, actor=user, body_id=application.body_id)
    db.session.commit()


def memberships_of(user: User) -> list[Membership]:
    """All seats a user holds or held, newest first."""
    return list(db.session.scalars(
        select(Membership).where(Membership.user_id == user.id)
        .options(db.joinedload(Membership.body)).order_by(Membership.start_date.desc())
    ))


def applications_of(user: User, body: Body | None = None) -> list[MembershipApplication]:
    stmt = select(MembershipApplication).where(MembershipApplication.user_id == user.id)
    if body is not None:
        stmt = stmt.where(MembershipApplication.body_id == body.id)
    return list(db.session.scalars(stmt.order_by(MembershipApplication.created_at.desc())))


def all_pending_applications() -> list[MembershipApplication]:
    return list(db.session.scalars(
        select(MembershipApplication)
        .where(MembershipApplication.status == ApplicationStatus.PENDING)
        .options(db.joinedload(MembershipApplication.body), db.joinedload(MembershipApplication.user))
        .order_by(MembershipApplication.created_at)
    ))
