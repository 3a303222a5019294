"""Plumbing with visible consequences: mail only after commit, Celery on Redis, sockets, demo data."""
from __future__ import annotations

import contextvars
import os
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from app.extensions import db as _db
from app.mail import OutboxMessage, send_mail
from tests.conftest import ROOT


def test_mail_is_delivered_only_after_its_transaction_commits(db, monkeypatch):
    from app import mail

    delivered = []
    monkeypatch.setattr(mail.deliver_mail, "delay", lambda message_id: delivered.append(message_id))
    send_mail("a@example.com", "제목", "본문")
    assert delivered == []  # not before the commit
    db.session.rollback()
    assert delivered == []  # never, when the change is rolled back
    message = send_mail("b@example.com", "제목", "본문")
    db.session.commit()
    assert delivered == [message.id]


def test_delivering_twice_sends_once(db, caplog):
    from app.mail import deliver_mail

    message = send_mail("twice@example.com", "한 번만", "본문")
    db.session.commit()
    db.session.refresh(message)
    first_sent = message.sent_at
    assert first_sent is not None
    deliver_mail.apply(args=[message.id])  # a retry after success
    db.session.refresh(message)
    assert message.sent_at == first_sent and message.attempts == 1


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI sets it)")
def test_a_celery_worker_on_redis_delivers_queued_mail(app, database):
    """A real worker process, a real Redis broker, the same database."""
    from celery import Celery

    with app.app_context():
        with _db.engine.begin() as conn:
            message_id = conn.execute(
                sa.insert(OutboxMessage).values(created_at=sa.func.now(), recipient="worker@example.com",
                                                subject="워커", body="본문", attempts=0)
                .returning(OutboxMessage.id)
            ).scalar_one()
    queue = f"test-{os.getpid()}"
    env = {**os.environ, "DATABASE_URL": database.url, "CELERY_BROKER_URL": os.environ["REDIS_URL"],
           "SECRET_KEY": "test-secret"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "app.celery_app", "worker", "--pool=solo", "-Q", queue,
         "--loglevel=WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        sender = Celery(broker=os.environ["REDIS_URL"])
        sender.send_task("app.mail.deliver_mail", args=[message_id], queue=queue)
        deadline = time.monotonic() + 60
        sent_at = None
        while time.monotonic() < deadline and sent_at is None:
            time.sleep(0.5)
            with app.app_context():
                with _db.engine.connect() as conn:
                    sent_at = conn.execute(select(OutboxMessage.sent_at).where(OutboxMessage.id == message_id)).scalar()
            assert worker.poll() is None, worker.stdout.read()
        assert sent_at is not None, "the worker did not deliver the message"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        with app.app_context():
            with _db.engine.begin() as conn:
                conn.execute(sa.delete(OutboxMessage).where(OutboxMessage.id == message_id))


def test_app_uses_redis_for_rate_limits_and_sockets_when_configured(monkeypatch, tmp_path):
    from app.config import load_config

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    config = load_config(str(tmp_path))
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert config["SOCKETIO_MESSAGE_QUEUE"] == "redis://127.0.0.1:6379/0"
    assert config["CELERY"]["broker_url"] == "redis://127.0.0.1:6379/0"
    assert config["CELERY"]["task_always_eager"] is False
    monkeypatch.delenv("REDIS_URL")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    embedded = load_config(str(tmp_path))
    assert embedded["CELERY"]["task_always_eager"] is True
    assert embedded["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert embedded["RATELIMIT_STORAGE_URI"] == "memory://"


def test_socket_events_need_a_logged_in_user(app, db, client, auth, make):
    from app.extensions import socketio

    def in_own_context(fn, *args, **kwargs):
        # Each socket call gets its own app context, as on a server (no shared `g`).
        return contextvars.Context().run(fn, *args, **kwargs)

    anonymous = in_own_context(socketio.test_client, app, flask_test_client=app.test_client())
    assert anonymous.is_connected()
    assert not in_own_context(anonymous.emit, "whoami", {}, callback=True)  # no answer about anyone
    assert not anonymous.is_connected()  # and the server hung up
    user = make.user(name="소켓주민")
    auth.login(user)
    signed_in = in_own_context(socketio.test_client, app, flask_test_client=client)
    assert in_own_context(signed_in.emit, "whoami", {}, callback=True) == {"id": user.id, "name": "소켓주민"}
    in_own_context(signed_in.disconnect)


def test_demo_district_loads_once_with_the_whole_hierarchy(client, db):
    from app.auth.models import User
    from app.bodies.models import Body, BodyKind, Membership
    from app.demo import seed_demo

    assert seed_demo() is True
    kinds = [b.kind for b in db.session.scalars(select(Body))]
    assert kinds.count(BodyKind.DISTRICT_COUNCIL) == 1
    assert kinds.count(BodyKind.PRACTICAL_COMMITTEE) == 1
    assert kinds.count(BodyKind.WORKING_COUNCIL) == 1
    assert kinds.count(BodyKind.SUBCOMMITTEE) == 6
    members = db.session.scalar(select(func.count(func.distinct(Membership.user_id))))
    assert members >= 40
    assert seed_demo() is False
    assert db.session.scalar(select(func.count()).select_from(Body)) == 9
    for role in ("admin", "staff", "chair", "member", "resident"):
        response = client.post("/account/login", data={"email": f"{role}@demo.hyeopchi.kr",
                                                        "password": "demo-password-2026"})
        assert response.status_code == 302, role
        client.post("/account/logout")
    assert db.session.scalar(select(User).where(User.email == "chair@demo.hyeopchi.kr")) is not None


def test_health_check_answers(client, db):
    assert client.get("/healthz").get_json() == {"status": "ok"}


# --- The clock: no test reads the real date ---------------------------------------------------------

_REAL_CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
                     ("time", "time"), ("time", "localtime"), ("time", "gmtime")}


def _real_clock_reads(path):
    """Calls like datetime.now() or time.time() in one file, as (line, call) pairs."""
    import ast

    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else None
            if (name, node.func.attr) in _REAL_CLOCK_CALLS:
                found.append((node.lineno, f"{name}.{node.func.attr}()"))
    return found


def test_no_test_and_no_feature_reads_the_real_clock():
    """Dates come from app.utils.now()/today() only, frozen for every test (tests/conftest.py `clock`).

    A test that builds its data from the real date passes on the day it was written and fails weeks later;
    time.monotonic() stays allowed for timeouts, and app.utils (the one clock) and the forums' presence
    expiry (seconds in Redis, never shown) may read the real time.
    """
    allowed = {ROOT / "app" / "utils.py", ROOT / "app" / "forums" / "realtime.py"}
    offenders = [f"{path.relative_to(ROOT)}:{line} {call}"
                 for folder in ("app", "tests") for path in sorted((ROOT / folder).rglob("*.py"))
                 if path not in allowed for line, call in _real_clock_reads(path)]
    assert offenders == []


def test_every_test_starts_on_the_suites_day_unless_it_moves_the_clock():
    from app.utils import now, today
    from tests.conftest import TEST_NOW

    assert now() == TEST_NOW
    assert today().isoformat() == "2026-11-25"
