"""Who may vote in a round: a registry of small classes."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db
from app.utils import KST, today


class Eligibility:
    key = ""
    label = _l("")
    frozen = False  # True: the list is fixed when the round opens

    def snapshot(self, round_) -> list[int]:
        """User ids to freeze at opening (only for frozen kinds)."""
        return []

    def is_eligible(self, round_, user) -> bool:
        raise NotImplementedError

    def count(self, round_) -> int | None:
        return None

    base_label = _l("")  # who the quorum's base (재적) is, as the result page says it

    def base(self, round_) -> int | None:
        """The electorate (재적) a quorum counts from, frozen when the round opens (None: unknown)."""
        return len(self.snapshot(round_)) if self.frozen else self.count(round_)

    def refusal(self, round_, user) -> str | None:
        """A specific reason to show when ``user`` may not vote (None: the generic message)."""
        return None


def age_on(birth: date, day: date) -> int:
    """만 나이: full years lived on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def opening_day(round_) -> date:
    """The round's opening day in Korea (today before it opens)."""
    if round_.opens_at is None:
        return today()
    return (round_.opens_at + KST).date()


class BodyMembers(Eligibility):
    """Members of the round's body on the day it opens (observers do not vote)."""

    key = "body_members"
    label = _l("기구 위원(투표 시작일 기준)")
    base_label = _l("투표 시작일의 기구 위원(참관인 제외)")
    frozen = True

    def snapshot(self, round_) -> list[int]:
        from app.bodies.models import MemberRole, Membership

        if round_.body_id is None:
            return []
        return list(db.session.scalars(
            select(Membership.user_id).where(
                Membership.body_id == round_.body_id,
                Membership.active_on(today()),
                Membership.role != MemberRole.OBSERVER,
            ).distinct()
        ))

    def is_eligible(self, round_, user) -> bool:
        from app.voting.models import EligibleVoter

        return db.session.get(EligibleVoter, (round_.id, user.id)) is not None

    def count(self, round_) -> int | None:
        from app.voting.models import EligibleVoter

        return db.session.scalar(select(func.count()).select_from(EligibleVoter)
                                 .where(EligibleVoter.round_id == round_.id))


class VerifiedResidents(Eligibility):
    """Verified accounts of people who live, work or run a business in the district."""

    key = "verified_residents"
    label = _l("이메일을 확인한 구민(거주·근무·사업)")
    base_label = _l("투표 시작 때 이메일을 확인한 구민")

    def is_eligible(self, round_, user) -> bool:
        if not (user.is_verified and user.residency is not None and not user.is_deleted):
            return False
        if round_.min_age:
            return user.birth_date is not None and age_on(user.birth_date, opening_day(round_)) >= round_.min_age
        return True

    def count(self, round_) -> int | None:
        query = select(func.count()).select_from(User).where(
            User.email_verified_at.is_not(None), User.residency.is_not(None), User.deleted_at.is_(None))
        if round_.min_age:
            day = opening_day(round_)
            try:
                latest = day.replace(year=day.year - round_.min_age)
            except ValueError:  # 29 February
                latest = day.replace(year=day.year - round_.min_age, day=28)
            query = query.where(User.birth_date <= latest)
        return db.session.scalar(query)

    def refusal(self, round_, user) -> str | None:
        from flask_babel import gettext

        if not round_.min_age or not (user.is_verified and user.residency is not None):
            return None
        if user.birth_date is None:
            return gettext("만 %(age)s세 이상만 참여할 수 있는 투표입니다. 회원 정보에 생년월일을 입력한 뒤 참여해 주세요.",
                           age=round_.min_age)
        if age_on(user.birth_date, opening_day(round_)) < round_.min_age:
            return gettext("만 %(age)s세 이상만 참여할 수 있는 투표입니다.", age=round_.min_age)
        return None


class AnyUser(Eligibility):
    """Any registered account."""

    key = "any_user"
    label = _l("가입한 모든 회원")
    base_label = _l("투표 시작 때 가입한 회원")

    def is_eligible(self, round_, user) -> bool:
        return not user.is_deleted

    def count(self, round_) -> int | None:
        return db.session.scalar(select(func.count()).select_from(User).where(User.deleted_at.is_(None)))


class EventAttendees(Eligibility):
    """People checked in at the round's event, on site or online (walk-ins without an account vote on paper).

    Not frozen: at a town hall people keep arriving while the vote is open,
    so eligibility is read at the moment of casting. The quorum's base is
    frozen all the same: everyone checked in (walk-ins too) when the round opens.
    """

    key = "event_attendees"
    label = _l("행사 참석자(현장·온라인 체크인)")
    base_label = _l("투표 시작 때 체크인한 행사 참석자(현장·온라인)")

    def is_eligible(self, round_, user) -> bool:
        from app.events.models import Attendance

        if round_.event_id is None or user.is_deleted:
            return False
        return db.session.scalar(select(Attendance.id).where(
            Attendance.event_id == round_.event_id, Attendance.user_id == user.id)) is not None

    def count(self, round_) -> int | None:
        from app.events.models import Attendance

        if round_.event_id is None:
            return None
        return db.session.scalar(select(func.count()).select_from(Attendance).where(
            Attendance.event_id == round_.event_id))


ELIGIBILITY: dict[str, Eligibility] = {
    e.key: e for e in (BodyMembers(), EventAttendees(), VerifiedResidents(), AnyUser())
}
