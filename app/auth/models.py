"""Accounts, consents and login throttling."""
from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.columns import enum_column
from app.extensions import db
from app.utils import now


class SiteRole(enum.Enum):
    RESIDENT = "resident"
    STAFF = "staff"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(SITE_ROLE_LABELS[self])


SITE_ROLE_LABELS = {
    SiteRole.RESIDENT: _l("주민"),
    SiteRole.STAFF: _l("직원"),
    SiteRole.ADMIN: _l("관리자"),
}


class Residency(enum.Enum):
    RESIDENT = "resident"
    WORKER = "worker"
    BUSINESS = "business"

    @property
    def label(self) -> str:
        return str(RESIDENCY_LABELS[self])


RESIDENCY_LABELS = {
    Residency.RESIDENT: _l("이 구에 거주합니다"),
    Residency.WORKER: _l("이 구에서 일합니다"),
    Residency.BUSINESS: _l("이 구에서 사업을 합니다"),
}


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    """A person with an account: resident, staff or admin (site roles)."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[SiteRole] = mapped_column(enum_column(SiteRole), default=SiteRole.RESIDENT)
    residency: Mapped[Residency | None] = mapped_column(enum_column(Residency))
    dong: Mapped[str | None] = mapped_column(String(40))
    birth_date: Mapped[date | None]  # optional; asked only for votes with a minimum age
    email_verified_at: Mapped[datetime | None]
    # Rotated on password change: every session and remember-me cookie that
    # carries the old value stops working.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=now)
    deleted_at: Mapped[datetime | None]

    consents: Mapped[list["PrivacyConsent"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="PrivacyConsent.consented_at"
    )

    # The login session this object was loaded for (or just started), not stored on the row:
    # set by app.auth.services.start_session and by the user loader.
    login_key = None
    login_session_id = None

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and remember-me cookies: the user, the password's
        session token and the key of this browser's login session (see :class:`LoginSession`)."""
        if not self.login_key:
            raise RuntimeError("no login session: call app.auth.services.start_session(user) before login_user")
        return f"{self.id}:{self.session_token}:{self.login_key}"

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_staff(self) -> bool:
        return self.role in (SiteRole.STAFF, SiteRole.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is SiteRole.ADMIN

    @property
    def public_name(self) -> str:
        """The name shown next to public contributions."""
        if self.is_deleted:
            from flask_babel import gettext

            return gettext("탈퇴한 회원")
        return self.display_name

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class LoginSession(db.Model):
    """One sign-in on one browser (로그인 세션).

    The session cookie and the remember-me cookie both carry its key, and the user loader accepts
    them only while the row is open: logging out ends the row, so a copy of either cookie taken
    before stops working at once. "Log out everywhere" ends every open row of the person.
    Only a hash of the key is stored.
    """

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    ended_at: Mapped[datetime | None]


class PrivacyConsent(db.Model):
    """A user's consent to one version of the privacy notice, with its time."""

    __tablename__ = "privacy_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(20))
    consented_at: Mapped[datetime] = mapped_column(default=now)

    user: Mapped[User] = relationship(back_populates="consents")


class LoginThrottle(db.Model):
    """Failed logins per e-mail address, kept whether or not the account exists.

    Keying the back-off on the address (not the account) means the delay
    itself never reveals whether an address is registered.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=now)
