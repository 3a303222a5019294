"""The stage machine of an agenda item, as a registry of small classes.

An item climbs 협치분과 → 분과실무협의회 → 협치실무위원회 → 구 협치회의 → adopted;
side exits are merged, withdrawn, rejected, on hold and closed. Each stage
says which body kind holds the item and where it may go next.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.bodies.models import BodyKind

CLIMB = ["proposed", "subcommittee", "working_council", "practical_committee", "district_council", "adopted"]
SIDE_EXITS = ("merged", "rejected", "on_hold")


class Stage:
    key = ""
    label = _l("")
    body_kind: BodyKind | None = None
    open = True  # supports and follows are accepted
    final = False

    def next_stages(self) -> tuple[str, ...]:
        if self.final:
            return ()
        index = CLIMB.index(self.key) if self.key in CLIMB else None
        up = (CLIMB[index + 1],) if index is not None and index + 1 < len(CLIMB) else ()
        return up + SIDE_EXITS


class Draft(Stage):
    key, label, open = "draft", _l("작성 중"), False

    def next_stages(self):
        return ("proposed",)


class Proposed(Stage):
    key, label = "proposed", _l("공감 모으는 중")

    def next_stages(self):
        return super().next_stages() + ("withdrawn", "closed")


class Subcommittee(Stage):
    key, label, body_kind = "subcommittee", _l("협치분과 논의"), BodyKind.SUBCOMMITTEE


class WorkingCouncil(Stage):
    key, label, body_kind = "working_council", _l("분과실무협의회 검토"), BodyKind.WORKING_COUNCIL


class PracticalCommittee(Stage):
    key, label, body_kind = "practical_committee", _l("협치실무위원회 심의"), BodyKind.PRACTICAL_COMMITTEE


class DistrictCouncil(Stage):
    key, label, body_kind = "district_council", _l("구 협치회의 의결"), BodyKind.DISTRICT_COUNCIL


class Adopted(Stage):
    key, label, open, final = "adopted", _l("채택"), False, True


class Merged(Stage):
    key, label, open, final = "merged", _l("병합"), False, True


class Withdrawn(Stage):
    key, label, open, final = "withdrawn", _l("철회"), False, True


class Rejected(Stage):
    key, label, open, final = "rejected", _l("반려"), False, True


class Closed(Stage):
    key, label, open, final = "closed", _l("공감 부족으로 종료"), False, True


class OnHold(Stage):
    key, label, open = "on_hold", _l("보류"), False

    def next_stages(self):
        return ("resume", "rejected", "merged")


STAGES: dict[str, Stage] = {s.key: s for s in (
    Draft(), Proposed(), Subcommittee(), WorkingCouncil(), PracticalCommittee(), DistrictCouncil(), Adopted(),
    Merged(), Withdrawn(), Rejected(), Closed(), OnHold())}

DECISION_TYPES = {
    "chair_decision": _l("위원장 결정"),
    "meeting_decision": _l("회의 결정"),
    "vote_result": _l("투표 결과"),
    "automatic": _l("공감 기준 달성(자동)"),
    "proposer": _l("제안자"),
    "staff": _l("협치지원관 결정"),
}
