"""Meetings and the live console in a real browser.

The chair of 복지건강분과 schedules a meeting on a phone, calls the roll (quorum met), decides an agenda
item, writes and publishes the minutes, and a visitor reads them from the body page. Then staff post
an announcement from the console of the demo's online town hall, and a second browser on the live page
sees it appear without reloading.
"""
from __future__ import annotations

from datetime import timedelta, timezone

import pytest
import sqlalchemy as sa

from tests.browser_support import Watched, browser, live_server, login  # noqa: F401
from tests.conftest import TEST_NOW

pytestmark = pytest.mark.browser
KST = timezone(timedelta(hours=9))


def _scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def test_chair_runs_a_meeting_and_a_visitor_reads_the_minutes(live_server, browser, artifacts):
    base, engine = live_server["url"], live_server["engine"]
    body_id = _scalar(engine, "SELECT id FROM body WHERE name = '복지건강분과'")
    phone = browser.new_context(viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True, locale="ko-KR")
    chair = Watched(phone, artifacts, "meeting-chair")
    page = chair.page
    login(page, base, "chair@demo.hyeopchi.kr")

    # 1. Schedule a meeting that started an hour ago, with the first item the subcommittee holds.
    page.goto(f"{base}/bodies/{body_id}")
    page.get_by_role("link", name="회의 열기").click()
    start = (TEST_NOW.replace(tzinfo=timezone.utc).astimezone(KST) - timedelta(hours=1)).replace(minute=0)
    page.get_by_label("회의 이름").fill("복지건강분과 긴급회의")
    page.get_by_label("시작 시각").fill(start.strftime("%H:%M"))
    page.get_by_label("끝나는 시각").fill("23:59")
    page.get_by_label("장소").fill("주민협치센터 2층 소회의실")
    first_item = page.locator("input[name=agenda_item_ids]").first
    label = page.locator(f"label[for={first_item.get_attribute('id')}]")
    item_title = label.inner_text().replace(label.locator(".card-meta").inner_text(), "").strip()
    label.click()  # KRDS draws the box on the label
    assert first_item.is_checked()
    chair.shot("1-schedule")
    page.get_by_role("button", name="회의 열기").click()
    assert "회의를 열었습니다" in page.inner_text("main") or "회의를 열었습니다" in page.inner_text("body")
    assert chair.fits_width()

    # 2. Roll call: four of the six members are here, a majority.
    boxes = page.locator("input[name=present]")
    assert boxes.count() == 6
    for i in range(4):
        page.locator(f"label[for={boxes.nth(i).get_attribute('id')}]").click()
    page.get_by_role("button", name="출석 저장").click()
    assert "의사정족수(4명)가 찼습니다" in page.inner_text("body")
    assert "정족수 충족" in page.inner_text("#quorum-status")
    chair.shot("2-roll-call")

    # 3. Decide the item: up to the working council.
    page.locator("details.decide-box summary").first.click()
    page.locator("select[id$=-outcome]").first.select_option("advance")
    page.locator("textarea[id$=-reason]").first.fill("분과 논의를 마쳐 분과실무협의회로 올립니다.")
    page.get_by_role("button", name="결정 기록").first.click()
    assert "이 안건을 결정할까요?" in page.inner_text("main")
    page.locator(".confirm-form").get_by_role("button", name="결정 기록").click()
    assert "결정을 기록하고 의제를 옮겼습니다" in page.inner_text("body")
    assert "가결: 다음 단계로 올림" in page.inner_text("#agenda")
    chair.shot("3-decided")
    assert chair.fits_width()

    # 4. Minutes: the draft starts from the record; add the discussion, save, publish.
    page.get_by_role("link", name="회의록 쓰기").click()
    editor = page.locator("#body_md")
    assert "재적 6명 중 4명" in editor.input_value() and item_title in editor.input_value()
    editor.fill(editor.input_value().replace("## 논의 내용\n", "## 논의 내용\n\n돌봄 쉼터 운영 시간은 **저녁 9시까지**로 제안합니다.\n"))
    page.get_by_role("button", name="초안 저장").click()
    assert "저녁 9시까지" in page.inner_text(".minutes-preview")
    chair.shot("4-minutes-draft")
    page.get_by_role("button", name="저장된 초안을 공개").click()
    page.locator(".confirm-form").get_by_role("button", name="회의록 공개").click()
    assert "회의록을 공개했습니다" in page.inner_text("body")
    assert chair.fits_width()
    chair.shot("5-minutes-published")

    # 5. A visitor finds the minutes on the body page.
    visitor_context = browser.new_context(viewport={"width": 360, "height": 780}, is_mobile=True, locale="ko-KR")
    visitor = Watched(visitor_context, artifacts, "meeting-visitor")
    visitor.page.goto(f"{base}/bodies/{body_id}")
    visitor.page.locator("a.minutes-link", has_text="복지건강분과 긴급회의").click()
    main = visitor.page.inner_text("main")
    assert "복지건강분과 긴급회의" in main and "저녁 9시까지" in main and "재적 6명 중 4명" in main
    assert visitor.page.locator(".minutes-body strong", has_text="저녁 9시까지").count() == 1
    visitor.shot("6-minutes")
    assert visitor.fits_width()
    assert chair.errors == [] and visitor.errors == []
    phone.close()
    visitor_context.close()


def test_a_console_announcement_reaches_the_live_page_without_reload(live_server, browser, artifacts):
    base, engine = live_server["url"], live_server["engine"]
    event_id = _scalar(engine, "SELECT id FROM event WHERE title LIKE '온라인 타운홀%'")

    # A resident follows the live page on a phone.
    phone = browser.new_context(viewport={"width": 360, "height": 780}, is_mobile=True, locale="ko-KR")
    follower = Watched(phone, artifacts, "live-follower")
    login(follower.page, base, "resident@demo.hyeopchi.kr")
    follower.page.goto(f"{base}/events/{event_id}/live")
    follower.page.locator('[data-live="connection"].connected').wait_for(timeout=15_000)
    assert "2부 · 분과별 돌봄 사업 설명" in follower.page.inner_text("main")
    follower.page.evaluate("window.__notReloaded = true")
    follower.shot("1-before")

    # Staff post from the console (the form posts and redirects: no script needed there).
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    staff = Watched(desk, artifacts, "live-console")
    login(staff.page, base, "staff@demo.hyeopchi.kr")
    staff.page.goto(f"{base}/events/{event_id}/console")
    staff.page.locator("#notice-text").fill("3부 토론은 14시 10분에 시작합니다.")
    staff.page.get_by_role("button", name="공지 올리기").click()
    assert "공지를 올렸습니다" in staff.page.inner_text("body")
    staff.page.locator("#segment-title").fill("3부 · 주민 토론")
    staff.page.get_by_role("button", name="지금 순서 바꾸기").click()
    staff.shot("2-console")

    # The follower's page changes in place.
    follower.page.locator('[data-live="announcements"] li', has_text="3부 토론은 14시 10분에 시작합니다.").wait_for(timeout=15_000)
    follower.page.locator('[data-live="segment-title"]', has_text="3부 · 주민 토론").wait_for(timeout=15_000)
    assert follower.page.evaluate("window.__notReloaded") is True
    follower.shot("3-after")
    assert follower.fits_width()
    # Joining while the town hall is on counted the resident as an online attendee.
    assert _scalar(engine, "SELECT count(*) FROM event_attendance a JOIN \"user\" u ON u.id = a.user_id "
                           "WHERE a.event_id = :e AND u.email = 'resident@demo.hyeopchi.kr' AND a.mode = 'online'",
                   e=event_id) == 1
    assert follower.errors == [] and staff.errors == []
    phone.close()
    desk.close()
