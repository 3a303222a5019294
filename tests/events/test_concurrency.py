"""A crowd at the door: 200 people register at once for 100 seats."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import delete, select

from app.auth.models import SiteRole, User
from app.events import services
from app.events.models import Event, EventKind, Registration, RegistrationStatus
from app.extensions import db
from app.utils import now

N = 200


def test_two_hundred_simultaneous_registrations_for_one_hundred_seats(app):
    # Real commits on the real database (PostgreSQL in CI), outside the per-test rollback.
    with app.app_context():
        staff = User(email="crowd-staff@example.com", display_name="행사담당", password_hash="x",
                     role=SiteRole.STAFF, email_verified_at=now())
        people = [User(email=f"crowd{n}@example.com", display_name=f"주민{n}", password_hash="x",
                       email_verified_at=now()) for n in range(N)]
        db.session.add_all([staff, *people])
        db.session.commit()
        event = services.create_event(kind=EventKind.TOWN_HALL, title="선착순 타운홀", actor=staff,
                                      starts_at=now() + timedelta(days=3), ends_at=now() + timedelta(days=3, hours=2),
                                      venue="구청 대강당", capacity=N // 2, publish=True)
        event_id = event.id
        from app.auth.services import start_session

        for person in people:
            start_session(person)  # what the login form does before Flask-Login stores the id
        logins = [p.get_id() for p in people]
        user_ids = [p.id for p in people]

    barrier = threading.Barrier(N)
    outcome: dict[int, int] = {}

    def register(n: int):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = logins[n]
            session["_fresh"] = True
        barrier.wait()
        response = client.post(f"/events/{event_id}/register", environ_base={"REMOTE_ADDR": f"10.1.{n // 250}.{n % 250}"})
        outcome[n] = response.status_code

    # Confirmation mail goes to the queue, as in production, instead of being delivered in the
    # request thread: an in-process delivery needs a second pooled connection per request.
    celery = app.extensions["celery"]
    celery.conf.task_always_eager = False
    try:
        threads = [threading.Thread(target=register, args=(n,)) for n in range(N)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
    finally:
        celery.conf.task_always_eager = True

    try:
        with app.app_context():
            rows = db.session.execute(select(Registration.id, Registration.user_id, Registration.status)
                                      .where(Registration.event_id == event_id).order_by(Registration.id)).all()
            confirmed = [r.id for r in rows if r.status is RegistrationStatus.CONFIRMED]
            waitlisted = [r.id for r in rows if r.status is RegistrationStatus.WAITLISTED]
            assert sorted(outcome.values()) == [302] * N, outcome  # nobody got an error
            assert len(rows) == N and len({r.user_id for r in rows}) == N
            assert (len(confirmed), len(waitlisted)) == (N // 2, N // 2)
            # Arrival order: every seat went to someone who arrived before everyone on the waitlist.
            assert max(confirmed) < min(waitlisted)

            # Ten people give up their seats: the first ten on the waitlist, in arrival order, move up.
            for registration_id in confirmed[:10]:
                services.cancel_registration(db.session.get(Registration, registration_id))
            db.session.expire_all()
            promoted = db.session.scalars(select(Registration.id).where(
                Registration.event_id == event_id, Registration.promoted_at.is_not(None))
                .order_by(Registration.id)).all()
            assert promoted == waitlisted[:10]
    finally:
        with app.app_context():
            db.session.execute(delete(Event).where(Event.id == event_id))
            from app.audit import AuditLog  # noqa: F401  (audit rows stay: they are append-only)
            db.session.commit()
