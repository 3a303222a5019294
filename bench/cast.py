"""Ballots per second through the real HTTP path, against a bare insert endpoint.

Run from the repository root:  .venv/bin/python bench/cast.py [--voters 400] [--concurrency 16]

Needs PostgreSQL (DATABASE_URL, default postgresql://root@127.0.0.1:5432/test); works in a
schema of its own that is dropped afterwards. Both servers run under gunicorn with the same
settings (2 workers × 8 threads). The real path is: logged-in session, CSRF token, the
eligibility check, the roll row and the secret ballot row in one transaction. Logins happen
before the clock starts. A third server, bench/floor_app.py, puts the same insert behind Flask-Login
and the CSRF check: what the fixed stack costs before any voting work (floor_ratio). The last line
is the summary:
    cast_rps=… bare_rps=… ratio=… p99_ms=… lost=… duplicated=…
"""
from __future__ import annotations

import argparse
import http.client
import os
import queue
import re
import statistics
import subprocess
import sys
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
GUNICORN = [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", "2", "--threads", "8", "--log-level", "warning"]


class Session:
    """One browser: a keep-alive connection and a cookie jar of one cookie."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""

    def request(self, method: str, path: str, form: dict | None = None, accept: str = "text/html") -> tuple[int, str]:
        headers = {"Cookie": self.cookie, "Accept": accept} if self.cookie else {"Accept": accept}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, text


def run_load(port: int, jobs: list, concurrency: int, make_request, cpu: dict | None = None, server=None
             ) -> tuple[list[float], list[int], float]:
    work: queue.Queue = queue.Queue()
    for job in jobs:
        work.put(job)
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def worker():
        while True:
            try:
                job = work.get_nowait()
            except queue.Empty:
                return
            started = time.perf_counter()
            status = make_request(job)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses.append(status)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    workers = workers_of(server) if server else []
    before = cpu_seconds(workers), cpu_seconds(postgres_pids()), os.times()
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if cpu is not None:  # CPU milliseconds per request: the web server's workers, PostgreSQL, this client
        mine = os.times()
        cpu.update(server=cpu_used_since(before[0], workers) * 1000 / len(jobs),
                   database=cpu_used_since(before[1], postgres_pids()) * 1000 / len(jobs),
                   client=(mine.user + mine.system - before[2].user - before[2].system) * 1000 / len(jobs))
    return latencies, statuses, elapsed


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds used so far by each of these processes (Linux /proc; none elsewhere)."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def cpu_used_since(before: dict[int, float], pids: list[int]) -> float:
    """CPU seconds these processes used since ``before`` (processes started since then count in full)."""
    return sum(now - before.get(pid, 0.0) for pid, now in cpu_seconds(pids).items())


def workers_of(server: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


def postgres_pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
            and (p / "comm").exists() and (p / "comm").read_text().strip().startswith("postgres")]


def run_parallel(function, items, concurrency: int) -> list:
    """``function`` over ``items`` in ``concurrency`` threads, results in order (untimed set-up work)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(function, items))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL", "postgresql://root@127.0.0.1:5432/test")
    if not base.startswith("postgres"):
        sys.exit("bench/cast.py needs PostgreSQL in DATABASE_URL")
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret", "FLASK_APP": "app:create_app",
           "LOGIN_RATE_LIMIT": "1000000 per minute", "LOGIN_ADDRESS_RATE_LIMIT": "1000000 per minute",
           "VOTE_RATE_LIMIT": "1000000 per minute", "LOG_LEVEL": "WARNING"}
    servers = []
    try:
        subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        round_id, option_ids, emails = seed(env, 2 * args.voters)

        port = free_port()
        real = subprocess.Popen(GUNICORN + ["-b", f"127.0.0.1:{port}", "app:create_app()"], cwd=ROOT, env=env)
        servers.append(real)
        wait_for(port, real)
        def log_in(email):  # not timed: log every voter in and keep their CSRF token
            s = Session(port)
            _status, page = s.request("GET", "/account/login")
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            status, _ = s.request("POST", "/account/login", {"email": email, "password": "bench-password-1",
                                                             "csrf_token": token})
            assert status == 302, status
            _status, page = s.request("GET", f"/votes/{round_id}")  # login starts a new session: new token
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            return s, token

        sessions = run_parallel(log_in, emails, args.concurrency)

        def caster(accept: str):
            def cast(job):
                s, token = job
                s.conn.close()  # the idle keep-alive from the login has timed out; connect afresh
                status, _ = s.request("POST", f"/votes/{round_id}/ballot",
                                      {"pick": [option_ids[hash(token) % len(option_ids)]], "csrf_token": token},
                                      accept=accept)
                return status
            return cast

        # What the ballot page's script sends (the receipt comes back as JSON and is shown in place) ...
        cast_cpu, page_cpu, bare_cpu = {}, {}, {}
        cast_lat, cast_status, cast_time = run_load(port, sessions[:args.voters], args.concurrency,
                                                    caster("application/json"), cast_cpu, real)
        # ... and the same form posted without script, answered with the receipt page.
        page_lat, page_status, page_time = run_load(port, sessions[args.voters:], args.concurrency,
                                                    caster("text/html"), page_cpu, real)
        real.terminate()
        real.wait()

        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE TABLE "{schema}".bench_bare (id serial PRIMARY KEY, value varchar(64))'))
        bare_port = free_port()
        bare = subprocess.Popen(GUNICORN + ["-b", f"127.0.0.1:{bare_port}", "bench.bare_app:app"], cwd=ROOT, env=env)
        servers.append(bare)
        wait_for(bare_port, bare)
        # Warm it up as the logins warmed the real server (pooled connections, prepared statements).
        run_parallel(lambda _i: Session(bare_port).request("POST", "/insert", {"value": "warm-up"}), range(200),
                     args.concurrency)
        bare_sessions = [Session(bare_port) for _ in range(args.concurrency)]
        jobs = [(bare_sessions[i % args.concurrency], i) for i in range(len(emails))]
        lock_per_session = {id(s): threading.Lock() for s in bare_sessions}

        def insert(job):
            s, i = job
            with lock_per_session[id(s)]:
                s.conn.close()  # a fresh connection per request, like the real path above
                status, _ = s.request("POST", "/insert", {"value": str(i)})
            return status

        bare_lat, bare_status, bare_time = run_load(bare_port, jobs, args.concurrency, insert, bare_cpu, bare)
        bare.terminate()
        bare.wait()

        # The stack's floor: the same insert behind Flask-Login and the CSRF check, one session per voter.
        floor_port = free_port()
        floor = subprocess.Popen(GUNICORN + ["-b", f"127.0.0.1:{floor_port}", "bench.floor_app:app"], cwd=ROOT,
                                 env=env)
        servers.append(floor)
        wait_for(floor_port, floor)
        with admin.connect() as conn:
            user_ids = list(conn.execute(sa.text(f'SELECT id FROM "{schema}"."user" WHERE email LIKE :p ORDER BY id'),
                                         {"p": "voter%@example.com"}).scalars())

        def floor_log_in(user_id):
            s = Session(floor_port)
            status, token = s.request("GET", f"/login/{user_id}")
            assert status == 200, status
            return s, token

        floor_sessions = run_parallel(floor_log_in, user_ids, args.concurrency)

        def floor_insert(job):
            s, token = job
            s.conn.close()
            status, _ = s.request("POST", "/insert", {"value": "floor", "csrf_token": token})
            return status

        floor_cpu = {}
        _lat, floor_status, floor_time = run_load(floor_port, floor_sessions, args.concurrency, floor_insert,
                                                   floor_cpu, floor)
        floor.terminate()
        floor.wait()

        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            ballots = conn.execute(sa.text("SELECT count(*) FROM ballot WHERE round_id = :r"), {"r": round_id}).scalar()
            roll = conn.execute(sa.text("SELECT count(*) FROM voter_roll WHERE round_id = :r"), {"r": round_id}).scalar()
            bare_rows = conn.execute(sa.text("SELECT count(*) FROM bench_bare WHERE value NOT IN ('warm-up', 'floor')")).scalar()
            floor_rows = conn.execute(sa.text("SELECT count(*) FROM bench_bare WHERE value = 'floor'")).scalar()
        engine.dispose()

        page_ok = sum(1 for s in page_status if 200 <= s < 300)
        ok = sum(1 for s in cast_status if 200 <= s < 300)
        bare_ok = sum(1 for s in bare_status if 200 <= s < 300)
        floor_ok = sum(1 for s in floor_status if 200 <= s < 300)
        cast_rps, bare_rps = ok / cast_time, bare_ok / bare_time
        p99 = statistics.quantiles(cast_lat, n=100)[98] * 1000 if len(cast_lat) > 1 else cast_lat[0] * 1000
        lost = max(0, ok + page_ok - ballots) + max(0, bare_ok - bare_rows) + max(0, floor_ok - floor_rows)
        duplicated = (max(0, ballots - ok - page_ok) + max(0, ballots - roll) + max(0, bare_rows - bare_ok)
                      + max(0, floor_rows - floor_ok))
        print(f"real path, ballot page with script (JSON reply): {ok}/{len(cast_status)} ballots 2xx in "
              f"{cast_time:.2f}s; statuses {sorted(set(cast_status))}")
        print(f"real path, without script (receipt page): {page_ok}/{len(page_status)} ballots 2xx in {page_time:.2f}s; "
              f"statuses {sorted(set(page_status))}; cast_rps_page={page_ok / page_time:.1f} "
              f"p99_ms_page={statistics.quantiles(page_lat, n=100)[98] * 1000:.1f}")
        print(f"stored: ballots={ballots} roll={roll}")
        for name, cpu in (("ballot, JSON reply", cast_cpu), ("ballot, receipt page", page_cpu), ("bare insert", bare_cpu),
                          ("floor (login + CSRF + insert)", floor_cpu)):
            print(f"CPU ms per request, {name}: web workers {cpu['server']:.2f}, PostgreSQL {cpu['database']:.2f}, "
                  f"load client {cpu['client']:.2f}")
        print(f"bare insert: {bare_ok}/{len(bare_status)} 2xx in {bare_time:.2f}s; rows={bare_rows}; "
              f"p99_ms_bare={statistics.quantiles(bare_lat, n=100)[98] * 1000:.1f}")
        floor_rps = floor_ok / floor_time
        print(f"stack floor (Flask-Login + CSRF + the same insert): {floor_ok}/{len(floor_status)} 2xx in "
              f"{floor_time:.2f}s; rows={floor_rows}; floor_rps={floor_rps:.1f} floor_ratio={floor_rps / bare_rps:.2f} "
              f"cast_vs_floor={cast_rps / floor_rps:.2f}")
        print(f"cast_rps={cast_rps:.1f} bare_rps={bare_rps:.1f} ratio={cast_rps / bare_rps:.2f} "
              f"p99_ms={p99:.1f} lost={lost} duplicated={duplicated}")
    finally:
        for proc in servers:
            if proc.poll() is None:
                proc.kill()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def seed(env: dict, voters: int):
    """Voters, a staff member and an open approval round, written through the services."""
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY")})
    from datetime import timedelta

    from app import create_app
    from app.auth.models import SiteRole, User
    from app.auth.services import hash_password
    from app.extensions import db
    from app.utils import now
    from app.voting import services

    app = create_app()
    with app.app_context():
        password_hash = hash_password("bench-password-1")
        staff = User(email="bench-staff@example.com", display_name="bench", password_hash=password_hash,
                     role=SiteRole.STAFF, email_verified_at=now())
        db.session.add(staff)
        emails = [f"voter{i}@example.com" for i in range(voters)]
        db.session.add_all(User(email=e, display_name=f"v{i}", password_hash=password_hash,
                                email_verified_at=now()) for i, e in enumerate(emails))
        db.session.commit()
        round_ = services.save_round(None, actor=staff, title="bench", description="", method="approval",
                                     eligibility="any_user", body_id=None, budget=None, min_picks=None,
                                     max_picks=1, seats=1, tally_rule="greedy", allow_revote=False,
                                     live_results=False)
        for title in "ABCDE":
            services.add_option(round_, title=title, description="", cost=0, proposer_id=None, actor=staff)
        services.schedule(round_, now() - timedelta(minutes=1), now() + timedelta(hours=2), actor=staff)
        services.open_round(round_, actor=staff)
        option_ids = [str(o.id) for o in round_.options]
        round_id = round_.id
        db.engine.dispose()
    return round_id, option_ids, emails


if __name__ == "__main__":
    main()
