"""What a meeting can decide on an agenda item, as a registry of small classes.

Each outcome moves the item through the agenda services (the stage machine
records who decided, at which body, how and why, with a link to the
meeting) or opens a members' yes/no vote whose published result moves the
item (app.voting.tally.publish). ``apply`` commits once, together with
the meeting's decision row already in the session.
"""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.agenda.stages import CLIMB, STAGES
from app.errors import ServiceError
from app.utils import now

DEFAULT_VOTE_MINUTES = 30


class Outcome:
    key = ""
    label = _l("")
    needs_reason = False

    def available(self, item) -> bool:
        """Whether this outcome makes sense for the item's current stage."""
        return True

    def check(self, item, *, reason: str, vote_minutes: int | None) -> None:
        """Raise ServiceError if this outcome cannot be recorded for the item as asked (no writes)."""

    def apply(self, meeting, item, decision, *, actor, reason: str, vote_minutes: int | None) -> None:
        raise NotImplementedError

    def describe(self, decision) -> str:
        return str(self.label)


class _Move(Outcome):
    """Move the item to ``target(item)`` through app.agenda.services.move (one commit)."""

    def target(self, item) -> str | None:
        raise NotImplementedError

    def available(self, item) -> bool:
        target = self.target(item)
        return target is not None and target in item.stage_obj.next_stages()

    def check(self, item, *, reason, vote_minutes):
        if self.target(item) is None or not self.available(item):
            raise ServiceError(_("'%(stage)s' 단계의 의제에는 이 결정을 할 수 없습니다.", stage=item.stage_obj.label),
                               "outcome")
        if self.needs_reason and not reason:
            raise ServiceError(_("사유를 적어 주세요."), "reason")

    def apply(self, meeting, item, decision, *, actor, reason, vote_minutes):
        from app.agenda.services import move
        from app.bodies.meetings.services import meeting_url

        self.check(item, reason=reason, vote_minutes=vote_minutes)
        target = self.target(item)
        decision.to_stage = target
        move(item, target, actor=actor, decision_type="meeting_decision", reason=reason,
             expected_version=item.version, minutes_ref=meeting_url(meeting))

    def describe(self, decision) -> str:
        if decision.to_stage in STAGES:
            return f"{self.label} ({STAGES[decision.to_stage].label})"
        return str(self.label)


class Advance(_Move):
    key, label = "advance", _l("가결: 다음 단계로 올림")

    def target(self, item):
        if item.stage in CLIMB[1:-1]:
            return CLIMB[CLIMB.index(item.stage) + 1]
        return None


class Reject(_Move):
    key, label, needs_reason = "reject", _l("부결: 반려"), True

    def target(self, item):
        return "rejected"


class Hold(_Move):
    key, label, needs_reason = "hold", _l("보류"), True

    def target(self, item):
        return "on_hold"


class OpenVote(Outcome):
    """표결: a yes/no vote of the body's members on the item; its published result moves the item."""

    key, label = "vote", _l("표결에 부침(위원 찬반 투표)")

    def available(self, item) -> bool:
        return item.stage in CLIMB[1:-1]

    def check(self, item, *, reason, vote_minutes):
        if not self.available(item):
            raise ServiceError(_("'%(stage)s' 단계의 의제는 표결에 부칠 수 없습니다.", stage=item.stage_obj.label),
                               "outcome")
        if not 1 <= (vote_minutes or DEFAULT_VOTE_MINUTES) <= 24 * 60:
            raise ServiceError(_("투표 시간은 1분에서 24시간(1,440분) 사이로 정해 주세요."), "vote_minutes")

    def apply(self, meeting, item, decision, *, actor, reason, vote_minutes):
        from app.extensions import db
        from app.voting import services as voting

        self.check(item, reason=reason, vote_minutes=vote_minutes)
        minutes = vote_minutes or DEFAULT_VOTE_MINUTES
        # One commit at the end: the decision row, the round, its question and the opening go in together,
        # so a retry finds the item decided and a failure leaves no half-made vote behind.
        round_ = voting.save_round(
            None, actor=actor, title=_("%(body)s 표결: %(title)s", body=meeting.body.name, title=item.title),
            description=_("%(meeting)s에서 표결에 부친 안건입니다.", meeting=meeting.event.title) + (
                f"\n{reason}" if reason else ""),
            method="yes_no", eligibility="body_members", body_id=meeting.body.id, budget=None, min_picks=None,
            max_picks=None, seats=None, tally_rule="greedy", allow_revote=False, live_results=False,
            event_id=meeting.event_id, commit=False)
        decision.vote_round_id = round_.id
        voting.add_option(round_, title=item.title, description="", cost=0, proposer_id=None, actor=actor,
                          agenda_item_id=item.id, commit=False)
        round_.closes_at = now() + timedelta(minutes=minutes)
        voting.open_round(round_, actor=actor, commit=False)
        db.session.commit()
        db.session.refresh(decision)

    def describe(self, decision) -> str:
        round_ = decision.vote_round
        if round_ is None:
            return str(self.label)
        return f"{self.label} — {round_.status.label}"


OUTCOMES: dict[str, Outcome] = {o.key: o for o in (Advance(), Reject(), Hold(), OpenVote())}
