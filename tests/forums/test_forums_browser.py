"""Realtime discussion in real browsers: two people on one agenda item see each other's posts without reloading;
one drops off the network and, back online, receives what it missed; the live Q&A re-sorts as people vote."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.browser_support import Watched, browser, live_server, login  # noqa: F401

pytestmark = pytest.mark.browser

NETWORK_NOISE = ("ERR_INTERNET_DISCONNECTED", "ERR_NAME_NOT_RESOLVED", "WebSocket", "socket.io", "ERR_CONNECTION")


def _errors(watched: Watched) -> list[str]:
    return [e for e in watched.errors if not any(n in e for n in NETWORK_NOISE)]


def _send(page, text: str) -> None:
    """Post through the thread form and wait for the server's acknowledgement (the form clears then)."""
    page.locator("#body").fill(text)
    page.get_by_role("button", name="올리기").click()
    page.wait_for_function("() => document.querySelector('#body').value === ''", timeout=10_000)


def _live(page) -> None:
    """Wait until the page's socket has joined its room (the presence count shows then)."""
    page.locator(".forum-presence").first.wait_for(state="visible", timeout=15_000)


def test_posts_arrive_live_and_a_reconnecting_browser_catches_up(live_server, browser, artifacts):
    base, engine = live_server["url"], live_server["engine"]
    with engine.connect() as conn:
        item_id = conn.execute(sa.text("SELECT agenda_item_id FROM forum_thread WHERE kind = 'agenda' "
                                       "ORDER BY id LIMIT 1")).scalar()
    phone = browser.new_context(viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True, locale="ko-KR")
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    writer, reader = Watched(phone, artifacts, "forum-writer"), Watched(desk, artifacts, "forum-reader")
    login(writer.page, base, "resident@demo.hyeopchi.kr")
    login(reader.page, base, "member@demo.hyeopchi.kr")
    for w in (writer, reader):
        w.page.goto(f"{base}/agenda/{item_id}#thread-agenda-{item_id}")
        _live(w.page)
        w.page.evaluate("window.__notReloaded = true")
    assert "볼라드형 조명" in reader.page.inner_text(".forum-thread")  # the seeded discussion
    writer.page.locator(".forum-presence-count", has_text="2").wait_for(timeout=10_000)  # both are counted

    # 1. A post from the phone appears on the desk without a reload.
    page = writer.page
    _send(page, "실시간으로 보이나요? **굵게**")  # over the socket: the form clears, the page stays
    posted = reader.page.locator(".forum-post", has_text="실시간으로 보이나요?")
    posted.wait_for(timeout=10_000)
    assert posted.locator(".forum-post-body strong").inner_text() == "굵게"
    assert page.evaluate("window.__notReloaded") and reader.page.evaluate("window.__notReloaded")
    writer.shot("1-posted")
    assert writer.fits_width()

    # 2. A reply, written through the reply link, lands under its parent on the other screen.
    first = page.locator(".forum-post", has_text="실시간으로 보이나요?").first
    first.locator(".forum-reply").first.click()
    assert "박주민님의 글에 답글을 씁니다" in page.inner_text(".forum-replying")
    _send(page, "답글도 바로 갑니다")
    reply = reader.page.locator(".forum-post", has_text="실시간으로 보이나요?").locator(".forum-replies .forum-post",
                                                                                     has_text="답글도 바로 갑니다")
    reply.wait_for(timeout=10_000)

    # 3. The desk drops off the network; two posts go by; back online it receives both from the server.
    desk.set_offline(True)
    reader.page.evaluate("window.HyeopchiForums.socket().io.engine.close()")  # the dropped connection
    reader.page.locator(".forum-connection").wait_for(state="visible", timeout=10_000)
    assert "연결이 끊겼습니다" in reader.page.inner_text(".forum-connection")
    for text in ("끊긴 동안 쓴 첫 글", "끊긴 동안 쓴 둘째 글"):
        _send(page, text)
        page.locator(".forum-post", has_text=text).wait_for(timeout=10_000)
    assert reader.page.locator(".forum-post", has_text="끊긴 동안").count() == 0
    desk.set_offline(False)
    reader.page.locator(".forum-post", has_text="끊긴 동안 쓴 둘째 글").wait_for(timeout=20_000)
    assert reader.page.locator(".forum-post", has_text="끊긴 동안 쓴 첫 글").count() == 1
    assert reader.page.evaluate("window.__notReloaded")  # caught up by replay, not by reloading
    texts = reader.page.locator(".forum-posts > .forum-post").all_inner_texts()
    assert [i for i, t in enumerate(texts) if "끊긴 동안" in t] == sorted(i for i, t in enumerate(texts) if "끊긴 동안" in t)
    reader.shot("2-caught-up")

    # 4. Reactions go over the socket and show on the other screen.
    target = reader.page.locator(".forum-post", has_text="끊긴 동안 쓴 첫 글")
    target.locator(".forum-agree").click()
    page.locator(".forum-post", has_text="끊긴 동안 쓴 첫 글").locator(".forum-agree .forum-count").filter(
        has_text="1").wait_for(timeout=10_000)
    target.locator(".forum-agree[aria-pressed=true]").wait_for(timeout=10_000)  # once the server acknowledged

    assert _errors(writer) == [] and _errors(reader) == []
    phone.close()
    desk.close()


def test_live_questions_resort_as_people_vote(live_server, browser, artifacts):
    base, engine = live_server["url"], live_server["engine"]
    with engine.connect() as conn:
        event_id = conn.execute(sa.text("SELECT event_id FROM forum_question ORDER BY id LIMIT 1")).scalar()
    phone = browser.new_context(viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True, locale="ko-KR")
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    asker, voter = Watched(phone, artifacts, "qa-asker"), Watched(desk, artifacts, "qa-voter")
    login(asker.page, base, "resident@demo.hyeopchi.kr")
    login(voter.page, base, "chair@demo.hyeopchi.kr")
    for w in (asker, voter):
        w.page.goto(f"{base}/forums/events/{event_id}/qa")
        w.page.wait_for_function("() => window.HyeopchiForums && window.HyeopchiForums.connected()", timeout=15_000)

    page = asker.page
    page.locator("#qa-body").fill("온라인 참석자도 투표할 수 있나요?")
    page.locator("label[for=qa-anonymous]").click()
    page.get_by_role("button", name="질문하기").click()
    mine = voter.page.locator(".qa-item", has_text="온라인 참석자도 투표할 수 있나요?")
    mine.wait_for(timeout=10_000)
    assert "익명" in mine.inner_text() and "박주민" not in mine.inner_text()
    last = voter.page.locator(".qa-list > .qa-item[data-state=open]").last
    assert "온라인 참석자도" in last.inner_text()  # no votes yet: at the bottom of the open questions
    assert "답변 완료" in voter.page.locator(".qa-list > .qa-item").last.inner_text()  # answered ones below

    # Votes from the desk push it up on the phone, live.
    before = page.locator(".qa-list > .qa-item").all_inner_texts()
    position = next(i for i, t in enumerate(before) if "온라인 참석자도" in t)
    mine.locator(".qa-vote").click()
    page.wait_for_function(
        "() => { const items = [...document.querySelectorAll('.qa-list > .qa-item')];"
        " const i = items.findIndex(el => el.textContent.includes('온라인 참석자도'));"
        " return i >= 0 && items[i].querySelector('.qa-vote-count').textContent === '1'; }", timeout=10_000)
    after = page.locator(".qa-list > .qa-item").all_inner_texts()
    assert next(i for i, t in enumerate(after) if "온라인 참석자도" in t) <= position
    asker.shot("1-questions")
    assert asker.fits_width()
    assert re.search(r"\d", page.inner_text(".qa-count"))
    assert _errors(asker) == [] and _errors(voter) == []
    phone.close()
    desk.close()
