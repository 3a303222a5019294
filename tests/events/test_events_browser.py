"""A town hall in a real browser: staff create it with three seats, four residents register (the
fourth is waitlisted), one cancels and the waitlisted one is promoted, staff check two in at the
door on a phone, and the statistics page counts them."""
from __future__ import annotations

import re
import time
from datetime import timedelta, timezone

import pytest
import sqlalchemy as sa

from tests.browser_support import Watched, browser, live_server, login  # noqa: F401
from tests.conftest import TEST_NOW

pytestmark = pytest.mark.browser

KST = timezone(timedelta(hours=9))
RESIDENTS = ["resident@demo.hyeopchi.kr", "member@demo.hyeopchi.kr", "wc-chair@demo.hyeopchi.kr",
             "pc-chair@demo.hyeopchi.kr"]


def _shot(watched, name: str) -> None:
    watched.page.evaluate("document.fonts.ready.then(() => true)")  # Korean web fonts, not tofu
    watched.shot(name)


def _report_row(page, base: str, start: str, end: str) -> tuple[int, int]:
    page.goto(f"{base}/reports/participation?start={start}&end={end}")
    cells = page.locator("tr[data-key='event:town_hall'] td").all_inner_texts()
    return int(re.sub(r"\D", "", cells[0])), int(re.sub(r"\D", "", cells[1]))


def _status_of(engine, event_id: int, email: str) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.text(
            'SELECT r.status FROM event_registration r JOIN "user" u ON u.id = r.user_id '
            "WHERE r.event_id = :e AND u.email = :m"), {"e": event_id, "m": email}).scalar()


def test_town_hall_from_creation_to_statistics(live_server, browser, artifacts):
    base, engine = live_server["url"], live_server["engine"]
    # Starting 40 minutes after the server's clock starts: registration is still open, and check-in (an hour
    # before the start) already is.
    starts = TEST_NOW.replace(tzinfo=timezone.utc).astimezone(KST) + timedelta(minutes=40)
    period = ((starts - timedelta(days=300)).date().isoformat(), (starts + timedelta(days=1)).date().isoformat())

    # 1. Staff create a town hall with three seats on a desktop.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    staff = Watched(desk, artifacts, "events-staff")
    page = staff.page
    login(page, base, "staff@demo.hyeopchi.kr")
    held_before, people_before = _report_row(page, base, *period)
    page.goto(f"{base}/events/new")
    page.select_option("#kind", "town_hall")
    page.fill("#title", "브라우저 시험 타운홀미팅")
    page.fill("#description", "정원 세 명으로 대기 명단을 시험합니다.")
    page.fill("#starts_at", starts.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#ends_at", (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#venue", "구청 다목적홀")
    page.fill("#capacity", "3")
    page.fill("#q1_prompt", "사는 동")
    page.locator("label[for=q1_exportable]").click()
    _shot(staff, "1-new-1280")
    page.get_by_role("button", name="만들고 공개하기").click()
    assert "행사를 공개했습니다" in page.inner_text("body")
    event_id = int(re.search(r"/events/(\d+)/manage", page.url).group(1))

    # 2. Four residents register on their phones; the fourth lands on the waitlist.
    phone = browser.new_context(viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True,
                                locale="ko-KR")
    codes = {}
    for n, email in enumerate(RESIDENTS):
        phone.clear_cookies()
        resident = Watched(phone, artifacts, f"events-resident{n + 1}")
        page = resident.page
        login(page, base, email)
        page.goto(f"{base}/events/{event_id}")
        if n == 0:
            _shot(resident, "1-detail-360")
            assert resident.fits_width()
        page.get_by_role("button", name=re.compile("신청하기")).click()
        body = page.inner_text("main")
        codes[email] = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", page.inner_text(".receipt-code")).group(0)
        assert page.locator("img.ticket-qr").count() == 1
        if n < 3:
            assert "참가 확정" in body
        else:
            assert "대기 1번째" in body
            _shot(resident, "2-waitlisted-360")
        assert resident.fits_width()
        assert resident.errors == []
        page.close()

    # 3. The second resident cancels; the waitlisted one is promoted (a task: poll for it).
    phone.clear_cookies()
    canceller = Watched(phone, artifacts, "events-cancel")
    login(canceller.page, base, RESIDENTS[1])
    canceller.page.goto(f"{base}/events/mine")
    canceller.page.get_by_role("link", name="브라우저 시험 타운홀미팅").click()
    canceller.page.get_by_role("button", name="신청 취소하기").click()
    assert "신청을 취소했습니다" in canceller.page.inner_text("body")
    deadline = time.monotonic() + 30
    while _status_of(engine, event_id, RESIDENTS[3]) != "confirmed" and time.monotonic() < deadline:
        time.sleep(0.3)
    assert _status_of(engine, event_id, RESIDENTS[3]) == "confirmed"
    phone.clear_cookies()
    promoted = Watched(phone, artifacts, "events-promoted")
    login(promoted.page, base, RESIDENTS[3])
    promoted.page.goto(f"{base}/account/me/notifications")
    assert "대기 신청이 참가 확정으로 바뀌었습니다" in promoted.page.inner_text("main")

    # 4. Staff check two in at the door on a phone: one typed in lower case, one with a mistake first.
    phone.clear_cookies()
    door = Watched(phone, artifacts, "events-door")
    page = door.page
    login(page, base, "staff@demo.hyeopchi.kr")
    page.goto(f"{base}/events/{event_id}/check-in")
    page.fill("#code", codes[RESIDENTS[0]].lower().replace("-", ""))
    page.get_by_role("button", name="입장 확인", exact=True).click()
    assert "입장 확인: 박주민" in page.inner_text("body")
    page.fill("#code", codes[RESIDENTS[1]])  # the one who cancelled
    page.get_by_role("button", name="입장 확인", exact=True).click()
    assert "취소된 신청입니다" in page.inner_text("main")
    page.fill("#code", codes[RESIDENTS[3]])
    page.get_by_role("button", name="입장 확인", exact=True).click()
    assert "입장 확인:" in page.inner_text("body")
    assert "참석 2명" in page.inner_text("main")
    _shot(door, "3-check-in-360")
    assert door.fits_width()

    # 5. The statistics count the town hall and its two participants.
    page = staff.page
    assert _report_row(page, base, *period) == (held_before + 1, people_before + 2)
    _shot(staff, "4-report-1280")
    page.goto(f"{base}/events/{event_id}/manage")
    main = page.inner_text("main")
    assert "대기에서 확정" in main
    _shot(staff, "5-manage-1280")
    assert staff.errors == [] and door.errors == []
    desk.close()
    phone.close()


def test_event_pages_fit_a_phone_and_a_desktop(live_server, browser, artifacts):
    base, engine = live_server["url"], live_server["engine"]
    with engine.connect() as conn:
        event_id = conn.execute(sa.text("SELECT id FROM event WHERE title LIKE '2027 협치사업 주민총회%'")).scalar()
        code = conn.execute(sa.text("SELECT code FROM event_registration WHERE event_id = :e AND user_id IS NULL"),
                            {"e": event_id}).scalar()
    for width in (360, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="ko-KR")
        visitor = Watched(context, artifacts, f"events-visitor-{width}")
        for name, path in [("list", "/events/"), ("calendar", "/events/calendar"),
                           ("detail", f"/events/{event_id}"), ("guest", f"/events/{event_id}/guest"),
                           ("ticket", f"/events/ticket/{code}")]:
            visitor.page.goto(base + path)
            _shot(visitor, name)
            assert visitor.fits_width(), (path, width)
        login(visitor.page, base, "staff@demo.hyeopchi.kr")
        for name, path in [("manage", f"/events/{event_id}/manage"), ("edit", f"/events/{event_id}/edit"),
                           ("report", "/reports/participation")]:
            visitor.page.goto(base + path)
            _shot(visitor, name)
            assert visitor.fits_width(), (path, width)
        assert visitor.errors == []
        context.close()
