"""What staff are told before a step on a vote round that cannot be taken back (see app.confirm)."""
from __future__ import annotations

from flask_babel import gettext as _

from app.voting.models import VoteRound

CONFIRMED_ACTIONS = ("close", "tally", "publish")


def confirmation(round_: VoteRound, action: str) -> dict | None:
    """The confirmation page's title, explanation and button for ``action``; None for steps that need none."""
    if action == "close":
        return dict(title=_("투표를 마감할까요?"), button=_("투표 마감"),
                    explanation=[_("마감하면 더 이상 투표지를 받지 않습니다. 아직 투표하지 않은 사람은 투표할 수 없게 됩니다."),
                                 _("마감한 투표는 다시 열 수 없습니다.")])
    if action == "tally":
        return dict(title=_("투표를 집계할까요?"), button=_("집계하기"),
                    explanation=[_("마감된 투표지를 세어 결과를 만듭니다. 결과는 공개하기 전까지 담당자에게만 보입니다."),
                                 _("집계가 시작되면 되돌릴 수 없고, 다시 집계해도 같은 투표지로 셉니다.")])
    if action == "publish":
        return dict(title=_("결과를 공개할까요?"), button=_("결과 공개"),
                    explanation=[_("결과가 누구나 볼 수 있게 공개되고, 선정된 사업의 의제는 다음 단계로 올라갑니다."),
                                 _("공개한 결과는 거둬들일 수 없습니다.")])
    return None


def details(round_: VoteRound) -> list[tuple[str, str]]:
    return [(_("투표"), round_.title)]
