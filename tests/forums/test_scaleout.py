"""Scale-out: two server processes sharing Redis. A post made on one reaches clients connected to the other,
and a Celery worker announces through a write-only Socket.IO to clients on both.

Runs only with REDIS_URL (CI sets it, and conftest fails the run there when Redis is missing)."""
from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
import socketio as socketio_client

from tests.conftest import ROOT, Database
from tests.forums.cluster import Cluster, cookie_header, login_session, server_env

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL); CI always sets it")

PASSWORD = "scale-out-password-1"


PREPARE = """
import json, sys
from datetime import timedelta
from flask_migrate import upgrade
from app import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SOCKETIO_MESSAGE_QUEUE": None,
                  "CELERY": {"broker_url": "memory://", "task_always_eager": True}})
from app.agenda.models import AgendaItem
from app.auth.models import User
from app.auth.services import hash_password
from app.cycles.models import PlanCycle
from app.extensions import db
from app.forums import services
from app.forums.models import OnlineForum
from app.forums.targets import Target
from app.utils import now
with app.app_context():
    upgrade()
    resident = User(email="scale@example.com", display_name="확장 주민", password_hash=hash_password(sys.argv[2]),
                    email_verified_at=now())
    cycle = PlanCycle(year=2098, title="확장")
    item = AgendaItem(cycle=cycle, title="여러 서버 토론", field="복지·건강", proposer=resident, stage="proposed")
    forum = OnlineForum(title="막 닫힌 공론장", question="?", opens_at=now() - timedelta(days=3),
                        closes_at=now() - timedelta(minutes=1))
    db.session.add_all([resident, cycle, item, forum])
    db.session.commit()
    services.thread_for(Target("forum", forum))  # the forum's thread exists, still unlocked
    db.session.commit()
    print(json.dumps({"item": item.id, "forum": forum.id}))
"""


def _prepare(database_url: str) -> dict:
    """Migrate a fresh database and add a resident, an agenda item and a forum that has just closed.

    In a process of its own: creating another app here would rebind the shared extensions of this test run."""
    import json

    done = subprocess.run([sys.executable, "-c", PREPARE, database_url, PASSWORD], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


class Listener:
    """A python-socketio client on /forums that queues every thread event it receives."""

    def __init__(self, url: str, cookie: str | None = None):
        self.events: queue.Queue = queue.Queue()
        self.client = socketio_client.Client(reconnection=False)
        self.client.on("thread_event", self.events.put, namespace="/forums")
        headers = {"Cookie": cookie} if cookie else {}
        self.client.connect(url, namespaces=["/forums"], headers=headers, transports=["websocket"], wait_timeout=10)

    def join(self, room: str, last_seq: int = 0) -> dict:
        reply = self.client.call("join", {"room": room, "last_seq": last_seq}, namespace="/forums", timeout=10)
        assert reply and reply.get("ok"), reply
        return reply

    def next(self, seconds: float = 10) -> dict:
        return self.events.get(timeout=seconds)

    def close(self):
        self.client.disconnect()


def test_a_post_on_one_process_reaches_clients_on_the_other(tmp_path):
    database = Database(tmp_path, "scale")
    try:
        ids = _prepare(database.url)
        env = server_env(database.url, REDIS_URL=os.environ["REDIS_URL"],
                         CELERY_QUEUE=f"forums-scale-{uuid.uuid4().hex[:6]}")
        with Cluster(env, 2, tmp_path) as cluster:
            one, two = cluster.urls
            session = login_session(one, "scale@example.com", PASSWORD)
            writer = Listener(one, cookie_header(session))  # logged in, on process 1
            reader = Listener(two)  # logged out, on process 2
            room = f"agenda-{ids['item']}"
            try:
                writer.join(room)
                reader.join(room)
                reply = writer.client.call("post", {"room": room, "body": "1번 서버에서 씁니다", "client_id": "scale-1"},
                                           namespace="/forums", timeout=10)
                assert reply["ok"], reply
                seen = reader.next()
                assert seen["type"] == "post.created" and seen["seq"] == 1
                assert seen["post"]["html"] == "<p>1번 서버에서 씁니다</p>\n"
                assert writer.next()["seq"] == 1  # and its own process too, through the same queue

                # A plain form post on process 2 (no JavaScript) reaches the socket on process 1.
                session2 = login_session(two, "scale@example.com", PASSWORD)
                page = session2.get(f"{two}/agenda/{ids['item']}", timeout=10).text
                csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
                response = session2.post(f"{two}/forums/room/{room}/posts", allow_redirects=False, timeout=10,
                                         data={"csrf_token": csrf, "body": "2번 서버의 폼에서", "client_token": "form-1"})
                assert response.status_code == 302, response.text[:300]
                seen = writer.next()
                assert seen["seq"] == 2 and "2번 서버의 폼에서" in seen["post"]["html"]
                assert reader.next()["seq"] == 2

                # A Celery worker (its own process) locks the closed forum and announces it through a
                # write-only Socket.IO on the queue: clients on both processes hear it.
                forum_room = f"forum-{ids['forum']}"
                writer.join(forum_room)
                reader.join(forum_room)
                worker = subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "app.celery_app", "worker", "--pool=solo", "-Q",
                     env["CELERY_QUEUE"], "--loglevel=WARNING", "--without-heartbeat", "--without-gossip",
                     "--without-mingle"], cwd=ROOT, env={**env, "PORT": "0"}, stdout=open(tmp_path / "worker.log", "w"),
                    stderr=subprocess.STDOUT)
                try:
                    from celery import Celery

                    # Not the current Celery app: the rest of the test run keeps its own (eager) one.
                    producer = Celery(broker=os.environ["REDIS_URL"], set_as_current=False)
                    producer.send_task("app.forums.close_due_forums", queue=env["CELERY_QUEUE"])
                    for listener in (writer, reader):
                        event = listener.next(seconds=60)
                        assert event["type"] == "thread.settings" and event["data"]["locked"] is True
                        assert event["room"] == forum_room
                finally:
                    worker.terminate()
                    worker.wait(timeout=20)
            finally:
                writer.close()
                reader.close()
                time.sleep(0.2)
    finally:
        database.drop()
