"""Phases of the annual cycle as a registry of small classes that declare the actions they open.

Views, templates, the API and sockets ask :func:`phase_allows` (through the
permission layer) instead of testing dates themselves.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

PROPOSE, SUPPORT, MOVE, ANSWER, VOTE = "propose", "support", "move", "answer", "vote"


class Phase:
    key = ""
    label = _l("")
    allows: frozenset[str] = frozenset()


class Discovery(Phase):
    """의제 발굴: residents propose and support items."""

    key = "discovery"
    label = _l("의제 발굴")
    allows = frozenset({PROPOSE, SUPPORT, MOVE, ANSWER})


class Concretization(Phase):
    """의제 구체화: subcommittees and the working council refine items."""

    key = "concretization"
    label = _l("의제 구체화")
    allows = frozenset({SUPPORT, MOVE, ANSWER})


class ReviewOne(Phase):
    key = "review_1"
    label = _l("협치사업 1차 심의")
    allows = frozenset({MOVE, ANSWER, VOTE})


class ReviewTwo(Phase):
    key = "review_2"
    label = _l("협치사업 2차 심의")
    allows = frozenset({MOVE, ANSWER, VOTE})


class OpenForum(Phase):
    key = "open_forum"
    label = _l("열린공론장")
    allows = frozenset({MOVE, VOTE})


class Drafting(Phase):
    key = "drafting"
    label = _l("계획서 초안")
    allows = frozenset({MOVE, ANSWER})


class Adoption(Phase):
    key = "adoption"
    label = _l("심의·확정")
    allows = frozenset({MOVE, ANSWER})


class Execution(Phase):
    key = "execution"
    label = _l("사업 실행")
    allows = frozenset({ANSWER})


PHASES: dict[str, Phase] = {p.key: p for p in (Discovery(), Concretization(), ReviewOne(), ReviewTwo(), OpenForum(),
                                               Drafting(), Adoption(), Execution())}
