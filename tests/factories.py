"""Factories for test data: valid by default, any field overridable."""
from __future__ import annotations

import itertools
from datetime import date

from app.auth.models import PrivacyConsent, Residency, SiteRole, User
from app.auth.services import hash_password
from app.bodies.models import Body, BodyKind, MemberRole, Membership
from app.utils import now

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)
_hash_cache: dict[str, str] = {}


def _hash(password: str) -> str:
    # argon2 is deliberately slow; hash each test password once per run.
    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    return _hash_cache[password]


class Factories:
    def __init__(self, db):
        self.db = db

    def user(self, *, role: SiteRole = SiteRole.RESIDENT, verified: bool = True, password: str = PASSWORD,
             email: str | None = None, name: str | None = None, dong: str = "성북동") -> User:
        n = next(_seq)
        user = User(
            email=email or f"user{n}@example.com",
            display_name=name or f"주민{n}",
            password_hash=_hash(password),
            role=role,
            residency=Residency.RESIDENT,
            dong=dong,
            email_verified_at=now() if verified else None,
        )
        user.consents.append(PrivacyConsent(version="2026-11", consented_at=now()))
        self.db.session.add(user)
        self.db.session.commit()
        return user

    def staff(self, **kw) -> User:
        return self.user(role=SiteRole.STAFF, **kw)

    def admin(self, **kw) -> User:
        return self.user(role=SiteRole.ADMIN, **kw)

    def body(self, kind: BodyKind = BodyKind.SUBCOMMITTEE, *, parent: Body | None = None, name: str | None = None,
             accepts_applications: bool = True) -> Body:
        """A body with whatever ancestors its kind requires."""
        if parent is None and kind.parent_kind is not None:
            parent = self.body(kind.parent_kind)
        body = Body(name=name or f"{kind.label} {next(_seq)}", kind=kind, parent=parent,
                    accepts_applications=accepts_applications and kind is BodyKind.SUBCOMMITTEE,
                    purpose="테스트 기구", cadence="월 1회")
        self.db.session.add(body)
        self.db.session.commit()
        return body

    def membership(self, body: Body, user: User, role: MemberRole = MemberRole.MEMBER,
                   start: date = date(2026, 1, 1), end: date | None = None) -> Membership:
        membership = Membership(body=body, user=user, role=role, start_date=start, end_date=end)
        self.db.session.add(membership)
        self.db.session.commit()
        return membership
