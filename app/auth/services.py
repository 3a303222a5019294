"""Account services: sign-up, verification, login throttling, reset, profile, deletion."""
from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app import audit, socket_auth
from app.auth.models import (
    LoginSession, LoginThrottle, PrivacyConsent, Residency, SiteRole, User, new_session_token,
)
from app.errors import ServiceError
from app.extensions import db
from app.mail import OutboxMessage, send_mail
from app.utils import now

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()
# A real hash to verify against when the account does not exist, so a wrong
# address takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

LOCK_AFTER = 5  # failures before the back-off starts
MAX_LOCK = timedelta(hours=1)


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(user: User, password: str) -> bool:
    """Whether ``password`` is ``user``'s (for steps that ask for it again)."""
    try:
        return _hasher.verify(user.password_hash or _DUMMY_HASH, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ServiceError(_("비밀번호는 %(n)d자 이상이어야 합니다.", n=MIN_PASSWORD_LENGTH), "password")


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"hyeopchi-{purpose}")


def _load_token(purpose: str, token: str) -> dict[str, Any]:
    try:
        return _serializer(purpose).loads(token, max_age=current_app.config["TOKEN_MAX_AGE_SECONDS"])
    except SignatureExpired:
        raise ServiceError(_("링크의 유효 기간이 지났습니다. 새 링크를 요청해 주세요."))
    except BadSignature:
        raise ServiceError(_("올바르지 않은 링크입니다."))


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def load_user_from_session(session_id: str) -> User | None:
    """Flask-Login's loader, run on every request: the id names the user, the password's session token
    and an open login session, so logging out and a password change end the cookies that carry it.

    One query, by the session key's unique index joined to the user's primary key."""
    user_id, _sep, rest = (session_id or "").partition(":")
    token, _sep, key = rest.partition(":")
    if not user_id.isdigit() or not token or not key:
        return None
    found = db.session.execute(
        select(User, LoginSession.id)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.key_hash == _key_hash(key), LoginSession.ended_at.is_(None),
               # A login lasts as long as its remember cookie may, however often it is used: a cookie
               # copied long ago and never logged out does not work for ever.
               LoginSession.created_at > now() - timedelta(seconds=current_app.config["REMEMBER_COOKIE_DURATION"]))
    ).first()
    if found is None:
        return None
    user, login_session_id = found
    if user.id != int(user_id) or user.is_deleted or user.session_token != token:
        return None
    user.login_key, user.login_session_id = key, login_session_id
    return user


def start_session(user: User) -> None:
    """Open a login session for ``user`` on this browser; call it right before ``login_user``."""
    key = secrets.token_urlsafe(24)
    row = LoginSession(user_id=user.id, key_hash=_key_hash(key), created_at=now())
    db.session.add(row)
    db.session.flush()
    login_session_id = row.id
    db.session.commit()
    user.login_key, user.login_session_id = key, login_session_id


def _end_sessions(user: User, *, keep: int | None = None) -> list[int]:
    """End ``user``'s open login sessions (but ``keep``) in this transaction; their ids."""
    stmt = select(LoginSession.id).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    if keep is not None:
        stmt = stmt.where(LoginSession.id != keep)
    ids = list(db.session.scalars(stmt))
    if ids:
        db.session.execute(update(LoginSession).where(LoginSession.id.in_(ids)).values(ended_at=now()))
    return ids


def end_session(user: User) -> None:
    """Log out this browser: its login session ends for good (both cookies), and so do its sockets."""
    login_session_id = user.login_session_id
    if login_session_id is None:
        return
    db.session.execute(update(LoginSession).where(LoginSession.id == login_session_id,
                                                  LoginSession.ended_at.is_(None)).values(ended_at=now()))
    audit.record("user.logout", user, actor=user, session=login_session_id)
    db.session.commit()
    socket_auth.end_logins(sessions=[login_session_id])


def end_all_sessions(user: User) -> int:
    """Log out everywhere (모든 기기에서 로그아웃): every login session, remember-me cookie and socket of
    ``user`` ends; how many sessions were open."""
    user_id = user.id
    ended = _end_sessions(user)
    audit.record("user.logout_everywhere", user, actor=user, sessions=len(ended))
    db.session.commit()
    socket_auth.end_logins(sessions=ended, user_id=user_id)
    return len(ended)


def _send_verification(user: User) -> None:
    token = _serializer("verify").dumps({"uid": user.id, "email": user.email})
    link = url_for("auth.verify_email", token=token, _external=False)
    site = current_app.config["SITE_URL"].rstrip("/")
    send_mail(
        user.email,
        _("[협치 플랫폼] 이메일 주소를 확인해 주세요"),
        _("%(name)s님, 가입해 주셔서 감사합니다. 아래 링크를 열어 이메일 주소를 확인해 주세요.", name=user.display_name)
        + f"\n\n{site}{link}\n\n"
        + _("본인이 가입하지 않았다면 이 메일을 무시하세요."),
        user_id=user.id,
    )


def sign_up(*, email: str, display_name: str, password: str, residency: Residency, dong: str,
            consent_version: str) -> User | None:
    """Create an account and mail a verification link.

    Returns None (and mails the owner instead) when the address is taken,
    so the page a visitor sees never reveals who has an account.
    """
    email = normalize_email(email)
    check_password_strength(password)
    existing = find_by_email(email)
    password_hash = hash_password(password)  # hashed either way: both answers take as long
    if existing is not None:
        send_mail(
            email,
            _("[협치 플랫폼] 가입 시도 안내"),
            _("누군가 이 주소로 가입을 시도했습니다. 이미 계정이 있으니 로그인하거나 비밀번호 찾기를 이용하세요."),
            user_id=existing.id,
        )
        db.session.commit()
        return None
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=password_hash,
        role=SiteRole.RESIDENT,
        residency=residency,
        dong=dong,
        created_at=now(),
    )
    user.consents.append(PrivacyConsent(version=consent_version, consented_at=now()))
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # the same address signed up twice at once
        db.session.rollback()
        return None
    audit.record("user.sign_up", user, actor=user)
    _send_verification(user)
    db.session.commit()
    return user


def resend_verification(user: User) -> None:
    """Mail a fresh verification link."""
    if user.is_verified:
        return
    _send_verification(user)
    db.session.commit()


def verify_email(token: str) -> User:
    """Mark the address in ``token`` as verified."""
    data = _load_token("verify", token)
    user = db.session.get(User, data.get("uid"))
    if user is None or user.is_deleted or user.email != data.get("email"):
        raise ServiceError(_("올바르지 않은 링크입니다."))
    if not user.is_verified:
        user.email_verified_at = now()
        audit.record("user.verify_email", user, actor=user)
        db.session.commit()
    return user


def _throttle_key(email: str) -> str:
    return hashlib.sha256(normalize_email(email).encode()).hexdigest()


def authenticate(email: str, password: str) -> User:
    """Check credentials with per-address back-off; raise ServiceError with one message for every failure."""
    key = _throttle_key(email)
    throttle = db.session.get(LoginThrottle, key)
    moment = now()
    if throttle and throttle.locked_until and throttle.locked_until > moment:
        wait = int((throttle.locked_until - moment).total_seconds() // 60) + 1
        raise ServiceError(_("로그인 시도가 너무 많습니다. %(n)d분 뒤에 다시 시도해 주세요.", n=wait))
    user = find_by_email(email)
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user and user.password_hash else _DUMMY_HASH, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if user is None or user.is_deleted or not user.password_hash:
        ok = False
    if not ok:
        throttle = throttle or LoginThrottle(key=key, failures=0)
        throttle.failures += 1
        throttle.updated_at = moment
        if throttle.failures >= LOCK_AFTER:
            throttle.locked_until = moment + _lock_delay(throttle.failures)
        db.session.merge(throttle)
        db.session.commit()
        raise ServiceError(_("이메일 또는 비밀번호가 올바르지 않습니다."))
    if throttle is not None:
        db.session.delete(throttle)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record("user.login", user, actor=user)
    db.session.commit()
    return user


def _lock_delay(failures: int) -> timedelta:
    """How long an account stays locked after ``failures`` (at least LOCK_AFTER): doubling, up to MAX_LOCK."""
    return min(timedelta(minutes=2 ** (failures - LOCK_AFTER)), MAX_LOCK)


def penalize_failed_login(email: str) -> None:
    """A failed login from an address past its ceiling: this account's back-off starts at once."""
    if not normalize_email(email):
        return
    key = _throttle_key(email)
    throttle = db.session.get(LoginThrottle, key) or LoginThrottle(key=key, failures=0)
    moment = now()
    throttle.failures = max(throttle.failures, LOCK_AFTER)
    throttle.locked_until = max(throttle.locked_until or moment, moment + _lock_delay(throttle.failures))
    throttle.updated_at = moment
    db.session.merge(throttle)
    db.session.commit()


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address has an account; say nothing either way."""
    user = find_by_email(email)
    if user is None or user.is_deleted:
        return
    token = _serializer("reset").dumps({"uid": user.id, "st": user.session_token})
    site = current_app.config["SITE_URL"].rstrip("/")
    link = url_for("auth.reset_password", token=token)
    send_mail(
        user.email,
        _("[협치 플랫폼] 비밀번호 재설정"),
        _("아래 링크에서 새 비밀번호를 정하세요. 링크는 한 번만 쓸 수 있습니다.")
        + f"\n\n{site}{link}\n\n"
        + _("본인이 요청하지 않았다면 이 메일을 무시하세요."),
        user_id=user.id,
    )
    db.session.commit()


def _set_password(user: User, password: str) -> list[int]:
    """Set the password; every other login session ends (their ids, for dropping sockets after commit)."""
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()  # ends every other session's cookies
    return _end_sessions(user, keep=user.login_session_id)


def reset_password(token: str, password: str) -> User:
    """Set a new password from a reset link; the link works once."""
    data = _load_token("reset", token)
    user = db.session.get(User, data.get("uid"))
    if user is None or user.is_deleted or user.session_token != data.get("st"):
        raise ServiceError(_("이미 사용했거나 올바르지 않은 링크입니다. 새 링크를 요청해 주세요."))
    ended = _set_password(user, password)
    if not user.is_verified:  # the link proved the address
        user.email_verified_at = now()
    audit.record("user.reset_password", user, actor=user)
    db.session.commit()
    socket_auth.end_logins(sessions=ended)
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Change a password after checking the current one; other sessions end."""
    if not password_matches(user, current):
        raise ServiceError(_("현재 비밀번호가 올바르지 않습니다."), "current_password")
    ended = _set_password(user, new)
    audit.record("user.change_password", user, actor=user)
    db.session.commit()
    socket_auth.end_logins(sessions=ended)


def update_profile(user: User, *, display_name: str, residency: Residency, dong: str,
                   birth_date: date | None = None) -> None:
    """Save the editable profile fields."""
    user.display_name = display_name.strip()
    user.residency = residency
    user.dong = dong
    user.birth_date = birth_date
    db.session.commit()


def change_role(user: User, role: SiteRole, *, actor: User) -> None:
    """Change a user's site role (admin only), with an audit row."""
    if user.is_deleted:
        raise ServiceError(_("탈퇴한 회원의 역할은 바꿀 수 없습니다."))
    if user.id == actor.id and role is not SiteRole.ADMIN:
        raise ServiceError(_("자신의 관리자 권한은 스스로 해제할 수 없습니다."))
    if user.role is role:
        return
    before = user.role
    user.role = role
    audit.record("user.change_role", user, actor=actor, before=before.value, after=role.value)
    db.session.commit()


def export_data(user: User) -> dict[str, Any]:
    """Everything the platform holds about ``user``, as JSON-ready data."""
    from app.bodies.models import Membership, MembershipApplication
    from app.notifications import Notification

    def iso(value):
        return value.isoformat() if value else None

    memberships = db.session.scalars(select(Membership).where(Membership.user_id == user.id))
    applications = db.session.scalars(
        select(MembershipApplication).where(MembershipApplication.user_id == user.id)
    )
    notes = db.session.scalars(select(Notification).where(Notification.user_id == user.id))
    return {
        "account": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role.value,
            "residency": user.residency.value if user.residency else None,
            "dong": user.dong,
            "birth_date": user.birth_date.isoformat() if user.birth_date else None,
            "email_verified_at": iso(user.email_verified_at),
            "created_at": iso(user.created_at),
        },
        "privacy_consents": [
            {"version": c.version, "consented_at": iso(c.consented_at)} for c in user.consents
        ],
        "memberships": [
            {"body": m.body.name, "role": m.role.value, "start_date": iso(m.start_date),
             "end_date": iso(m.end_date)}
            for m in memberships
        ],
        "membership_applications": [
            {"body": a.body.name, "statement": a.statement, "status": a.status.value,
             "created_at": iso(a.created_at), "reason": a.reason}
            for a in applications
        ],
        "notifications": [
            {"message": n.message, "link": n.link, "created_at": iso(n.created_at),
             "read_at": iso(n.read_at)}
            for n in notes
        ],
    }


def delete_account(user: User, password: str) -> None:
    """Remove personal data; public contributions stay under "탈퇴한 회원"."""
    from app.bodies.models import ApplicationStatus, Membership, MembershipApplication
    from app.notifications import Notification

    try:
        _hasher.verify(user.password_hash or _DUMMY_HASH, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise ServiceError(_("비밀번호가 올바르지 않습니다."), "password")
    moment = now()
    today_ = moment.date()
    for membership in db.session.scalars(
        select(Membership).where(Membership.user_id == user.id, Membership.end_date.is_(None))
    ):
        membership.end_date = today_
    for application in db.session.scalars(
        select(MembershipApplication).where(
            MembershipApplication.user_id == user.id,
            MembershipApplication.status == ApplicationStatus.PENDING,
        )
    ):
        application.status = ApplicationStatus.WITHDRAWN
        application.decided_at = moment
    for application in db.session.scalars(
        select(MembershipApplication).where(MembershipApplication.user_id == user.id)
    ):
        application.statement = ""
    db.session.execute(db.delete(Notification).where(Notification.user_id == user.id))
    from app.auth import two_factor  # it reads passwords through this module

    two_factor.forget(user)
    db.session.execute(
        db.update(OutboxMessage)
        .where(OutboxMessage.user_id == user.id)
        .values(recipient="", body="", user_id=None)
    )
    user.email = None
    user.display_name = ""
    user.password_hash = None
    user.residency = None
    user.dong = None
    user.birth_date = None
    user.consents.clear()
    user.session_token = new_session_token()
    user.deleted_at = moment
    user_id = user.id
    ended = _end_sessions(user)
    audit.record("user.delete_account", user, actor=user)
    db.session.commit()
    socket_auth.end_logins(sessions=ended, user_id=user_id)
