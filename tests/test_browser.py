"""The resident's journey in a real browser: sign up → join a subcommittee → the chair approves.

Screenshots land in tests/_artifacts/.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.browser_support import ROOT, Watched, _latest_link, browser, live_server  # noqa: F401

pytestmark = pytest.mark.browser


def test_resident_signs_up_applies_and_the_chair_approves(live_server, browser, artifacts):
    base = live_server["url"]
    phone = browser.new_context(viewport={"width": 360, "height": 780}, device_scale_factor=2, is_mobile=True,
                                has_touch=True, locale="ko-KR")
    resident = Watched(phone, artifacts, "journey-phone")
    page = resident.page

    page.goto(base + "/")
    assert page.locator("h1").inner_text().endswith("협치 플랫폼")
    page.get_by_role("link", name="회원가입").first.click()
    page.get_by_label("이메일").fill("e2e.resident@example.com")
    page.get_by_label("이름(활동명)").fill("최브라우저")
    page.locator("#password").fill("short")
    page.get_by_label("비밀번호 확인").fill("short")
    page.get_by_label("구와의 관계").select_option("resident")
    page.get_by_label("행정동").select_option("정릉제1동")
    page.locator("label[for=consent]").click()
    page.get_by_role("button", name="가입하기").click()
    # A too-short password is explained next to the field, and nothing typed is lost.
    assert "비밀번호는 10자 이상이어야 합니다" in page.inner_text("main")
    assert page.get_by_label("이메일").input_value() == "e2e.resident@example.com"
    resident.shot("1-signup-error")
    assert resident.fits_width()
    page.locator("#password").fill("browser-password-1")
    page.get_by_label("비밀번호 확인").fill("browser-password-1")
    assert page.locator("#consent").is_checked()  # the consent given is kept too
    page.get_by_role("button", name="가입하기").click()
    page.wait_for_url("**/signup/done")
    assert "메일함을 확인해 주세요" in page.inner_text("main")

    page.goto(base + _latest_link(live_server["engine"], "e2e.resident@example.com", "이메일 주소를 확인"))
    assert "이메일 주소가 확인되었습니다" in page.inner_text("body")
    page.wait_for_url("**/account/login")
    page.get_by_label("이메일").fill("e2e.resident@example.com")
    page.locator("#password").fill("browser-password-1")
    page.get_by_role("button", name="로그인").click()
    assert "로그인되었습니다" in page.inner_text("body")

    page.goto(base + "/bodies/")
    resident.shot("2-org-chart")
    assert resident.fits_width()
    page.get_by_role("link", name=re.compile("복지건강분과")).click()
    page.get_by_role("link", name="참여 신청하기").click()
    page.get_by_label("신청 동기와 활동 계획").fill("정릉에서 어르신 반찬 나눔을 하고 있습니다. 돌봄 의제를 함께 만들고 싶습니다.")
    page.locator("label[for=pretraining_confirmed]").click()
    page.get_by_role("button", name="신청하기").click()
    assert "참여 신청을 접수했습니다" in page.inner_text("body")
    assert "참여 신청을 심사하고 있습니다" in page.inner_text("main")
    resident.shot("3-applied")
    assert resident.fits_width()

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    chair = Watched(desk, artifacts, "journey-chair")
    page2 = chair.page
    page2.goto(base + "/account/login")
    page2.get_by_label("이메일").fill("chair@demo.hyeopchi.kr")
    page2.get_by_label("비밀번호").fill("demo-password-2026")
    page2.get_by_role("button", name="로그인").click()
    page2.goto(base + "/bodies/")
    page2.get_by_role("link", name=re.compile("복지건강분과")).click()
    page2.get_by_role("link", name=re.compile("참여 신청 심사")).click()
    card = page2.locator("li.card", has_text="최브라우저")
    assert "반찬 나눔" in card.inner_text()
    chair.shot("4-review")
    card.locator("label", has_text="승인").click()
    card.get_by_role("button", name="결정 저장").click()
    assert "신청을 승인했습니다" in page2.inner_text("body")
    assert page2.locator("li.card", has_text="최브라우저").count() == 0

    page.reload()
    assert "이 분과의 위원입니다" in page.inner_text("main")
    assert "최브라우저" in page.inner_text("table")
    page.get_by_role("link", name=re.compile("알림")).click()
    assert "참여 신청이 승인되었습니다" in page.inner_text("main")
    resident.shot("5-approved-notification")
    assert resident.fits_width()

    assert resident.errors == [] and chair.errors == []
    phone.close()
    desk.close()


AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGES = {
    "visitor": ["/", "/bodies/", "/account/signup", "/account/login", "/account/reset", "/privacy"],
    "chair@demo.hyeopchi.kr": ["/account/me", "/account/me/notifications"],
    "staff@demo.hyeopchi.kr": ["/admin/", "/admin/users", "/admin/audit", "/admin/applications", "/admin/bodies/",
                               "/admin/outbox"],
}


def _axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in result["violations"]]


@pytest.mark.parametrize("width", [360, 1280])
def test_pages_pass_axe_accessibility_checks(live_server, browser, width):
    base = live_server["url"]
    # bypass_csp lets the test inject axe; the pages themselves are served with the strict CSP.
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True, locale="ko-KR")
    page = context.new_page()
    problems = {}
    with live_server["engine"].connect() as conn:
        body_id = conn.execute(sa.text("SELECT id FROM body WHERE name = '복지건강분과'")).scalar()
    PAGES["visitor"].append(f"/bodies/{body_id}")
    PAGES["chair@demo.hyeopchi.kr"].append(f"/bodies/{body_id}/applications")
    PAGES["staff@demo.hyeopchi.kr"].append(f"/admin/bodies/{body_id}/members")
    with live_server["engine"].connect() as conn:
        rounds = dict(conn.execute(sa.text("SELECT title, id FROM vote_round")).all())
    review = next(i for t, i in rounds.items() if "1차 심사" in t)
    town_hall = next(i for t, i in rounds.items() if t.startswith("2027 열린공론장"))
    published = next(i for t, i in rounds.items() if t.startswith("2026 열린공론장"))
    PAGES["visitor"] += ["/votes/", "/votes/receipt", f"/votes/{published}/results", f"/votes/{published}/projector"]
    PAGES["chair@demo.hyeopchi.kr"] += [f"/votes/{review}", f"/votes/{town_hall}"]
    PAGES["staff@demo.hyeopchi.kr"] += [f"/votes/{town_hall}/manage", f"/votes/{town_hall}/paper", f"/votes/{review}/manage",
                                        "/votes/new"]
    with live_server["engine"].connect() as conn:
        event_id = conn.execute(sa.text("SELECT id FROM event WHERE title LIKE '2027 협치사업 주민총회%'")).scalar()
        guest_code = conn.execute(sa.text("SELECT code FROM event_registration WHERE event_id = :e AND user_id IS NULL"),
                                  {"e": event_id}).scalar()
    PAGES["visitor"] += ["/events/", "/events/calendar", f"/events/{event_id}", f"/events/{event_id}/guest",
                         f"/events/ticket/{guest_code}"]
    PAGES["chair@demo.hyeopchi.kr"] += [f"/events/{event_id}", "/events/mine"]
    PAGES["staff@demo.hyeopchi.kr"] += ["/events/new", f"/events/{event_id}/manage", f"/events/{event_id}/edit",
                                        f"/events/{event_id}/check-in", "/reports/participation"]
    with live_server["engine"].connect() as conn:
        rows = conn.execute(sa.text("SELECT e.id, m.roll_call_at FROM body_meeting m JOIN event e ON e.id = m.event_id "
                                    "WHERE e.body_id = :b ORDER BY e.starts_at"), {"b": body_id}).all()
        held = next(i for i, called in rows if called is not None)
        upcoming = next(i for i, called in rows if called is None)
        live_id = conn.execute(sa.text("SELECT id FROM event WHERE title LIKE '온라인 타운홀%'")).scalar()
    meetings = f"/bodies/{body_id}/meetings"
    PAGES["visitor"] += [meetings, f"{meetings}/{held}", f"{meetings}/{held}/minutes", f"/events/{live_id}/live",
                         f"/events/{live_id}/projector"]
    PAGES["chair@demo.hyeopchi.kr"] += [f"{meetings}/new", f"{meetings}/{upcoming}", f"{meetings}/{upcoming}/minutes/edit",
                                        f"/events/{live_id}/live"]
    PAGES["staff@demo.hyeopchi.kr"] += [f"/events/{live_id}/console"]
    with live_server["engine"].connect() as conn:
        adopted_plan = conn.execute(sa.text("SELECT id FROM plan WHERE status = 'adopted'")).scalar()
        draft_plan = conn.execute(sa.text("SELECT id FROM plan WHERE status = 'in_review'")).scalar()
        plan_project = conn.execute(sa.text("SELECT id FROM plan_project WHERE plan_id = :p ORDER BY id"),
                                    {"p": adopted_plan}).scalar()
        goals = conn.execute(sa.text("SELECT id FROM plan_section WHERE plan_id = :p AND key = 'goals'"),
                             {"p": draft_plan}).scalar()
    PAGES["visitor"] += ["/reports/participation", "/reports/budget", "/reports/funnel"]  # public aggregates
    PAGES["visitor"] += ["/plans/", f"/plans/{adopted_plan}", f"/plans/{adopted_plan}/document",
                         f"/plans/{adopted_plan}/execution", f"/plans/projects/{plan_project}",
                         f"/plans/{draft_plan}/sections/{goals}/diff?a=1&b=2"]
    PAGES["dc-chair@demo.hyeopchi.kr"] = [f"/plans/{draft_plan}", f"/plans/{draft_plan}/sections/{goals}"]
    PAGES["staff@demo.hyeopchi.kr"] += [f"/plans/{draft_plan}", f"/plans/{draft_plan}/sections/{goals}/edit",
                                        f"/plans/projects/{plan_project}", "/reports/budget", "/reports/funnel"]
    with live_server["engine"].connect() as conn:
        talk = conn.execute(sa.text("SELECT agenda_item_id FROM forum_thread WHERE kind = 'agenda' ORDER BY id")).scalar()
        hidden = conn.execute(sa.text("SELECT id FROM forum_post WHERE state = 'hidden' ORDER BY id")).scalar()
        forums = [i for (i,) in conn.execute(sa.text("SELECT id FROM online_forum ORDER BY id"))]
    PAGES["visitor"] += ["/forums/", *[f"/forums/{i}" for i in forums], f"/agenda/{talk}", f"/forums/events/{live_id}/qa"]
    PAGES["chair@demo.hyeopchi.kr"] += [f"/agenda/{talk}", f"/forums/room/members-{body_id}", f"/forums/events/{live_id}/qa"]
    PAGES["staff@demo.hyeopchi.kr"] += ["/forums/moderation", f"/forums/posts/{hidden}/moderate", "/forums/new",
                                        f"/forums/room/agenda-{talk}/settings", f"/forums/{forums[-1]}"]
    for who, paths in PAGES.items():
        if who != "visitor":
            context.clear_cookies()
            page.goto(base + "/account/login")
            page.get_by_label("이메일").fill(who)
            page.locator("#password").fill("demo-password-2026")
            page.get_by_role("button", name="로그인").click()
        for path in dict.fromkeys(paths):
            page.goto(base + path)
            violations = _axe_violations(page)
            if violations:
                problems[path] = violations
            assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{path} overflows at {width}px"
    context.close()
    assert problems == {}
