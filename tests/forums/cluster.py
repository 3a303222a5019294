"""Run the app as real server processes (``python -m app``) on loopback, for scale-out tests.

Each process is what production runs: Flask-SocketIO in threading mode, sharing the database and,
with ``REDIS_URL``, a Redis message queue on a channel of its own (so concurrent runs never mix).
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url: str, **extra) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "cluster-secret", "FLASK_APP": "app:create_app",
           "HOST": "127.0.0.1", "LOG_LEVEL": "WARNING", "RATELIMIT_STORAGE_URI": "memory://",
           "LOGIN_RATE_LIMIT": "1000 per minute", "LOGIN_ADDRESS_RATE_LIMIT": "1000 per minute",
           "SOCKETIO_CHANNEL": f"forums-test-{uuid.uuid4().hex[:8]}"}
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Cluster:
    """Start ``count`` server processes sharing ``env``; stop them all on exit."""

    def __init__(self, env: dict, count: int, log_dir: Path):
        self.env, self.count, self.log_dir = env, count, log_dir
        self.procs: list[subprocess.Popen] = []
        self.urls: list[str] = []
        self.logs = []

    def __enter__(self):
        for n in range(self.count):
            port = free_port()
            env = {**self.env, "PORT": str(port), "SITE_URL": f"http://127.0.0.1:{port}"}
            log = open(self.log_dir / f"server-{n}.log", "w+")
            self.logs.append(log)
            self.procs.append(subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=env, stdout=log,
                                               stderr=subprocess.STDOUT, text=True))
            self.urls.append(f"http://127.0.0.1:{port}")
        for proc, url, log in zip(self.procs, self.urls, self.logs):
            wait_for(url, proc, log)
        return self

    def __exit__(self, *exc):
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in self.logs:
            log.close()


def wait_for(url: str, proc: subprocess.Popen, log, seconds: float = 30) -> None:
    port = int(url.rsplit(":", 1)[1])
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"server on {url} exited:\n{log.read()}")
            time.sleep(0.2)
    raise RuntimeError(f"server on {url} did not start")


def login_session(base: str, email: str, password: str) -> requests.Session:
    """A requests session logged in through the real login form (CSRF token included)."""
    session = requests.Session()
    page = session.get(base + "/account/login", timeout=10).text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = session.post(base + "/account/login", data={"email": email, "password": password, "csrf_token": csrf},
                            allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text[:500]
    return session


def cookie_header(session: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)
