"""Many people posting at once: every thread event gets its own number, none skipped, and a message sent
many times at once (a client retrying) is stored once. Real commits, on PostgreSQL in CI."""
from __future__ import annotations

import threading

from sqlalchemy import delete, func, select

from app.agenda.models import AgendaItem
from app.auth.models import SiteRole, User
from app.cycles.models import PlanCycle
from app.extensions import db
from app.forums import services
from app.forums.models import Post, Thread, ThreadEvent
from app.forums.targets import Target
from app.utils import now
from tests.factories import PASSWORD, _hash


def _crowd(app, size: int):
    with app.app_context():
        people = [User(email=f"forum-race-{n}@example.com", display_name=f"동시{n}", password_hash=_hash(PASSWORD),
                       role=SiteRole.STAFF, email_verified_at=now()) for n in range(size)]  # staff: no rate limit
        cycle = PlanCycle(year=2099, title="동시성")
        item = AgendaItem(cycle=cycle, title="동시에 쓰기", field="복지·건강", proposer=people[0], stage="proposed")
        db.session.add_all(people + [cycle, item])
        db.session.commit()
        return item.id, cycle.id, [p.id for p in people]


def _clean(app, item_id, cycle_id, user_ids):
    with app.app_context():
        db.session.execute(delete(Thread).where(Thread.agenda_item_id == item_id))
        db.session.execute(delete(AgendaItem).where(AgendaItem.id == item_id))
        db.session.execute(delete(PlanCycle).where(PlanCycle.id == cycle_id))
        db.session.execute(delete(User).where(User.id.in_(user_ids)))
        db.session.commit()


def _run(threads):
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)


def test_simultaneous_posts_get_consecutive_event_numbers(app):
    size = 20
    item_id, cycle_id, user_ids = _crowd(app, size)
    barrier = threading.Barrier(size)
    errors: list[str] = []

    def post(n: int):
        with app.app_context():
            item, user = db.session.get(AgendaItem, item_id), db.session.get(User, user_ids[n])
            db.session.commit()  # let go of the database (SQLite locks from the first statement) before the start
            barrier.wait(timeout=60)
            try:
                services.create_post(Target("agenda", item), user, f"동시에 쓴 글 {n}", client_id=f"race-{n}")
            except Exception as error:  # pragma: no cover - reported below
                errors.append(repr(error))
            finally:
                db.session.remove()

    try:
        _run([threading.Thread(target=post, args=(n,)) for n in range(size)])
        with app.app_context():
            thread = db.session.scalar(select(Thread).where(Thread.agenda_item_id == item_id))
            seqs = sorted(db.session.scalars(select(ThreadEvent.seq).where(ThreadEvent.thread_id == thread.id)))
            posts = db.session.scalar(select(func.count()).select_from(Post).where(Post.thread_id == thread.id))
            comment_count = db.session.get(AgendaItem, item_id).comment_count
            threads = db.session.scalar(select(func.count()).select_from(Thread).where(Thread.agenda_item_id == item_id))
        assert errors == []
        assert threads == 1  # twenty first posts at once still make one thread
        assert seqs == list(range(1, size + 1)) and thread.last_seq == size
        assert posts == size and comment_count == size
    finally:
        _clean(app, item_id, cycle_id, user_ids)


def test_the_same_message_sent_many_times_at_once_is_stored_once(app):
    size = 12
    item_id, cycle_id, user_ids = _crowd(app, 1)
    barrier = threading.Barrier(size)
    ids: list[int] = []
    errors: list[str] = []

    def send():
        with app.app_context():
            item, user = db.session.get(AgendaItem, item_id), db.session.get(User, user_ids[0])
            db.session.commit()
            barrier.wait(timeout=60)
            try:
                ids.append(services.create_post(Target("agenda", item), user, "한 번만 저장", client_id="retry-42").id)
            except Exception as error:  # pragma: no cover - reported below
                errors.append(repr(error))
            finally:
                db.session.remove()

    try:
        _run([threading.Thread(target=send) for _ in range(size)])
        with app.app_context():
            stored = db.session.scalar(select(func.count()).select_from(Post).where(Post.client_id == "retry-42"))
            events = db.session.scalar(select(func.count()).select_from(ThreadEvent).join(Thread)
                                       .where(Thread.agenda_item_id == item_id))
        assert errors == [] and len(ids) == size
        assert stored == 1 and len(set(ids)) == 1 and events == 1
    finally:
        _clean(app, item_id, cycle_id, user_ids)
