"""Helpers to set up vote rounds through the real services."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.utils import now
from app.voting import services, tally


class Rounds:
    def __init__(self, make):
        self.make = make
        self.staff = None

    def _staff(self):
        if self.staff is None:
            self.staff = self.make.staff(name="투표담당")
        return self.staff

    def create(self, method="budget_approval", *, options=(("A", 300), ("B", 500), ("C", 400)), budget=1000,
               eligibility="any_user", body=None, event=None, open_now=True, criteria=(), **settings):
        staff = self._staff()
        round_ = services.save_round(
            None, actor=staff, title=f"{method} 투표", description="", method=method, eligibility=eligibility,
            body_id=body.id if body else None, budget=budget if method == "budget_approval" else None,
            min_picks=settings.get("min_picks"), max_picks=settings.get("max_picks"), seats=settings.get("seats"),
            tally_rule=settings.get("tally_rule", "greedy"), allow_revote=settings.get("allow_revote", False),
            live_results=settings.get("live_results", False), event_id=event.id if event else None,
            min_age=settings.get("min_age"))
        for option in options:
            title, cost, *rest = option
            services.add_option(round_, title=title, description="", cost=cost,
                                proposer_id=rest[0] if rest else None, actor=staff)
        for name, weight in criteria:
            services.add_criterion(round_, name=name, weight=weight, actor=staff)
        if open_now:
            services.schedule(round_, now() - timedelta(minutes=1), now() + timedelta(days=1), actor=staff)
            services.open_round(round_, actor=staff)
        return round_

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
