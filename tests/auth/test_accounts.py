"""Sign-up, verification, login, reset, profile, export and deletion, as residents meet them."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from app.auth.models import LoginThrottle, SiteRole, User
from app.bodies.models import MemberRole
from tests.factories import PASSWORD
from tests.helpers import audit_rows, link_in, outbox_for, text

SIGNUP = {
    "email": "New.Resident@Example.com",
    "display_name": "새주민",
    "password": "long-enough-pw",
    "password_confirm": "long-enough-pw",
    "residency": "resident",
    "dong": "안암동",
    "consent": "y",
}


def _user_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_resident_signs_up_and_verifies_email_from_the_mailed_link(client, db, app):
    response = client.post("/account/signup", data=SIGNUP)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.resident@example.com"))
    assert user is not None and not user.is_verified
    assert user.password_hash.startswith("$argon2")
    assert user.residency.value == "resident" and user.dong == "안암동"
    assert [c.version for c in user.consents] == [app.config["PRIVACY_NOTICE_VERSION"]]
    assert user.consents[0].consented_at is not None

    (mail,) = outbox_for("new.resident@example.com")
    assert mail.sent_at is not None  # delivered (to the log) right after the commit
    response = client.get(link_in(mail), follow_redirects=True)
    assert "이메일 주소가 확인되었습니다" in text(response)
    db.session.refresh(user)
    assert user.is_verified


def test_short_password_is_refused_in_korean_and_the_form_keeps_what_was_typed(client, db):
    before = _user_count(db)
    response = client.post("/account/signup", data={**SIGNUP, "password": "short", "password_confirm": "short"})
    assert response.status_code == 422
    page = text(response)
    assert "비밀번호는 10자 이상이어야 합니다" in page
    assert 'value="New.Resident@Example.com"' in page and 'value="새주민"' in page
    assert _user_count(db) == before


def test_signup_without_consent_or_with_unknown_dong_is_refused(client, db):
    before = _user_count(db)
    response = client.post("/account/signup", data={**SIGNUP, "consent": ""})
    assert response.status_code == 422 and "개인정보 수집·이용에 동의해야" in text(response)
    response = client.post("/account/signup", data={**SIGNUP, "dong": "없는동"})
    assert response.status_code == 422
    assert _user_count(db) == before


def test_signing_up_with_a_taken_address_looks_the_same_and_warns_the_owner(client, db, make):
    owner = make.user(email="taken@example.com")
    fresh = client.post("/account/signup", data={**SIGNUP, "email": "fresh@example.com"}, follow_redirects=True)
    taken = client.post("/account/signup", data={**SIGNUP, "email": "taken@example.com"}, follow_redirects=True)
    assert fresh.status_code == taken.status_code == 200
    assert text(fresh) == text(taken)  # not a byte of difference
    assert "메일함을 확인해 주세요" in text(fresh)
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "taken@example.com")) == 1
    (warning,) = outbox_for("taken@example.com")
    assert "가입 시도" in warning.subject
    db.session.refresh(owner)
    assert owner.display_name != SIGNUP["display_name"]


def test_tampered_verification_link_is_refused_with_a_message(client, db):
    response = client.get("/account/verify/not-a-real-token")
    assert response.status_code == 400
    assert "올바르지 않은 링크" in text(response)


def test_wrong_password_and_unknown_address_get_the_same_answer(client, db, make):
    make.user(email="known@example.com")
    wrong = client.post("/account/login", data={"email": "known@example.com", "password": "nope-nope-nope"})
    unknown = client.post("/account/login", data={"email": "ghost@example.com", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 422
    assert "이메일 또는 비밀번호가 올바르지 않습니다" in text(wrong)
    assert "이메일 또는 비밀번호가 올바르지 않습니다" in text(unknown)


def test_repeated_failures_back_off_whether_or_not_the_account_exists(client, db, make, clock):
    user = make.user(email="target@example.com")
    # Different addresses from different networks, so only the per-address back-off applies.
    for n, address in enumerate(("target@example.com", "ghost@example.com")):
        ip = {"REMOTE_ADDR": f"198.51.100.{n}"}
        for _ in range(5):
            client.post("/account/login", data={"email": address, "password": "wrong-password"}, environ_base=ip)
        response = client.post("/account/login", data={"email": address, "password": "wrong-password"},
                               environ_base=ip)
        assert "로그인 시도가 너무 많습니다" in text(response)
    # Even the right password waits out the back-off ...
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert "로그인 시도가 너무 많습니다" in text(response)
    # ... and works once it has passed.
    from datetime import timedelta

    from app.utils import now
    clock.set(now() + timedelta(minutes=5))
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert db.session.get(LoginThrottle, _key(user.email)) is None


def _key(email):
    from app.auth.services import _throttle_key

    return _throttle_key(email)


def test_login_posts_are_rate_limited_per_address_and_account(client, db, app):
    statuses = [client.post("/account/login", data={"email": "x@example.com", "password": f"guess-{i}"}).status_code
                for i in range(12)]
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429
    assert "요청이 너무 많습니다" in text(client.post("/account/login", data={"email": "x@example.com", "password": "x"}))


def test_a_town_hall_behind_one_address_can_all_log_in_while_failed_guesses_hit_a_ceiling(client, db, app, make,
                                                                                          monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_RATE_LIMIT", "3 per minute")
    people = [make.user() for _ in range(14)]  # more than either limit, all from one address
    for person in people:
        assert client.post("/account/login", data={"email": person.email, "password": PASSWORD}).status_code == 302
        client.delete_cookie("session")  # the next person's phone
    for n in range(3):  # wrong passwords for three different accounts
        assert client.post("/account/login", data={"email": f"y{n}@example.com", "password": "x"}).status_code == 422
    ceiling = client.post("/account/login", data={"email": "z@example.com", "password": "x"})
    assert ceiling.status_code == 429 and "요청이 너무 많습니다" in text(ceiling)


def test_remember_me_sets_a_secure_flagged_cookie_and_session_cookie_is_httponly(client, db, make):
    user = make.user()
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(c for c in cookies if c.startswith("remember_token="))
    session = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in remember and "SameSite=Lax" in remember
    assert "HttpOnly" in session and "SameSite=Lax" in session


def test_password_reset_link_works_once_and_ends_other_sessions(app, db, make):
    user = make.user(email="forgetful@example.com")
    other_device = app.test_client()
    other_device.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert other_device.get("/account/me").status_code == 200

    client = app.test_client()
    response = client.post("/account/reset", data={"email": "forgetful@example.com"}, follow_redirects=True)
    assert "비밀번호 재설정 링크를 보냈습니다" in text(response)
    (mail,) = [m for m in outbox_for(user.email) if "재설정" in m.subject]
    link = link_in(mail)
    response = client.post(link, data={"password": "brand-new-password", "password_confirm": "brand-new-password"})
    assert response.status_code == 302
    # the old device is logged out, the link is spent, the new password works
    assert other_device.get("/account/me").status_code == 302
    again = client.post(link, data={"password": "another-password1", "password_confirm": "another-password1"})
    assert again.status_code == 400 and "이미 사용했거나" in text(again)
    ok = client.post("/account/login", data={"email": user.email, "password": "brand-new-password"})
    assert ok.status_code == 302


def test_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, db):
    response = client.post("/account/reset", data={"email": "nobody@example.com"}, follow_redirects=True)
    assert "비밀번호 재설정 링크를 보냈습니다" in text(response)
    assert outbox_for("nobody@example.com") == []


def test_changing_password_keeps_this_session_and_ends_the_others(app, db, make):
    user = make.user()
    here, there = app.test_client(), app.test_client()
    for c in (here, there):
        c.post("/account/login", data={"email": user.email, "password": PASSWORD})
    response = here.post("/account/me/password", data={
        "current_password": PASSWORD, "password": "changed-password", "password_confirm": "changed-password"})
    assert response.status_code == 302
    assert here.get("/account/me").status_code == 200
    assert there.get("/account/me").status_code == 302
    assert audit_rows("user.change_password")[-1].target_id == user.id


def test_profile_edit_and_data_download(client, db, auth, make):
    user = make.user(name="홍길동")
    body = make.body()
    make.membership(body, user, MemberRole.SECRETARY)
    auth.login(user)
    response = client.post("/account/me", data={"display_name": "홍길순", "residency": "worker", "dong": "종암동"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.display_name, user.residency.value, user.dong) == ("홍길순", "worker", "종암동")

    response = client.get("/account/me/export.json")
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.data)
    assert data["account"]["email"] == user.email
    assert data["account"]["display_name"] == "홍길순"
    assert data["memberships"] == [{"body": body.name, "role": "secretary", "start_date": "2026-01-01", "end_date": None}]
    assert data["privacy_consents"][0]["version"] == "2026-11"


def test_deleting_an_account_removes_personal_data_and_keeps_contributions_anonymous(client, db, auth, make):
    user = make.user(name="떠나는주민", email="leaving@example.com")
    body = make.body()
    make.membership(body, user)
    auth.login(user)
    refused = client.post("/account/me/delete", data={"password": "wrong-password", "confirm": "y"})
    assert refused.status_code == 200 and "비밀번호가 올바르지 않습니다" in text(refused)

    response = client.post("/account/me/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.email is None and user.display_name == "" and user.password_hash is None and user.dong is None
    assert user.consents == []
    assert outbox_for("leaving@example.com") == []  # mail copies are scrubbed too
    page = text(client.get(f"/bodies/{body.id}"))
    assert "떠나는주민" not in page  # the seat ended today
    assert client.get("/account/me").status_code == 302  # logged out
    assert client.post("/account/login", data={"email": "leaving@example.com", "password": PASSWORD}).status_code == 422
    assert user.public_name == "탈퇴한 회원"


def test_admin_changes_a_role_and_it_is_audited_with_ip(client, db, auth, make):
    admin, staff, resident = make.admin(), make.staff(), make.user()
    auth.login(staff)
    assert client.post(f"/admin/users/{resident.id}", data={"role": "admin"}).status_code == 403
    auth.logout()
    auth.login(admin)
    response = client.post(f"/admin/users/{resident.id}", data={"role": "staff"},
                           environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert response.status_code == 302
    db.session.refresh(resident)
    assert resident.role is SiteRole.STAFF
    row = audit_rows("user.change_role")[-1]
    assert (row.actor_id, row.target_id, row.ip) == (admin.id, resident.id, "203.0.113.7")
    assert row.detail == {"before": "resident", "after": "staff"}


def test_admin_cannot_remove_their_own_admin_role(client, db, auth, make):
    admin = make.admin()
    auth.login(admin)
    response = client.post(f"/admin/users/{admin.id}", data={"role": "resident"}, follow_redirects=True)
    assert "스스로 해제할 수 없습니다" in text(response)
    db.session.refresh(admin)
    assert admin.role is SiteRole.ADMIN


def test_notification_email_can_be_immediate_a_daily_digest_or_off(client, db, auth, make):
    from app.notifications import notify, send_digests

    user = make.user(email="digest@example.com")
    auth.login(user)
    assert 'value="immediate" id="mode-immediate" checked' in text(client.get("/account/me/notifications/settings"))
    notify(user, "첫 소식", "/agenda/", email_subject="소식")
    db.session.commit()
    assert len(outbox_for("digest@example.com")) == 1  # immediately

    client.post("/account/me/notifications/settings", data={"mode": "digest"})
    notify(user, "둘째 소식", "/agenda/", email_subject="소식")
    notify(user, "셋째 소식", None, email_subject="소식")
    db.session.commit()
    assert len(outbox_for("digest@example.com")) == 1  # nothing more until the digest
    assert send_digests.apply().get() == 1
    digest = outbox_for("digest@example.com")[-1]
    assert "오늘의 알림 2건" in digest.subject and "둘째 소식" in digest.body and "셋째 소식" in digest.body
    assert send_digests.apply().get() == 0  # sent once

    client.post("/account/me/notifications/settings", data={"mode": "off"})
    notify(user, "넷째 소식", None, email_subject="소식")
    db.session.commit()
    send_digests.apply()
    assert len(outbox_for("digest@example.com")) == 2
    assert "넷째 소식" in text(client.get("/account/me/notifications"))  # still in the app
    bad = client.post("/account/me/notifications/settings", data={"mode": "loud"})
    assert bad.status_code == 422
