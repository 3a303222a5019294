"""Helpers to set up vote rounds through the real services."""
from __future__ import annotations

import pytest

from app.voting import services, tally
from app.voting.models import RoundStatus


class Rounds:
    def __init__(self, make):
        self.make = make
        self.staff = None

    def _staff(self):
        if self.staff is None:
            self.staff = self.make.staff(name="투표담당")
        return self.staff

    def create(self, method="budget_approval", *, open_now=True, **kw):
        return self.make.vote_round(method, actor=self._staff(),
                                    status=RoundStatus.OPEN if open_now else RoundStatus.DRAFT, **kw)

    def body_with_members(self, count: int, name: str = "위원"):
        """A body and its ``count`` members (for member votes)."""
        body = self.make.body()
        members = [self.make.user(name=f"{name}{i}") for i in range(count)]
        for member in members:
            self.make.membership(body, member)
        return body, members

    def option_ids(self, round_):
        return [str(o.id) for o in round_.options]

    def finish(self, round_):
        """Close, tally and publish."""
        staff = self._staff()
        services.close_round(round_, actor=staff)
        tally.request_tally(round_, actor=staff)
        tally.publish(round_, actor=staff)
        return services.latest_result(round_)


@pytest.fixture
def rounds(make):
    return Rounds(make)
