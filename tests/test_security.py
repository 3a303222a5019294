"""The security baseline a resident relies on without seeing it."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.factories import PASSWORD
from tests.helpers import text


class InlineCodeFinder(HTMLParser):
    """Collects anything a strict Content-Security-Policy would block."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        for name in names:
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name == "style":
                self.problems.append(f"{tag}[style]")
        for name, value in attrs:
            if name == "href" and value and value.strip().lower().startswith("javascript:"):
                self.problems.append("javascript: link")


def test_a_post_without_a_csrf_token_is_refused_with_a_clear_message(client, db, app, make):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make.user()
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "보안 토큰이 없거나 만료되었습니다" in text(response)
    # the real form carries the token and works
    page = text(client.get("/account/login"))
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    ok = client.post("/account/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert ok.status_code == 302


def test_pages_carry_security_headers_and_a_strict_csp(client, db):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_logged_in_pages_are_not_cached(client, db, auth, make):
    auth.login(make.user())
    assert "no-store" in client.get("/account/me").headers["Cache-Control"]


@pytest.fixture
def demo(db):
    from app.demo import seed_demo

    seed_demo()
    return db


def _crawl(client, start: list[str], limit: int = 80) -> dict[str, int]:
    """Follow same-site GET links from ``start`` and return the status of each page."""
    import re

    seen: dict[str, int] = {}
    queue = list(start)
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        seen[path] = response.status_code
        if response.mimetype != "text/html":
            continue
        body = text(response)
        finder = InlineCodeFinder()
        finder.feed(body)
        assert finder.problems == [], f"{path}: {finder.problems}"
        for href in re.findall(r'href="(/[^"#]*)"', body):
            if href.startswith(("/static/", "/lang/", "/account/me/export")) or href in seen:
                continue
            queue.append(href.replace("&amp;", "&"))
    return seen


@pytest.mark.parametrize("who", ["visitor", "resident", "chair", "staff", "admin"])
def test_every_reachable_page_renders_without_error_or_inline_code(client, db, demo, who):
    if who != "visitor":
        client.post("/account/login", data={"email": f"{who}@demo.hyeopchi.kr", "password": "demo-password-2026"})
    statuses = _crawl(client, ["/", "/bodies/", "/admin/", "/account/me", "/admin/users", "/admin/audit"])
    assert len(statuses) > 10
    bad = {path: status for path, status in statuses.items() if status >= 500}
    assert bad == {}
    if who in ("staff", "admin"):
        assert statuses["/admin/audit"] == 200
    elif who == "visitor":
        assert statuses["/admin/"] == 302


def test_bad_query_values_and_ids_never_give_500(client, db, auth, make):
    auth.login(make.admin())
    for path in ["/admin/users?page=abc", "/admin/users?page=-5", "/admin/audit?actor=x&page=999999",
                 "/bodies/abc", "/bodies/0", "/admin/users/0", "/account/reset/%00", "/lang/xx?next=//evil.example"]:
        assert client.get(path).status_code < 500, path
    assert client.get("/lang/en?next=//evil.example").headers["Location"] == "/"


def test_english_is_offered_and_korean_is_the_default(client, db, make):
    make.body()
    assert 'lang="ko"' in text(client.get("/"))
    client.get("/lang/en?next=/bodies/")
    page = text(client.get("/bodies/"))
    assert 'lang="en"' in page
    assert "Governance bodies" in page and "District council" in page
    assert "Log in" in page
    client.get("/lang/ko")
    assert "로그인" in text(client.get("/"))
