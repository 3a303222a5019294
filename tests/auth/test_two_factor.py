"""Two-factor sign-in (2단계 인증) as people meet it: enrolling, the code after the password, recovery codes."""
from __future__ import annotations

import re
from datetime import timedelta, timezone

import pyotp

from app.auth.two_factor import TwoFactor
from app.utils import now
from tests.factories import PASSWORD
from tests.helpers import audit_rows, text


def code_now(secret: str, steps: int = 0) -> str:
    """What the person's authenticator app shows at the app's (frozen) time, ``steps`` × 30 s later."""
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(now().replace(tzinfo=timezone.utc)) + steps)


def secret_on(page) -> str:
    return re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', text(page)).group(1).replace(" ", "")


def recovery_codes_on(page) -> list[str]:
    return re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", text(page))


def enrol(client) -> tuple[str, list[str]]:
    """Enrol the logged-in (or password-checked) person; their secret and recovery codes."""
    secret = secret_on(client.get("/account/two-factor/setup"))
    page = client.post("/account/two-factor/setup", data={"code": code_now(secret)})
    assert page.status_code == 200, text(page)
    return secret, recovery_codes_on(page)


def enrolled_and_logged_out(client, auth, user) -> tuple[str, list[str]]:
    auth.login(user)
    secret, codes = enrol(client)
    auth.logout()
    return secret, codes


def logged_in(client) -> bool:
    return client.get("/account/me").status_code == 200


def test_resident_enrols_from_the_profile_with_a_qr_code_and_gets_ten_recovery_codes(client, db, auth, make, clock):
    user = make.user()
    auth.login(user)
    assert "/account/me/two-factor" in text(client.get("/account/me"))
    setup = client.get("/account/two-factor/setup")
    assert "<svg" in text(setup) and "qr-code" in text(setup)
    secret = secret_on(setup)
    assert client.get("/account/two-factor/setup").status_code == 200
    assert secret_on(client.get("/account/two-factor/setup")) == secret  # a reload shows the same key

    wrong = client.post("/account/two-factor/setup", data={"code": "000000" if code_now(secret) != "000000" else "111111"})
    assert wrong.status_code == 422 and "인증 코드가 올바르지 않습니다" in text(wrong)
    assert db.session.get(TwoFactor, user.id).confirmed_at is None

    done = client.post("/account/two-factor/setup", data={"code": code_now(secret)})
    codes = recovery_codes_on(done)
    assert done.status_code == 200 and len(set(codes)) == 10
    assert "no-store" in done.headers["Cache-Control"]
    assert "사용 중" in text(client.get("/account/me/two-factor"))
    assert [row.target_id for row in audit_rows("user.two_factor_enable")] == [user.id]
    # Shown once: stored only as keyed hashes.
    from app.auth.two_factor import RecoveryCode
    from sqlalchemy import select
    stored = set(db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)))
    assert len(stored) == 10 and not stored & {c.replace("-", "") for c in codes}


def test_after_the_password_an_enrolled_person_is_not_logged_in_until_the_code(client, db, auth, make, clock):
    user = make.user()
    secret, _codes = enrolled_and_logged_out(client, auth, user)
    clock.set(now() + timedelta(seconds=30))

    response = client.post("/account/login?next=/votes/", data={"email": user.email, "password": PASSWORD,
                                                                "remember": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/login/code")
    assert not any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))
    assert not logged_in(client)
    assert "6자리" in text(client.get("/account/login/code"))

    done = client.post("/account/login/code", data={"code": code_now(secret)})
    assert done.status_code == 302 and done.headers["Location"].endswith("/votes/")  # next kept
    assert any(c.startswith("remember_token=") for c in done.headers.getlist("Set-Cookie"))  # remember me kept
    assert logged_in(client)


def test_a_wrong_code_is_refused_audited_and_repeated_wrong_codes_lock_the_account(client, db, auth, make, clock):
    user = make.user()
    secret, _codes = enrolled_and_logged_out(client, auth, user)
    clock.set(now() + timedelta(minutes=1))
    auth.login(user)
    good = code_now(secret)
    bad = "123456" if good != "123456" else "654321"
    wrong = client.post("/account/login/code", data={"code": bad})
    assert wrong.status_code == 422 and "인증 코드가 올바르지 않습니다" in text(wrong)
    assert not logged_in(client)
    assert [row.target_id for row in audit_rows("user.two_factor_failed")] == [user.id]

    for _ in range(4):
        client.post("/account/login/code", data={"code": bad})
    locked = client.post("/account/login/code", data={"code": good})  # even the right code waits
    assert locked.status_code == 422 and "여러 번 틀렸습니다" in text(locked)
    assert not logged_in(client)

    clock.set(now() + timedelta(minutes=16))
    auth.login(user)
    assert client.post("/account/login/code", data={"code": code_now(secret)}).status_code == 302
    assert logged_in(client)


def test_a_code_is_accepted_once_within_its_window(client, db, auth, make, clock):
    user = make.user()
    secret, _codes = enrolled_and_logged_out(client, auth, user)
    clock.set(now() + timedelta(seconds=30))
    code = code_now(secret)
    auth.login(user)
    assert client.post("/account/login/code", data={"code": code}).status_code == 302
    auth.logout()

    clock.set(now() + timedelta(seconds=5))  # the same 30-second step: someone who saw it over a shoulder
    auth.login(user)
    replay = client.post("/account/login/code", data={"code": code})
    assert replay.status_code == 422 and "인증 코드가 올바르지 않습니다" in text(replay)
    assert not logged_in(client)

    clock.set(now() + timedelta(seconds=30))
    assert client.post("/account/login/code", data={"code": code_now(secret)}).status_code == 302


def test_a_recovery_code_signs_in_once(client, db, auth, make, clock):
    user = make.user()
    _secret, codes = enrolled_and_logged_out(client, auth, user)
    auth.login(user)
    used = client.post("/account/login/code", data={"code": codes[3].upper().replace("-", " ")}, follow_redirects=True)
    assert "남은 복구 코드: 9개" in text(used)
    assert logged_in(client)
    (row,) = audit_rows("user.two_factor_recovery_used")
    assert row.target_id == user.id and row.detail == {"remaining": 9}
    auth.logout()

    auth.login(user)
    again = client.post("/account/login/code", data={"code": codes[3]})
    assert again.status_code == 422 and not logged_in(client)


def test_the_code_step_expires_and_needs_the_password_again(client, db, auth, make, clock):
    user = make.user()
    secret, _codes = enrolled_and_logged_out(client, auth, user)
    auth.login(user)
    clock.set(now() + timedelta(minutes=6))
    late = client.post("/account/login/code", data={"code": code_now(secret)}, follow_redirects=True)
    assert "다시 로그인해 주세요" in text(late)
    assert not logged_in(client)


def test_staff_must_enrol_before_anything_else_only_where_required(client, db, auth, make, app, clock, monkeypatch):
    staff = make.staff()
    # Off (the embedded demo): one login away.
    assert auth.login(staff).headers["Location"].endswith("/")
    assert client.get("/admin/users").status_code == 200
    auth.logout()

    monkeypatch.setitem(app.config, "REQUIRE_STAFF_2FA", True)
    response = client.post("/account/login?next=/admin/users", data={"email": staff.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/account/two-factor/setup")
    assert not logged_in(client)
    assert client.get("/admin/users").status_code in (302, 401, 403)
    page = client.get("/account/two-factor/setup")
    assert "직원·관리자 계정은 2단계 인증을 등록해야" in text(page)
    secret = secret_on(page)
    done = client.post("/account/two-factor/setup", data={"code": code_now(secret)})
    assert len(recovery_codes_on(done)) == 10
    assert 'href="/admin/users"' in text(done)  # continues where the login was headed
    assert client.get("/admin/users").status_code == 200

    # Required: staff cannot turn it off.
    clock.set(now() + timedelta(seconds=30))
    refused = client.post("/account/me/two-factor/disable", data={"password": PASSWORD, "code": code_now(secret)})
    assert refused.status_code == 403
    assert db.session.get(TwoFactor, staff.id) is not None


def test_a_staff_session_from_before_the_requirement_is_sent_to_enrol(client, db, auth, make, app, monkeypatch):
    admin = make.admin()
    auth.login(admin)
    monkeypatch.setitem(app.config, "REQUIRE_STAFF_2FA", True)
    page = client.get("/admin/users")
    assert page.status_code == 302 and page.headers["Location"].endswith("/account/two-factor/setup")
    assert client.get("/api/v1/agenda-items").status_code == 403
    assert client.get("/account/two-factor/setup").status_code == 200


def test_a_resident_turns_two_factor_off_with_password_and_code(client, db, auth, make, clock):
    user = make.user()
    auth.login(user)
    secret, _codes = enrol(client)
    clock.set(now() + timedelta(seconds=30))
    wrong = client.post("/account/me/two-factor/disable", data={"password": "not-my-password", "code": code_now(secret)})
    assert wrong.status_code == 422 and "현재 비밀번호가 올바르지 않습니다" in text(wrong)
    assert client.post("/account/me/two-factor/disable",
                       data={"password": PASSWORD, "code": code_now(secret)}).status_code == 302
    assert db.session.get(TwoFactor, user.id) is None
    assert [row.target_id for row in audit_rows("user.two_factor_disable")] == [user.id]
    auth.logout()
    assert auth.login(user).headers["Location"].endswith("/")  # the password alone again
    assert logged_in(client)


def test_code_posts_are_rate_limited(client, db, auth, make, app, clock, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_RATE_LIMIT", "3 per minute")
    user = make.user()
    secret, _codes = enrolled_and_logged_out(client, auth, user)
    auth.login(user)
    bad = "123456" if code_now(secret) != "123456" else "654321"
    statuses = [client.post("/account/login/code", data={"code": bad}).status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    assert "요청이 너무 많습니다" in text(client.post("/account/login/code", data={"code": code_now(secret)}))
    assert not logged_in(client)


def test_the_operator_resets_a_lost_phone_and_the_person_signs_in_with_the_password(client, db, auth, make, app):
    user = make.user()
    enrolled_and_logged_out(client, auth, user)
    result = app.test_cli_runner().invoke(args=["reset-two-factor", user.email.upper()])
    assert result.exit_code == 0 and "turned off" in result.output
    assert [row.target_id for row in audit_rows("user.two_factor_reset")] == [user.id]
    assert auth.login(user).headers["Location"].endswith("/")
    assert logged_in(client)
    assert app.test_cli_runner().invoke(args=["reset-two-factor", "ghost@example.com"]).exit_code != 0


def test_deleting_an_account_forgets_its_authenticator_secret_and_codes(client, db, auth, make, clock):
    from sqlalchemy import func, select

    from app.auth.two_factor import RecoveryCode

    user = make.user()
    auth.login(user)
    enrol(client)
    assert client.post("/account/me/delete", data={"password": PASSWORD, "confirm": "y"}).status_code == 302
    assert db.session.get(TwoFactor, user.id) is None
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user.id)) == 0
