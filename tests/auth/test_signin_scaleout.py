"""Logging out on one server process drops the person's sockets on the others, through the Redis message queue,
without waiting for the periodic re-check (turned off here).

Runs only with REDIS_URL (CI sets it)."""
from __future__ import annotations

import os
import re
import time

import pytest

from tests.conftest import Database
from tests.forums.cluster import Cluster, cookie_header, login_session, server_env
from tests.forums.test_scaleout import PASSWORD, Listener, _prepare

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL); CI always sets it")


def _dropped(listener: Listener, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if "/forums" not in listener.client.namespaces:
            return True
        time.sleep(0.05)
    return False


def _post(listener: Listener, room: str, body: str, client_id: str) -> dict:
    return listener.client.call("post", {"room": room, "body": body, "client_id": client_id}, namespace="/forums",
                                timeout=10)


def test_logging_out_on_one_process_drops_the_sockets_on_every_process(tmp_path):
    database = Database(tmp_path, "signout")
    try:
        ids = _prepare(database.url)
        env = server_env(database.url, REDIS_URL=os.environ["REDIS_URL"], SOCKET_REAUTH_SECONDS=0)
        with Cluster(env, 2, tmp_path) as cluster:
            one, two = cluster.urls
            room = f"agenda-{ids['item']}"
            browser = login_session(one, "scale@example.com", PASSWORD)
            other_browser = login_session(two, "scale@example.com", PASSWORD)
            here, there = Listener(one, cookie_header(browser)), Listener(two, cookie_header(browser))
            untouched = Listener(two, cookie_header(other_browser))  # the same person, another login
            try:
                for listener in (here, there, untouched):
                    listener.join(room)
                reply = _post(there, room, "로그아웃 전", "before")
                assert reply.get("ok"), reply

                page = browser.get(f"{one}/account/me", timeout=10).text
                csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
                response = browser.post(f"{one}/account/logout", data={"csrf_token": csrf}, allow_redirects=False,
                                        timeout=10)
                assert response.status_code == 302
                assert _dropped(here) and _dropped(there)  # process 2 heard it through the queue
                assert "/forums" in untouched.client.namespaces
                reply = _post(untouched, room, "다른 로그인은 그대로", "other-login")
                assert reply.get("ok"), reply
            finally:
                for listener in (here, there, untouched):
                    try:
                        listener.close()
                    except Exception:
                        pass
                time.sleep(0.2)
    finally:
        database.drop()
