"""Votes in a real browser: a subcommittee scores five projects (one member recuses), residents
vote under a budget at a town hall, staff close and publish, and a voter checks their receipt."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.browser_support import Watched, browser, live_server, login  # noqa: F401

pytestmark = pytest.mark.browser


def _round_id(engine, title_part: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT id FROM vote_round WHERE title LIKE :t"), {"t": f"%{title_part}%"}).scalar()


def _score_everything(page, value: str) -> None:
    for select in page.locator("select[name^=score-]").all():
        select.select_option(value)


def _finish(page, base: str, round_id: int) -> None:
    page.goto(f"{base}/votes/{round_id}/manage")
    for button in ("투표 마감", "집계하기", "결과 공개"):
        # Counting may run on a separate worker (Redis in CI): the page refreshes until it is done.
        page.get_by_role("button", name=button).wait_for(timeout=60_000)
        page.get_by_role("button", name=button).click()
        # Each step asks once more on its own page, whose button re-posts with the confirmation.
        page.locator(".confirm-form").get_by_role("button", name=button).click()
        assert page.locator(".flash-success").count() == 1, page.inner_text("main")


def test_review_and_town_hall_votes_from_ballot_to_verified_receipt(live_server, browser, artifacts):
    base, engine = live_server["url"], live_server["engine"]
    review_id = _round_id(engine, "1차 심사")
    town_hall_id = _round_id(engine, "2027 열린공론장")

    # 1. The member who proposed a project scores the others and recuses from their own.
    phone = browser.new_context(viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True)
    member = Watched(phone, artifacts, "vote-member")
    page = member.page
    login(page, base, "member@demo.hyeopchi.kr")
    page.goto(f"{base}/votes/{review_id}")
    assert page.locator(".recused").count() == 1
    assert "이해충돌로 이 사업의 채점에서 회피합니다" in page.inner_text("main")
    assert page.locator("select[name^=score-]").count() == 4 * 3
    _score_everything(page, "4")
    member.shot("1-scored")
    page.get_by_role("button", name="투표하기").click()
    assert re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", page.inner_text("#receipt-code"))
    assert member.fits_width()

    # 2. The chair scores all five.
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    chair = Watched(desk, artifacts, "vote-chair")
    login(chair.page, base, "chair@demo.hyeopchi.kr")
    chair.page.goto(f"{base}/votes/{review_id}")
    assert chair.page.locator("select[name^=score-]").count() == 5 * 3
    _score_everything(chair.page, "5")
    chair.page.get_by_role("button", name="투표하기").click()
    chair.page.locator("#receipt-code").wait_for()  # the receipt replaces the ballot on the same page
    assert chair.page.locator("#receipt-code").count() == 1 and chair.page.locator("form.ballot-form").count() == 0

    # 3. Staff close, count and publish the review.
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900})
    staff = Watched(staff_context, artifacts, "vote-staff")
    login(staff.page, base, "staff@demo.hyeopchi.kr")
    _finish(staff.page, base, review_id)
    staff.page.goto(f"{base}/votes/{review_id}/results")
    results = staff.page.inner_text("main")
    assert "사업별 심사 점수" in results and "어르신 안부 확인 돌봄단" in results
    staff.shot("2-review-results")

    # 4. A resident votes under the budget at the town hall; too many picks are refused first.
    resident = Watched(phone, artifacts, "vote-resident")
    page = resident.page
    page.context.clear_cookies()
    login(page, base, "resident@demo.hyeopchi.kr")
    page.goto(f"{base}/votes/{town_hall_id}")
    labels = page.locator("label[for^=pick-]")
    for i in range(7):
        labels.nth(i).click()
    page.get_by_role("button", name="투표하기").click()
    page.locator("#ballot-error").wait_for(state="visible")
    assert "최대 6개까지 고를 수 있습니다" in page.inner_text("#ballot-error")
    assert page.locator("input[name=pick]:checked").count() == 7  # nothing the resident picked was lost
    for i in range(2, 7):
        labels.nth(i).click()  # keep the first two
    assert "고른 사업 합계" in page.inner_text(".budget-meter")
    resident.shot("3-budget-ballot")
    page.get_by_role("button", name="투표하기").click()
    code = page.inner_text("#receipt-code").strip()
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", code)
    resident.shot("4-receipt")

    # 5. Staff close, count and publish; the resident checks the receipt.
    _finish(staff.page, base, town_hall_id)
    page.goto(f"{base}/votes/receipt")
    page.get_by_label("영수증 번호").fill(code)
    page.get_by_role("button", name="확인").click()
    assert "이 투표지는 집계에 들어갔습니다" in page.inner_text("main")
    assert "정릉천 생태 산책로 정비" in page.inner_text(".receipt-box")
    resident.shot("5-receipt-verified")
    assert resident.fits_width()
    page.goto(f"{base}/votes/{town_hall_id}/results")
    assert "선정" in page.inner_text("main") and page.locator("svg.result-chart").count() == 1
    resident.shot("6-town-hall-results")

    assert member.errors == [] and chair.errors == [] and staff.errors == [] and resident.errors == []
    for context in (phone, desk, staff_context):
        context.close()
