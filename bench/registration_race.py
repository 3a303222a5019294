"""N people register at the same moment for an event with N/2 seats, through the real HTTP stack.

Run from the repository root:  .venv/bin/python bench/registration_race.py [--requests 200] [--workers 2 --threads 8]

With DATABASE_URL pointing at PostgreSQL it works in a schema of its own (dropped afterwards);
without it, on a temporary SQLite file (the embedded default). The server is gunicorn running the
app with tasks in-process (no broker: the confirmation mail is delivered after each commit, as in
`make run`). Every person logs in before the clock starts; then all N requests are released at
once, each on its own connection, and the server decides who arrives first. Afterwards the
database is checked:
  confirmed / waitlisted   how many got a seat and how many the waitlist (expected N/2 each);
  duplicates               registrations beyond one per person;
  order_violations         waitlisted registrations that arrived (took the event lock, so got a
                           smaller id) before someone who got a seat, plus registrations whose
                           timestamps run backwards against their arrival order.
The last line is the summary:
    requests=… confirmed=… waitlisted=… duplicates=… order_violations=… p99_ms=…
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from _support import free_port, wait_for  # noqa: E402
PASSWORD = "bench-password-1"


class Browser:
    """One person's browser: a cookie jar of one session cookie."""

    def __init__(self, port: int):
        self.port = port
        self.cookie = ""

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie" and value.startswith("session="):
                    self.cookie = value.split(";", 1)[0]
            return response.status, text
        finally:
            conn.close()


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def seed(env: dict, people: int, seats: int) -> tuple[int, list[str]]:
    """Residents, a staff member and a published town hall with ``seats`` seats, written through the services."""
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY")})
    from datetime import timedelta

    from app import create_app
    from app.auth.models import SiteRole, User
    from app.auth.services import hash_password
    from app.events import services
    from app.events.models import EventKind
    from app.extensions import db
    from app.utils import now

    app = create_app()
    with app.app_context():
        password_hash = hash_password(PASSWORD)
        staff = User(email="bench-staff@example.com", display_name="bench", password_hash=password_hash,
                     role=SiteRole.STAFF, email_verified_at=now())
        db.session.add(staff)
        emails = [f"resident{i}@example.com" for i in range(people)]
        db.session.add_all(User(email=e, display_name=f"r{i}", password_hash=password_hash,
                                email_verified_at=now()) for i, e in enumerate(emails))
        db.session.commit()
        event = services.create_event(kind=EventKind.TOWN_HALL, title="선착순 타운홀미팅", actor=staff,
                                      starts_at=now() + timedelta(days=7), ends_at=now() + timedelta(days=7, hours=3),
                                      venue="구청 대강당", capacity=seats, publish=True)
        event_id = event.id
        db.engine.dispose()
    return event_id, emails


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="people registering at once (N)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    args = parser.parse_args()
    n = args.requests
    seats = n // 2

    base = os.environ.get("DATABASE_URL", "")
    tmpdir = None
    admin = None
    schema = None
    if base.startswith("postgres"):
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
        engine_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    else:
        tmpdir = tempfile.mkdtemp(prefix="race-")
        url = f"sqlite:///{tmpdir}/race.sqlite3"
        engine_url = url
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL", "SOCKETIO_MESSAGE_QUEUE")}
    env.update({"DATABASE_URL": url, "SECRET_KEY": "bench-secret", "FLASK_APP": "app:create_app",
                "LOGIN_RATE_LIMIT": "1000000 per minute", "LOGIN_ADDRESS_RATE_LIMIT": "1000000 per minute",
                "EVENT_REGISTER_RATE_LIMIT": "1000000 per minute",
                "RATELIMIT_STORAGE_URI": "memory://", "LOG_LEVEL": "WARNING"})
    server = None
    try:
        subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        event_id, emails = seed(env, n, seats)
        port = free_port()
        gunicorn = [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", str(args.workers), "--threads", str(args.threads),
                    "--log-level", "warning", "-b", f"127.0.0.1:{port}", "app:create_app()"]
        server = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
        wait_for(port, server)

        browsers = []
        for email in emails:  # not timed: everyone logs in and opens the event page
            b = Browser(port)
            _status, page = b.request("GET", "/account/login")
            status, _ = b.request("POST", "/account/login", {"email": email, "password": PASSWORD,
                                                             "csrf_token": csrf_token(page)})
            assert status == 302, status
            _status, page = b.request("GET", f"/events/{event_id}")
            browsers.append((b, csrf_token(page)))

        gate = threading.Barrier(n + 1)
        latencies: list[float] = []
        statuses: list[int] = []
        lock = threading.Lock()

        def register(b: Browser, token: str) -> None:
            gate.wait()
            started = time.perf_counter()
            try:
                status, _ = b.request("POST", f"/events/{event_id}/register", {"csrf_token": token})
            except OSError:
                status = 0
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses.append(status)

        threads = [threading.Thread(target=register, args=job) for job in browsers]
        for t in threads:
            t.start()
        gate.wait()
        began = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - began

        engine = sa.create_engine(engine_url)
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT id, user_id, status, created_at FROM event_registration WHERE event_id = :e ORDER BY id"),
                {"e": event_id}).all()
        engine.dispose()

        confirmed = [r.id for r in rows if r.status == "confirmed"]
        waitlisted = [r.id for r in rows if r.status == "waitlisted"]
        per_user: dict[int, int] = {}
        for r in rows:
            per_user[r.user_id] = per_user.get(r.user_id, 0) + 1
        duplicates = sum(c - 1 for c in per_user.values() if c > 1)
        last_seat = max(confirmed, default=0)
        order_violations = sum(1 for w in waitlisted if w < last_seat)
        order_violations += sum(1 for a, b in zip(rows, rows[1:]) if b.created_at < a.created_at)

        ok = sum(1 for s in statuses if 300 <= s < 400)  # a registration answers with a redirect to the ticket
        p99 = statistics.quantiles(latencies, n=100)[98] * 1000 if len(latencies) > 1 else latencies[0] * 1000
        kind = "postgresql" if schema else "sqlite"
        print(f"{kind}, gunicorn {args.workers}x{args.threads}: {ok}/{n} registrations answered 302 in {wall:.2f}s "
              f"({n / wall:.1f}/s); statuses {sorted(set(statuses))}; median_ms={statistics.median(latencies) * 1000:.1f}")
        print(f"requests={n} confirmed={len(confirmed)} waitlisted={len(waitlisted)} duplicates={duplicates} "
              f"order_violations={order_violations} p99_ms={p99:.1f}")
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    main()
