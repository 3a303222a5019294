"""An agenda item's whole climb in a real browser: a resident proposes, two others support past
the threshold, and the chair of each body moves it up to adoption; the timeline shows every step."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.browser_support import Watched, browser, live_server, login  # noqa: F401

pytestmark = pytest.mark.browser


def test_proposal_climbs_to_adoption(live_server, browser, artifacts):
    base, engine = live_server["url"], live_server["engine"]
    with engine.connect() as conn:
        cycle_id = conn.execute(sa.text("SELECT id FROM plan_cycle ORDER BY year DESC")).scalar()

    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    staff = Watched(desk, artifacts, "agenda-staff")
    login(staff.page, base, "staff@demo.hyeopchi.kr")
    staff.page.goto(f"{base}/admin/cycles/{cycle_id}")
    staff.page.fill("#support_threshold", "2")
    staff.page.get_by_role("button", name="저장").click()
    assert "주기를 저장했습니다" in staff.page.inner_text("body")

    phone = browser.new_context(viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True)
    resident = Watched(phone, artifacts, "agenda-resident")
    page = resident.page
    login(page, base, "resident@demo.hyeopchi.kr")
    page.goto(f"{base}/agenda/new")
    page.get_by_label("제목").fill("통학로 보행 안전 펜스 설치")
    page.wait_for_selector("#similar-box:not([hidden])")  # similar items show up while typing
    assert page.locator("#similar-list li").count() >= 1
    resident.shot("1-similar")
    page.get_by_label("분야").select_option("복지·건강")
    page.get_by_label("지역").select_option("정릉제1동")
    page.get_by_label("문제 상황").fill("초등학교 앞 통학로에 보도가 없어 아이들이 차도로 걷습니다.")
    page.get_by_label("제안 내용").fill("보행 안전 펜스와 노란 발자국을 설치합니다.")
    page.get_by_label("예상 비용(원)").fill("12,000,000")
    page.get_by_role("button", name="제안하기").click()
    assert "의제를 제안했습니다" in page.inner_text("body")
    item_url = page.url
    assert resident.fits_width()

    for email in ("member@demo.hyeopchi.kr", "chair@demo.hyeopchi.kr"):
        supporter = Watched(browser.new_context(viewport={"width": 1280, "height": 900}), artifacts, "agenda-fan")
        login(supporter.page, base, email)
        supporter.page.goto(item_url)
        supporter.page.get_by_role("button", name="공감하기").click()
        assert "공감했습니다" in supporter.page.inner_text("body")
        supporter.page.context.close()
    page.reload()
    assert "협치분과 논의" in page.inner_text(".page-section .krds-badge")

    for email, to_label in (("chair@demo.hyeopchi.kr", "분과실무협의회 검토"),
                            ("wc-chair@demo.hyeopchi.kr", "협치실무위원회 심의"),
                            ("pc-chair@demo.hyeopchi.kr", "구 협치회의 의결"),
                            ("dc-chair@demo.hyeopchi.kr", "채택")):
        chair = Watched(browser.new_context(viewport={"width": 1280, "height": 900}), artifacts, "agenda-chair")
        login(chair.page, base, email)
        chair.page.goto(item_url)
        chair.page.get_by_label("옮길 단계").select_option(label=to_label)
        chair.page.get_by_label("결정 방식").select_option("meeting_decision")
        chair.page.get_by_label("사유").fill(f"{to_label}: 회의에서 의결했습니다.")
        chair.page.get_by_label("회의록(주소나 회의 이름)").fill("정기회의 회의록")
        with chair.page.expect_navigation():  # read the page the post leads to, not the one it leaves
            chair.page.get_by_role("button", name="옮기기").click()
        if to_label == "채택":  # a final stage: asked once more
            with chair.page.expect_navigation():
                chair.page.locator(".confirm-form").get_by_role("button", name="옮기기").click()
        assert "단계로 옮겼습니다" in chair.page.inner_text("body"), email
        assert chair.errors == []
        chair.page.context.close()

    page.reload()
    timeline = page.inner_text(".timeline")
    for label in ("공감 모으는 중", "협치분과 논의", "분과실무협의회 검토", "협치실무위원회 심의", "구 협치회의 의결", "채택"):
        assert label in timeline
    assert len(re.findall("회의 결정", timeline)) == 4
    resident.shot("2-adopted-timeline")
    assert resident.fits_width()
    assert resident.errors == [] and staff.errors == []
    phone.close()
    desk.close()
