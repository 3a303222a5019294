"""Fan-out of live posts: N Socket.IO clients in one thread room, how fast every post reaches every client.

Run from the repository root:  .venv/bin/python bench/fanout.py [--clients 1000] [--messages 20]

Run 1: one server process (`python -m app`, Flask-SocketIO in threading mode, websocket transport).
Run 2: two server processes sharing a Redis message queue (REDIS_URL, default redis://127.0.0.1:6379/0),
       the clients split between them, the poster on the first.
A logged-in poster sends each message over the socket (the real path: permission checks, the post and
its numbered thread event committed, then the broadcast); every client records when the message arrives.
Latency is measured from the send to each arrival on one clock (all clients live in this process, on
asyncio). Listeners are lean by default (one raw websocket each speaking Engine.IO/Socket.IO, see
LeanListener), because they share the machine's cores with the server; --full-clients listens with
python-socketio clients instead, whose own decoding then counts as latency too. The database is a throwaway SQLite file (or a schema of DATABASE_URL when it is PostgreSQL).
The last line is the summary:
    clients=… p50_ms=… p99_ms=… delivered=…/… p99_ms_redis=…
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "fanout-password-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reachable(url: str) -> bool:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=2).close()
        return True
    except OSError:
        return False


class Database:
    """A throwaway SQLite file, or a fresh schema of DATABASE_URL (PostgreSQL), dropped afterwards."""

    def __init__(self, folder: Path):
        import sqlalchemy as sa

        base = os.environ.get("DATABASE_URL", "")
        self.schema = None
        if base.startswith(("postgres://", "postgresql")):
            base = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", base)
            self.schema = f"fanout_{uuid.uuid4().hex[:8]}"
            self.admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
            with self.admin.connect() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{self.schema}"'))
            self.url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{self.schema}"
        else:
            self.url = f"sqlite:///{folder / 'fanout.sqlite3'}"

    def drop(self):
        import sqlalchemy as sa

        if self.schema:
            with self.admin.connect() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            self.admin.dispose()


def prepare(database_url: str) -> int:
    """Migrate, and add the poster and an agenda item to talk about; returns the item id."""
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SOCKETIO_MESSAGE_QUEUE": None,
                      "CELERY": {"broker_url": "memory://", "task_always_eager": True}})
    from app.agenda.models import AgendaItem
    from app.auth.models import SiteRole, User
    from app.auth.services import hash_password
    from app.cycles.models import PlanCycle
    from app.extensions import db
    from app.utils import now

    with app.app_context():
        upgrade()
        poster = User(email="fanout-poster@example.com", display_name="벤치 작성자", password_hash=hash_password(PASSWORD),
                      role=SiteRole.STAFF, email_verified_at=now())  # staff: no posting rate limit
        cycle = PlanCycle(year=2097, title="벤치")
        item = AgendaItem(cycle=cycle, title="팬아웃 측정", field="복지·건강", proposer=poster, stage="proposed")
        db.session.add_all([poster, cycle, item])
        db.session.commit()
        item_id = item.id
        db.engine.dispose()
    return item_id


class Servers:
    def __init__(self, count: int, env: dict, logs: Path):
        self.count, self.env, self.logs = count, env, logs
        self.procs, self.urls = [], []

    def __enter__(self):
        for n in range(self.count):
            port = free_port()
            env = {**self.env, "PORT": str(port)}
            log = open(self.logs / f"server-{len(self.procs)}-{port}.log", "w")
            self.procs.append(subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=env, stdout=log,
                                               stderr=subprocess.STDOUT))
            self.urls.append(f"http://127.0.0.1:{port}")
        for proc, url in zip(self.procs, self.urls):
            port = int(url.rsplit(":", 1)[1])
            for _ in range(300):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if proc.poll() is not None:
                        sys.exit(f"server exited ({proc.returncode}); see {self.logs}")
                    time.sleep(0.1)
        return self

    def __exit__(self, *exc):
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def login_cookie(base: str) -> str:
    import requests

    session = requests.Session()
    page = session.get(base + "/account/login", timeout=30).text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = session.post(base + "/account/login", data={"email": "fanout-poster@example.com", "password": PASSWORD,
                                                            "csrf_token": csrf}, allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.status_code
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


async def measure(urls: list[str], clients: int, messages: int, interval: float, room: str,
                  lean: bool = True) -> dict:
    import socketio

    sent: dict[str, float] = {}
    arrivals: list[float] = []
    done = asyncio.Event()
    expected = clients * messages

    def arrived(client_id: str | None) -> None:
        started = sent.get(client_id)
        if started is not None:
            arrivals.append((time.perf_counter() - started) * 1000)
            if len(arrivals) >= expected:
                done.set()

    listeners, stops = await (connect_lean if lean else connect_full)(urls, clients, room, arrived)

    cookie = await asyncio.to_thread(login_cookie, urls[0])
    poster = socketio.AsyncClient(reconnection=False)
    await poster.connect(urls[0], namespaces=["/forums"], transports=["websocket"], headers={"Cookie": cookie})
    await poster.call("join", {"room": room, "last_seq": 0}, namespace="/forums", timeout=30)
    # One warm-up post, not measured: the first post of a process pays for imports and the thread's creation.
    await poster.call("post", {"room": room, "body": "준비", "client_id": f"warmup-{uuid.uuid4().hex[:8]}"},
                      namespace="/forums", timeout=60)
    await asyncio.sleep(2.5)  # let the join-time presence broadcasts and the warm-up fan-out settle

    acks = []
    for i in range(messages):
        client_id = f"bench-{uuid.uuid4().hex[:12]}"
        sent[client_id] = time.perf_counter()
        acks.append(asyncio.ensure_future(poster.call(
            "post", {"room": room, "body": f"팬아웃 측정 글 {i}", "client_id": client_id}, namespace="/forums", timeout=60)))
        await asyncio.sleep(interval)
    try:
        await asyncio.wait_for(done.wait(), timeout=60)
    except asyncio.TimeoutError:
        pass
    replies = await asyncio.gather(*acks, return_exceptions=True)
    refused = [r for r in replies if not (isinstance(r, dict) and r.get("ok"))]
    if refused:
        print(f"  {len(refused)} posts were refused: {refused[:2]}", flush=True)
    await poster.disconnect()
    await stops()
    arrivals.sort()
    return {"delivered": len(arrivals), "expected": expected,
            "p50": statistics.median(arrivals) if arrivals else float("nan"),
            "p99": arrivals[min(len(arrivals) - 1, int(len(arrivals) * 0.99))] if arrivals else float("nan"),
            "max": arrivals[-1] if arrivals else float("nan"), "joined": len(listeners)}


async def _join_all(clients: int, join_one, kind: str) -> list:
    """Run ``join_one(n)`` for every client, 50 at a time; a client that fails is counted, not fatal."""
    listeners, failures = [], 0
    started = time.perf_counter()

    async def join(n: int):
        nonlocal failures
        try:
            listeners.append(await join_one(n))
        except Exception as error:  # counted: a client that could not join receives nothing
            failures += 1
            if failures <= 3:
                print(f"  client {n} failed to join: {error!r}", flush=True)

    for first in range(0, clients, 50):
        await asyncio.gather(*(join(n) for n in range(first, min(first + 50, clients))))
    print(f"  {len(listeners)}/{clients} {kind} joined in {time.perf_counter() - started:.1f} s", flush=True)
    return listeners


async def connect_full(urls, clients, room, arrived):
    """python-socketio clients: each decodes every packet (on the machine's own cores)."""
    import socketio

    async def on_event(evt):
        if evt.get("type") == "post.created":
            arrived((evt.get("post") or {}).get("client_id"))

    async def connect(n: int):
        client = socketio.AsyncClient(reconnection=False, request_timeout=60)
        client.on("thread_event", on_event, namespace="/forums")
        await client.connect(urls[n % len(urls)], namespaces=["/forums"], transports=["websocket"], wait_timeout=60)
        reply = await client.call("join", {"room": room, "last_seq": 0}, namespace="/forums", timeout=60)
        assert reply and reply.get("ok"), reply
        return client

    listeners = await _join_all(clients, connect, "clients")

    async def stop():
        await asyncio.gather(*(c.disconnect() for c in listeners), return_exceptions=True)
    return listeners, stop


async def connect_lean(urls, clients, room, arrived):
    """LeanListener clients sharing one aiohttp session."""
    import aiohttp

    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

    async def connect(n: int):
        listener = LeanListener(urls[n % len(urls)], room, arrived)
        await listener.start(session)
        return listener

    listeners = await _join_all(clients, connect, "lean clients")

    async def stop():
        await asyncio.gather(*(listener.stop() for listener in listeners), return_exceptions=True)
        await session.close()
    return listeners, stop


class LeanListener:
    """A listener that speaks Engine.IO/Socket.IO over one raw websocket and only looks for the marker.

    Every listener shares this process's CPU with the server under test (two cores here), while
    real audiences bring their own phones. A full python-socketio client decodes every packet into
    Python objects (about as much work per message as the server's send), which then shows up as
    server latency; this one answers pings, joins with an ack, and finds each post's client id by
    a string search, so the figures are the server's.
    """

    def __init__(self, url: str, room: str, on_post):
        self.url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.room, self.on_post = room, on_post
        self.ws = self.session = None
        self.task = None

    async def start(self, session, timeout: float = 60) -> None:
        import json

        self.session = session
        self.ws = await session.ws_connect(self.url, timeout=timeout, max_msg_size=0)
        opened = await self.ws.receive_str(timeout=timeout)  # '0{"sid":...}'
        assert opened.startswith("0"), opened
        await self.ws.send_str("40/forums,")
        while True:
            reply = await self.ws.receive_str(timeout=timeout)
            if reply.startswith("40/forums,"):
                break
            if reply.startswith("44/forums,"):
                raise RuntimeError(reply)
        await self.ws.send_str("42/forums,1" + json.dumps(["join", {"room": self.room, "last_seq": 0}]))
        while True:
            reply = await self.ws.receive_str(timeout=timeout)
            if reply == "2":
                await self.ws.send_str("3")
            elif reply.startswith("43/forums,1"):
                assert '"ok":true' in reply.replace(" ", ""), reply[:200]
                break
        self.task = asyncio.ensure_future(self.listen())

    async def listen(self) -> None:
        marker = '"client_id":"'
        async for message in self.ws:
            data = message.data
            if not isinstance(data, str):
                continue
            if data == "2":
                await self.ws.send_str("3")
            elif data.startswith('42/forums,["thread_event"') and '"post.created"' in data:
                at = data.find(marker)
                if at >= 0:
                    start = at + len(marker)
                    self.on_post(data[start:data.find('"', start)])

    async def stop(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.task is not None:
            self.task.cancel()


def run(processes: int, args, database_url: str, room: str, logs: Path, redis_url: str | None) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "fanout-secret", "FLASK_APP": "app:create_app",
           "HOST": "127.0.0.1", "LOG_LEVEL": "WARNING", "RATELIMIT_STORAGE_URI": "memory://",
           "LOGIN_RATE_LIMIT": "1000 per minute", "LOGIN_ADDRESS_RATE_LIMIT": "1000 per minute",
           "FORUM_SOCKET_EVENTS_PER_10S": "1000"}
    env.pop("REDIS_URL", None)
    env.pop("SOCKETIO_MESSAGE_QUEUE", None)
    if redis_url:
        env.update(REDIS_URL=redis_url, SOCKETIO_CHANNEL=f"fanout-{uuid.uuid4().hex[:8]}",
                   CELERY_QUEUE=f"fanout-{uuid.uuid4().hex[:8]}")
    with Servers(processes, env, logs) as servers:
        return asyncio.run(measure(servers.urls, args.clients, args.messages, args.interval, room,
                                   lean=not args.full_clients))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between posts")
    parser.add_argument("--no-redis", action="store_true", help="skip the two-process Redis run")
    parser.add_argument("--full-clients", action="store_true",
                        help="listen with full python-socketio clients (they decode every packet on the same CPU)")
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, args.clients * 4 + 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))  # children (the servers) inherit it
    if want < args.clients * 2 + 64:
        print(f"warning: only {want} file descriptors for {args.clients} clients", flush=True)

    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    folder = Path(tempfile.mkdtemp(prefix="fanout-"))
    database = Database(folder)
    try:
        subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, check=True, capture_output=True,
                       env={**os.environ, "DATABASE_URL": database.url, "FLASK_APP": "app:create_app"})
        room = f"agenda-{prepare(database.url)}"
        print(f"one process, {args.clients} clients, {args.messages} posts every {args.interval} s", flush=True)
        single = run(1, args, database.url, room, folder, None)
        print(f"  delivered {single['delivered']}/{single['expected']}  p50 {single['p50']:.1f} ms  "
              f"p99 {single['p99']:.1f} ms  max {single['max']:.1f} ms", flush=True)
        p99_redis = "n/a"
        if not args.no_redis and reachable(redis_url):
            print(f"two processes on Redis, {args.clients} clients split between them", flush=True)
            double = run(2, args, database.url, room, folder, redis_url)
            print(f"  delivered {double['delivered']}/{double['expected']}  p50 {double['p50']:.1f} ms  "
                  f"p99 {double['p99']:.1f} ms  max {double['max']:.1f} ms", flush=True)
            p99_redis = f"{double['p99']:.1f}"
        elif not args.no_redis:
            print(f"Redis at {redis_url} is unreachable: skipping the two-process run", flush=True)
        print(f"clients={args.clients} p50_ms={single['p50']:.1f} p99_ms={single['p99']:.1f} "
              f"delivered={single['delivered']}/{single['expected']} p99_ms_redis={p99_redis}", flush=True)
    finally:
        database.drop()


if __name__ == "__main__":
    main()
