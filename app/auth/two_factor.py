"""Two-factor sign-in (2단계 인증): an authenticator app's 6-digit codes (TOTP) and one-time recovery codes.

Staff and admins must enrol where ``REQUIRE_STAFF_2FA`` is on; anyone else may, from the profile.
Codes are checked against the app's one clock (``app.utils.now()``), a code is accepted once (the
last accepted 30-second step is kept), and wrong codes lock the second step for a while.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta, timezone

import pyotp
import segno
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app import audit
from app.auth import services
from app.auth.models import User
from app.errors import Forbidden, ServiceError
from app.extensions import db
from app.utils import now

RECOVERY_CODE_COUNT = 10
# Unambiguous when read off paper: no 0/o, 1/l/i.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10  # shown as two groups of five
LOCK_AFTER = 5  # wrong codes before the second step locks
LOCK_FOR = timedelta(minutes=15)  # each further wrong code locks it again


class TwoFactor(db.Model):
    """A person's authenticator app: the shared TOTP secret, from enrolment until it is turned off.

    The secret must be readable to check codes, so it is stored as it is (like the password
    reset links' key, it is only as safe as the database); recovery codes are stored hashed.
    """

    __tablename__ = "two_factor"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=now)
    confirmed_at: Mapped[datetime | None]  # None: shown as a QR code, not yet confirmed with a code
    # The 30-second step of the last code accepted: that code, and older ones, never work again.
    last_timestep: Mapped[int | None]
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]


class RecoveryCode(db.Model):
    """One of the ten codes shown once at enrolment, each good for one sign-in without the app."""

    __tablename__ = "two_factor_recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


def _utc(moment: datetime) -> datetime:
    # pyotp reads a naive datetime as local time; now() is naive UTC.
    return moment.replace(tzinfo=timezone.utc)


def record_of(user: User) -> TwoFactor | None:
    return db.session.get(TwoFactor, user.id)


def is_enrolled(user: User) -> bool:
    """Whether ``user`` signs in with a second factor."""
    row = record_of(user)
    return row is not None and row.confirmed_at is not None


def is_required(user: User) -> bool:
    """Whether this deployment demands a second factor of ``user`` (staff and admins, by config)."""
    return bool(current_app.config.get("REQUIRE_STAFF_2FA")) and user.is_staff


def must_enrol(user: User) -> bool:
    """A staff or admin account that may do nothing until it has enrolled."""
    return is_required(user) and not is_enrolled(user)


def start_enrolment(user: User) -> TwoFactor:
    """The unconfirmed secret to show as a QR code: a new one, or the one shown before (a reload keeps it)."""
    row = record_of(user)
    if row is not None and row.confirmed_at is not None:
        raise ServiceError(_("이미 2단계 인증을 쓰고 있습니다."))
    if row is None:
        row = TwoFactor(user_id=user.id, secret=pyotp.random_base32(), created_at=now(), failures=0)
        db.session.add(row)
        try:
            db.session.commit()
        except IntegrityError:  # the same page opened twice at once: keep the first secret
            db.session.rollback()
            row = record_of(user)
    return row


def qr_code_svg(user: User, row: TwoFactor) -> str:
    """The enrolment QR code as inline SVG markup (an otpauth:// link authenticator apps read)."""
    issuer = _("%(district)s 협치 플랫폼", district=current_app.config["DISTRICT_NAME"])
    uri = pyotp.TOTP(row.secret).provisioning_uri(name=user.email, issuer_name=issuer)
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=3, light="#fff", svgclass="qr-code", omitsize=True,
                                                title=_("인증 앱으로 찍을 QR 코드"))
    return svg.replace("<svg ", '<svg role="img" ', 1)  # sized by the style sheet (a viewBox, no width)


def grouped_secret(row: TwoFactor) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(row.secret[i:i + 4] for i in range(0, len(row.secret), 4))


def _normal_code(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _recovery_hash(user_id: int, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"two-factor-recovery:{user_id}:{_normal_code(code)}".encode(), hashlib.sha256).hexdigest()


def _totp_step(row: TwoFactor, code: str, moment: datetime) -> int | None:
    """The unused 30-second step whose code ``code`` is (this step or a neighbour, for clock drift)."""
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(row.secret)
    current = totp.timecode(_utc(moment))
    for step in (current, current - 1, current + 1):
        if row.last_timestep is not None and step <= row.last_timestep:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim_step(row: TwoFactor, step: int) -> bool:
    """Record ``step`` as used unless another request used it (or a later one) first."""
    claimed = db.session.execute(
        update(TwoFactor)
        .where(TwoFactor.user_id == row.user_id,
               or_(TwoFactor.last_timestep.is_(None), TwoFactor.last_timestep < step))
        .values(last_timestep=step)
        .execution_options(synchronize_session=False)
    ).rowcount
    return claimed == 1


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _n in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _i in range(_RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(user.id, raw)))
    return codes


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn two-factor sign-in on once the app shows a right code; return the recovery codes (shown once)."""
    row = record_of(user)
    if row is None:
        raise ServiceError(_("등록을 처음부터 다시 시작해 주세요."))
    if row.confirmed_at is not None:
        raise ServiceError(_("이미 2단계 인증을 쓰고 있습니다."))
    step = _totp_step(row, _normal_code(code), now())
    if step is None:
        raise ServiceError(_("인증 코드가 올바르지 않습니다. 앱에 지금 표시된 6자리 숫자를 입력해 주세요."), "code")
    # Guarded: of two confirmations at once, one turns it on and hands out codes.
    confirmed = db.session.execute(
        update(TwoFactor)
        .where(TwoFactor.user_id == user.id, TwoFactor.confirmed_at.is_(None))
        .values(confirmed_at=now(), last_timestep=step, failures=0, locked_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if confirmed != 1:
        db.session.rollback()
        raise ServiceError(_("이미 2단계 인증을 쓰고 있습니다."))
    codes = _new_recovery_codes(user)
    audit.record("user.two_factor_enable", user, actor=user)
    db.session.commit()
    db.session.expire(row)
    return codes


def _lock_message(row: TwoFactor, moment: datetime) -> str:
    wait = int((row.locked_until - moment).total_seconds() // 60) + 1
    return _("인증 코드를 여러 번 틀렸습니다. %(n)d분 뒤에 다시 시도해 주세요.", n=wait)


def check_code(user: User, code: str) -> str:
    """Check a sign-in code (the app's 6 digits or an unused recovery code); "totp" or "recovery".

    A wrong code counts against the account; after ``LOCK_AFTER`` of them the second step is
    locked for ``LOCK_FOR``, whatever is typed.
    """
    row = record_of(user)
    if row is None or row.confirmed_at is None:
        raise ServiceError(_("2단계 인증을 쓰지 않는 계정입니다."))
    moment = now()
    if row.locked_until is not None and row.locked_until > moment:
        raise ServiceError(_lock_message(row, moment), "code")
    normal = _normal_code(code)
    kind = None
    step = _totp_step(row, normal, moment)
    if step is not None and _claim_step(row, step):
        kind = "totp"
    elif len(normal) == _RECOVERY_LENGTH:
        used = db.session.execute(
            update(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _recovery_hash(user.id, normal),
                   RecoveryCode.used_at.is_(None))
            .values(used_at=moment)
            .execution_options(synchronize_session=False)
        ).rowcount
        if used == 1:
            kind = "recovery"
            audit.record("user.two_factor_recovery_used", user, remaining=recovery_codes_left(user))
    if kind is not None:
        db.session.execute(update(TwoFactor).where(TwoFactor.user_id == user.id)
                           .values(failures=0, locked_until=None).execution_options(synchronize_session=False))
        db.session.commit()
        db.session.expire(row)
        return kind
    # Counted in SQL, so wrong codes sent at once all count.
    db.session.execute(update(TwoFactor).where(TwoFactor.user_id == user.id)
                       .values(failures=TwoFactor.failures + 1).execution_options(synchronize_session=False))
    db.session.refresh(row)
    if row.failures >= LOCK_AFTER:
        row.locked_until = moment + LOCK_FOR
    audit.record("user.two_factor_failed", user, failures=row.failures)
    db.session.commit()
    raise ServiceError(_("인증 코드가 올바르지 않습니다."), "code")


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def disable(user: User, password: str, code: str) -> None:
    """Turn two-factor sign-in off, with the password and a code; not where it is required of ``user``."""
    if is_required(user):
        raise Forbidden(_("직원과 관리자는 2단계 인증을 끌 수 없습니다."))
    if not services.password_matches(user, password):
        raise ServiceError(_("현재 비밀번호가 올바르지 않습니다."), "password")
    check_code(user, code)
    forget(user)
    audit.record("user.two_factor_disable", user, actor=user)
    db.session.commit()


def forget(user: User) -> bool:
    """Delete ``user``'s authenticator secret and recovery codes in this transaction; whether there was a secret."""
    removed = db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id)).rowcount
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    return bool(removed)


def reset(user: User) -> bool:
    """Forget ``user``'s app and recovery codes (a lost phone, by the operator); whether there were any.

    The person enrols again: at the next login where it is required, else when they choose to.
    """
    removed = forget(user)
    if removed:
        audit.record("user.two_factor_reset", user)
    db.session.commit()
    return bool(removed)
