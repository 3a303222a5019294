"""Factories for test data: valid by default, any field overridable."""
from __future__ import annotations

import itertools
from typing import TYPE_CHECKING
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from app.auth.models import PrivacyConsent, Residency, SiteRole, User
from app.auth.services import hash_password
from app.bodies.models import Body, BodyKind, MemberRole, Membership
from app.cycles.models import CyclePhase, PlanCycle
from app.events.models import Audience, Event, EventKind, EventStatus
from app.utils import now, today
from app.voting.models import RoundStatus, VoteRound

if TYPE_CHECKING:
    from app.agenda.models import AgendaItem

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

    def cycle(self, *, year: int | None = None, title: str | None = None, phases=("discovery",),
              support_threshold: int = 2, support_window_days: int = 30) -> PlanCycle:
        """A plan cycle (the next free year from 2027). ``phases``: kinds open from five days ago to a month
        ahead, or ``(kind, starts_on, ends_on)`` triples; ``()`` for none."""
        if year is None:
            year = max(2026, self.db.session.scalar(sa.select(sa.func.max(PlanCycle.year))) or 0) + 1
        cycle = PlanCycle(year=year, title=title or f"{year} 계획", support_threshold=support_threshold,
                          support_window_days=support_window_days)
        for phase in phases:
            kind, starts, ends = (phase, today() - timedelta(days=5), today() + timedelta(days=30)) \
                if isinstance(phase, str) else phase
            cycle.phases.append(CyclePhase(kind=kind, starts_on=starts, ends_on=ends))
        self.db.session.add(cycle)
        self.db.session.commit()
        return cycle

    def agenda_item(self, stage: str = "proposed", *, cycle: PlanCycle | None = None, proposer: User | None = None,
                    title: str | None = None, field: str = "복지·건강", body: Body | None = None,
                    **fields) -> AgendaItem:
        """An agenda item at ``stage`` (submitted now unless a draft), in a new cycle by a new resident if not given."""
        from app.agenda.models import AgendaItem  # not importable before app.bodies (a cycle through meetings)

        fields.setdefault("problem", "문제")
        fields.setdefault("solution", "해결")
        fields.setdefault("submitted_at", None if stage == "draft" else now())
        item = AgendaItem(cycle=cycle or self.cycle(), proposer=proposer or self.user(),
                          title=title or f"의제 {next(_seq)}", field=field, stage=stage,
                          body_id=body.id if body else None, **fields)
        self.db.session.add(item)
        self.db.session.commit()
        return item

    def event(self, kind: EventKind = EventKind.TOWN_HALL, *, status: EventStatus = EventStatus.PUBLISHED,
              title: str | None = None, starts_in: timedelta = timedelta(days=7), starts_at: datetime | None = None,
              hours: float = 2, capacity: int | None = None, body: Body | None = None, cycle: PlanCycle | None = None,
              audience: Audience = Audience.PUBLIC, created_by: User | None = None, **fields) -> Event:
        """An event starting ``starts_in`` from now (or at ``starts_at``) and lasting ``hours``; published by default."""
        starts_at = starts_at or now() + starts_in
        fields.setdefault("published_at", now() if status is not EventStatus.DRAFT else None)
        event = Event(kind=kind, status=status, title=title or f"{kind.name} {next(_seq)}", starts_at=starts_at,
                      ends_at=starts_at + timedelta(hours=hours), capacity=capacity, body=body, cycle=cycle,
                      audience=audience, created_by_id=created_by.id if created_by else None, **fields)
        self.db.session.add(event)
        self.db.session.commit()
        return event

    def vote_round(self, method: str = "budget_approval", *, status: RoundStatus = RoundStatus.OPEN,
                   options=(("A", 300), ("B", 500), ("C", 400)), budget: int = 1000, eligibility: str = "any_user",
                   body: Body | None = None, event: Event | None = None, cycle: PlanCycle | None = None,
                   criteria=(), actor: User | None = None, title: str | None = None, **settings) -> VoteRound:
        """A vote round made through the real services, so an open one has its rules and base frozen.

        ``options``: ``(title, cost[, proposer_id])`` or add_option's keywords as a dict; ``criteria``: ``(name, weight)``;
        ``settings``: min_picks, max_picks, seats, tally_rule, allow_revote, live_results, min_age.
        ``status``: DRAFT, SCHEDULED (open from a minute ago to a day ahead), OPEN or CLOSED.
        """
        from app.voting import services

        actor = actor or self.staff(name="투표담당")
        round_ = services.save_round(
            None, actor=actor, title=title or f"{method} 투표", description="", method=method,
            eligibility=eligibility, body_id=body.id if body else None, event_id=event.id if event else None,
            cycle_id=cycle.id if cycle else None, budget=budget if method == "budget_approval" else None,
            min_picks=settings.get("min_picks"), max_picks=settings.get("max_picks"), seats=settings.get("seats"),
            tally_rule=settings.get("tally_rule", "greedy"), allow_revote=settings.get("allow_revote", False),
            live_results=settings.get("live_results", False), min_age=settings.get("min_age"))
        for option in options:
            fields = option if isinstance(option, dict) else dict(zip(("title", "cost", "proposer_id"), option))
            services.add_option(round_, **{"description": "", "proposer_id": None, **fields}, actor=actor)
        for name, weight in criteria:
            services.add_criterion(round_, name=name, weight=weight, actor=actor)
        if status is not RoundStatus.DRAFT:
            services.schedule(round_, now() - timedelta(minutes=1), now() + timedelta(days=1), actor=actor)
        if status in (RoundStatus.OPEN, RoundStatus.CLOSED):
            services.open_round(round_, actor=actor)
        if status is RoundStatus.CLOSED:
            services.close_round(round_, actor=actor)
        return round_

    def plan(self, cycle: PlanCycle | None = None, *, actor: User | None = None):
        """The cycle's draft plan, assembled from its data by the real service."""
        from app.plans import services

        return services.assemble(cycle or self.cycle(), actor=actor or self.staff())
