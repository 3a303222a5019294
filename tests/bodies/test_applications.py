"""Joining a subcommittee: a resident applies, the chair or staff decides, the applicant is told."""
from __future__ import annotations

from sqlalchemy import func, select

from app.bodies.models import ApplicationStatus, MemberRole, Membership, MembershipApplication
from app.notifications import Notification
from tests.helpers import audit_rows, outbox_for, text

STATEMENT = "마을 돌봄 활동을 3년째 하고 있습니다. 분과에서 함께하고 싶습니다."


def _applications(db, body, user):
    return db.session.scalars(select(MembershipApplication).where(
        MembershipApplication.body_id == body.id, MembershipApplication.user_id == user.id)).all()


def test_resident_applies_once_even_when_the_form_is_sent_twice(client, db, auth, make):
    sub = make.body()
    chair = make.user(name="분과장")
    make.membership(sub, chair, MemberRole.CHAIR)
    resident = make.user()
    auth.login(resident)
    for _ in range(2):  # a double click
        response = client.post(f"/bodies/{sub.id}/apply", data={"statement": STATEMENT, "pretraining_confirmed": "y"})
        assert response.status_code == 302
    (application,) = _applications(db, sub, resident)
    assert application.status is ApplicationStatus.PENDING and application.pretraining_confirmed
    assert "참여 신청을 심사하고 있습니다" in text(client.get(f"/bodies/{sub.id}"))
    # the chair hears about it, in the app and by mail
    assert db.session.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == chair.id)) == 1
    assert any("분과 참여 신청" in m.subject for m in outbox_for(chair.email))


def test_application_needs_pretraining_a_statement_and_a_verified_address(client, db, auth, make):
    sub = make.body()
    unverified = make.user(verified=False)
    auth.login(unverified)
    response = client.post(f"/bodies/{sub.id}/apply", data={"statement": STATEMENT, "pretraining_confirmed": "y"})
    assert response.status_code == 422 and "이메일 주소를 확인한 뒤" in text(response)
    auth.logout()
    resident = make.user()
    auth.login(resident)
    response = client.post(f"/bodies/{sub.id}/apply", data={"statement": STATEMENT})
    assert response.status_code == 422 and "협치 사전교육 이수를 확인해 주세요" in text(response)
    assert STATEMENT in text(response)  # what was typed is kept
    response = client.post(f"/bodies/{sub.id}/apply", data={"statement": "", "pretraining_confirmed": "y"})
    assert response.status_code == 422 and "신청 동기를 적어 주세요" in text(response)
    assert _applications(db, sub, resident) == [] and _applications(db, sub, unverified) == []


def test_only_subcommittees_that_take_applications_can_be_applied_to(client, db, auth, make):
    from app.bodies.models import BodyKind

    council = make.body(BodyKind.DISTRICT_COUNCIL)
    closed = make.body(accepts_applications=False)
    auth.login(make.user())
    assert client.get(f"/bodies/{council.id}/apply").status_code == 403
    assert client.post(f"/bodies/{closed.id}/apply", data={"statement": STATEMENT,
                                                           "pretraining_confirmed": "y"}).status_code == 403


def test_chair_approves_and_the_applicant_becomes_a_member_and_is_told(client, db, auth, make, app):
    sub = make.body()
    chair = make.user()
    make.membership(sub, chair, MemberRole.CHAIR)
    resident = make.user()
    auth.login(resident)
    client.post(f"/bodies/{sub.id}/apply", data={"statement": STATEMENT, "pretraining_confirmed": "y"})
    (application,) = _applications(db, sub, resident)
    # another resident cannot see or decide it
    outsider = app.test_client()
    outsider.post("/account/login", data={"email": make.user().email, "password": "correct-horse-battery"})
    assert outsider.get(f"/bodies/{sub.id}/applications").status_code == 403
    assert outsider.post(f"/bodies/applications/{application.id}/decide", data={"decision": "approve"}).status_code == 403

    chair_client = app.test_client()
    chair_client.post("/account/login", data={"email": chair.email, "password": "correct-horse-battery"})
    assert STATEMENT in text(chair_client.get(f"/bodies/{sub.id}/applications"))
    response = chair_client.post(f"/bodies/applications/{application.id}/decide", data={"decision": "approve"})
    assert response.status_code == 302

    seat = db.session.scalar(select(Membership).where(Membership.user_id == resident.id, Membership.body_id == sub.id))
    assert seat is not None and seat.role is MemberRole.MEMBER and seat.end_date is None
    db.session.refresh(application)
    assert application.status is ApplicationStatus.APPROVED and application.decided_by_id == chair.id
    assert any("승인" in m.body for m in outbox_for(resident.email))
    notes = text(client.get("/account/me/notifications"))
    assert "참여 신청이 승인되었습니다" in notes
    assert audit_rows("application.approve")[-1].actor_id == chair.id
    assert audit_rows("membership.add")[-1].detail["via_application"] == application.id
    assert "이 분과의 위원입니다" in text(client.get(f"/bodies/{sub.id}"))

    # deciding again (a second click, or the staff at the same moment) is refused cleanly
    again = chair_client.post(f"/bodies/applications/{application.id}/decide", data={"decision": "decline",
                                                                                      "reason": "늦은 반려"})
    assert again.status_code == 409 and "이미 처리된 신청입니다" in text(again)
    assert db.session.scalar(select(func.count()).select_from(Membership).where(Membership.user_id == resident.id)) == 1


def test_declining_needs_a_reason_which_the_applicant_reads(client, db, auth, make, app):
    sub = make.body()
    staff = make.staff()
    resident = make.user()
    auth.login(resident)
    client.post(f"/bodies/{sub.id}/apply", data={"statement": STATEMENT, "pretraining_confirmed": "y"})
    (application,) = _applications(db, sub, resident)
    staff_client = app.test_client()
    staff_client.post("/account/login", data={"email": staff.email, "password": "correct-horse-battery"})
    response = staff_client.post(f"/bodies/applications/{application.id}/decide", data={"decision": "decline"})
    assert response.status_code == 400 and "반려 사유를 적어 주세요" in text(response)
    db.session.refresh(application)
    assert application.status is ApplicationStatus.PENDING

    staff_client.post(f"/bodies/applications/{application.id}/decide",
                      data={"decision": "decline", "reason": "사전교육 이수 기록이 없습니다"})
    db.session.refresh(application)
    assert application.status is ApplicationStatus.DECLINED
    assert "사전교육 이수 기록이 없습니다" in text(client.get(f"/bodies/{sub.id}"))
    assert any("사전교육 이수 기록이 없습니다" in m.body for m in outbox_for(resident.email))


def test_applicant_can_withdraw_a_pending_application(client, db, auth, make):
    sub = make.body()
    resident = make.user()
    auth.login(resident)
    client.post(f"/bodies/{sub.id}/apply", data={"statement": STATEMENT, "pretraining_confirmed": "y"})
    (application,) = _applications(db, sub, resident)
    client.post(f"/bodies/applications/{application.id}/withdraw")
    db.session.refresh(application)
    assert application.status is ApplicationStatus.WITHDRAWN
    assert "참여 신청하기" in text(client.get(f"/bodies/{sub.id}"))
