"""The consultative hierarchy: its shape, its public pages and the staff screens that edit it."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.bodies import services
from app.bodies.models import Body, BodyKind, MemberRole, Membership
from app.errors import ServiceError
from tests.helpers import audit_rows, text


def test_each_kind_must_hang_under_the_kind_above_it(db, make):
    staff = make.staff()
    council = make.body(BodyKind.DISTRICT_COUNCIL)
    with pytest.raises(ServiceError, match="분과실무협의회"):
        services.save_body(None, name="잘못된 분과", kind=BodyKind.SUBCOMMITTEE, parent_id=council.id, field=None,
                           purpose="", cadence="", accepts_applications=True, actor=staff)
    with pytest.raises(ServiceError, match="상위 기구를 가질 수 없습니다"):
        services.save_body(None, name="두 번째 회의", kind=BodyKind.DISTRICT_COUNCIL, parent_id=council.id,
                           field=None, purpose="", cadence="", accepts_applications=False, actor=staff)
    committee = services.save_body(None, name="실무위", kind=BodyKind.PRACTICAL_COMMITTEE, parent_id=council.id,
                                   field=None, purpose="", cadence="매월", accepts_applications=False, actor=staff)
    assert committee.parent_id == council.id
    assert audit_rows("body.create")[-1].target_id == committee.id


def test_staff_form_shows_the_rule_next_to_the_parent_field_and_keeps_input(client, db, auth, make):
    auth.login(make.staff())
    council = make.body(BodyKind.DISTRICT_COUNCIL)
    before = db.session.scalar(select(func.count()).select_from(Body))
    response = client.post("/admin/bodies/new", data={"name": "새 분과", "kind": "subcommittee",
                                                       "parent_id": str(council.id), "purpose": "목적을 적었습니다"})
    assert response.status_code == 422
    page = text(response)
    assert "협치분과의 상위 기구는 분과실무협의회이어야 합니다" in page
    assert 'value="새 분과"' in page and "목적을 적었습니다" in page
    assert db.session.scalar(select(func.count()).select_from(Body)) == before


def test_org_chart_and_body_page_show_the_tree_members_and_roles(client, db, make):
    sub = make.body(BodyKind.SUBCOMMITTEE, name="복지건강분과")
    chair, member, former = make.user(name="김위원장"), make.user(name="이위원"), make.user(name="전위원")
    make.membership(sub, chair, MemberRole.CHAIR)
    make.membership(sub, member, MemberRole.MEMBER)
    make.membership(sub, former, MemberRole.MEMBER, start=date(2024, 1, 1), end=date(2025, 12, 31))

    chart = text(client.get("/bodies/"))
    for name in ("구 협치회의", "협치실무위원회", "분과실무협의회", "복지건강분과"):
        assert name in chart
    page = text(client.get(f"/bodies/{sub.id}"))
    assert "김위원장" in page and "위원장" in page and "이위원" in page
    assert "전위원" not in page  # seats that ended are not shown as current
    assert "월 1회" in page and "참여 신청하기" not in page  # logged out: asked to log in first
    assert "로그인하고 신청하기" in page
    assert f'href="/events/calendar/body/{sub.id}.ics"' in page  # the body's own calendar feed, one click away


def test_unknown_body_is_404_and_staff_screens_are_closed_to_residents(client, db, auth, make):
    assert client.get("/bodies/999999").status_code == 404
    auth.login(make.user())
    assert client.get("/admin/bodies/").status_code == 403
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/audit").status_code == 403
    assert client.post("/admin/bodies/new", data={"name": "x", "kind": "district_council"}).status_code == 403


def test_logged_out_visitor_is_sent_to_login_for_member_pages(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_staff_seat_a_member_refuse_an_overlap_and_end_a_seat_with_audit(client, db, auth, make):
    staff = make.staff()
    sub = make.body()
    person = make.user(name="새위원")
    auth.login(staff)
    response = client.post(f"/admin/bodies/{sub.id}/members", data={
        "user_id": person.id, "role": "secretary", "start_date": "2026-03-01"})
    assert response.status_code == 302
    again = client.post(f"/admin/bodies/{sub.id}/members", data={
        "user_id": person.id, "role": "member", "start_date": "2026-06-01"})
    assert again.status_code == 422 and "이미 이 기구의 위원입니다" in text(again)
    (seat,) = db.session.scalars(select(Membership).where(Membership.user_id == person.id)).all()
    assert seat.role is MemberRole.SECRETARY

    bad = client.post(f"/admin/memberships/{seat.id}", data={"role": "member", "end_date": "2026-01-01"},
                      follow_redirects=True)
    assert "종료일은 시작일보다 빠를 수 없습니다" in text(bad)
    client.post(f"/admin/memberships/{seat.id}", data={"role": "member", "end_date": "2026-10-31"})
    db.session.refresh(seat)
    assert seat.role is MemberRole.MEMBER and seat.end_date == date(2026, 10, 31)
    add, update = audit_rows("membership.add")[-1], audit_rows("membership.update")[-1]
    assert add.actor_id == staff.id and add.detail["role"] == "secretary"
    assert update.detail["before"] == {"role": "secretary", "end_date": None}
    assert update.detail["after"] == {"role": "member", "end_date": "2026-10-31"}


def test_unknown_user_number_gets_a_field_message(client, db, auth, make):
    auth.login(make.staff())
    sub = make.body()
    response = client.post(f"/admin/bodies/{sub.id}/members", data={
        "user_id": "987654", "role": "member", "start_date": "2026-03-01"})
    assert response.status_code == 422 and "그 번호의 회원이 없습니다" in text(response)


def test_audit_rows_cannot_be_changed(db, make):
    from app.audit import AuditLog

    staff = make.staff()
    make.body()
    services.save_body(None, name="감사대상", kind=BodyKind.DISTRICT_COUNCIL, parent_id=None, field=None,
                       purpose="", cadence="", accepts_applications=False, actor=staff)
    row = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    row.action = "tampered"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
