"""Browser-test support: a live server process on its own database, Debian's Chromium, watched pages.

The server runs as its own process on a database of its own (migrated and
seeded with the demo district, exactly as `make run` does).
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from tests.conftest import ROOT, TEST_NOW, Database

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    database = Database(tmp_path_factory.mktemp("e2e"), "e2e")
    env = {**os.environ, "DATABASE_URL": database.url, "SECRET_KEY": "e2e-secret", "FLASK_APP": "app:create_app",
           "PORT": str(_free_port()), "HOST": "127.0.0.1", "LOG_LEVEL": "WARNING",
           # Journeys log many people in from one address; the limits have tests of their own.
           "LOGIN_RATE_LIMIT": "1000 per minute", "LOGIN_ADDRESS_RATE_LIMIT": "1000 per minute",
           "RATELIMIT_STORAGE_URI": "memory://",
           # The server's clock starts at the suite's moment and runs on: the same pages on any day.
           "CLOCK_START": TEST_NOW.isoformat()}
    env["SITE_URL"] = f"http://127.0.0.1:{env['PORT']}"
    flask = [sys.executable, "-m", "flask"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    # The log goes to a file: a pipe nobody reads fills up and freezes the server.
    log = open(tmp_path_factory.mktemp("e2e-log") / "server.log", "w+")
    worker = None
    if env.get("REDIS_URL"):
        # The production topology: tasks go through Redis to a worker of their own (own queue).
        env["CELERY_QUEUE"] = f"e2e-{os.getpid()}-{env['PORT']}"
        worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "app.celery_app", "worker", "--pool=solo",
                                   "-Q", env["CELERY_QUEUE"], "--loglevel=WARNING", "--without-heartbeat",
                                   "--without-gossip", "--without-mingle"], cwd=ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT, text=True)
    server = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", int(env["PORT"])), timeout=1).close()
            break
        except OSError:
            assert server.poll() is None, open(log.name).read()
            time.sleep(0.2)
    engine = sa.create_engine(database.url.replace("postgresql://", "postgresql+psycopg://"))
    yield {"url": env["SITE_URL"], "engine": engine}
    server.terminate()
    server.wait(timeout=10)
    if worker is not None:
        worker.terminate()
        worker.wait(timeout=20)
    log.close()
    engine.dispose()
    database.drop()


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


class Watched:
    """A page that records console errors (CSP violations show up there)."""

    def __init__(self, context, artifacts, prefix):
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.artifacts = artifacts
        self.prefix = prefix

    def _console(self, message):
        # A form sent back with its errors answers 422 on purpose; anything else is a fault.
        if message.type == "error" and "status of 422" not in message.text:
            self.errors.append(message.text)

    def shot(self, name: str):
        self.page.screenshot(path=str(self.artifacts / f"{self.prefix}-{name}.png"), full_page=True)

    def fits_width(self) -> bool:
        width = self.page.evaluate("window.innerWidth")
        return self.page.evaluate("document.documentElement.scrollWidth") <= width


def _latest_link(engine, email: str, word: str) -> str:
    with engine.connect() as conn:
        body = conn.execute(sa.text(
            "SELECT body FROM outbox_message WHERE recipient = :r AND subject LIKE :w ORDER BY id DESC"),
            {"r": email, "w": f"%{word}%"}).scalar()
    assert body, f"no mail for {email}"
    return re.search(r"https?://[^/\s]+(/\S+)", body).group(1)



def login(page, base: str, email: str, password: str = "demo-password-2026") -> None:
    page.goto(base + "/account/login")
    page.get_by_label("이메일").fill(email)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="로그인").click()
    assert "로그인되었습니다" in page.inner_text("body")
