"""Quorum rules (의사정족수) as a registry: how many of the current members must be present to decide."""
from __future__ import annotations

import math
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


class QuorumRule:
    key = ""
    label = _l("")

    def required(self, members: int) -> int:
        """Members who must be present; a body without members can never decide."""
        raise NotImplementedError


class Majority(QuorumRule):
    """재적 과반 출석: more than half of the current members (the default)."""

    key = "majority"
    label = _l("재적 위원 과반수 출석")

    def required(self, members: int) -> int:
        return members // 2 + 1


class Half(QuorumRule):
    """재적 2분의 1 이상 출석: at least half."""

    key = "half"
    label = _l("재적 위원 2분의 1 이상 출석")

    def required(self, members: int) -> int:
        return max(1, math.ceil(members / 2))


class TwoThirds(QuorumRule):
    """재적 3분의 2 이상 출석: for weighty business such as changing the body's own rules."""

    key = "two_thirds"
    label = _l("재적 위원 3분의 2 이상 출석")

    def required(self, members: int) -> int:
        return max(1, math.ceil(members * 2 / 3))


QUORUM_RULES: dict[str, QuorumRule] = {r.key: r for r in (Majority(), Half(), TwoThirds())}
DEFAULT_RULE = "majority"


@dataclass(frozen=True)
class Quorum:
    """The quorum of a meeting as of its latest roll call."""

    rule: QuorumRule
    members: int  # 재적: current members who count (observers do not)
    present: int
    taken: bool  # whether a roll call has been taken at all

    @property
    def required(self) -> int:
        return self.rule.required(self.members)

    @property
    def met(self) -> bool:
        return self.taken and self.members > 0 and self.present >= self.required
