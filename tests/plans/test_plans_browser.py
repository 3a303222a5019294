"""The plan in a real browser: staff assemble the draft, a council member comments, staff answer,
the council adopts, and the HWPX, DOCX and PDF downloads open. Screenshots land in tests/_artifacts/."""
from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
import sqlalchemy as sa

from tests.browser_support import Watched, browser, live_server, login  # noqa: F401

pytestmark = pytest.mark.browser


def _new_cycle_with_adopted_items(engine) -> int:
    """A 2030 cycle holding three of the demo's adopted agenda items (so its draft has projects)."""
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO plan_cycle (year, title, support_threshold, support_window_days, created_at) "
                             "VALUES (2030, '2030 지역사회혁신계획', 5, 30, CURRENT_TIMESTAMP)"))
        cycle_id = conn.execute(sa.text("SELECT id FROM plan_cycle WHERE year = 2030")).scalar()
        for kind, start, end in (("discovery", "2029-03-01", "2029-06-30"), ("drafting", "2029-10-01", "2029-11-30")):
            conn.execute(sa.text("INSERT INTO cycle_phase (cycle_id, kind, starts_on, ends_on) VALUES (:c, :k, :s, :e)"),
                         {"c": cycle_id, "k": kind, "s": start, "e": end})
        ids = conn.execute(sa.text("SELECT id FROM agenda_item WHERE stage = 'adopted' ORDER BY id LIMIT 3")).scalars().all()
        for item_id in ids:
            conn.execute(sa.text("UPDATE agenda_item SET cycle_id = :c WHERE id = :i"), {"c": cycle_id, "i": item_id})
    return cycle_id


def _download(page, base: str, plan_url: str, label: str, artifacts, name: str) -> bytes:
    page.goto(plan_url)
    page.get_by_role("button", name=f"{label} 만들기").click()
    page.wait_for_url("**/plans/exports/*")
    # A worker may make the file (Redis in CI): the page follows the progress until the link shows.
    page.locator("#download-link").wait_for(timeout=60_000)
    with page.expect_download() as info:
        page.locator("#download-link").click()
    download = info.value
    target = artifacts / name
    download.save_as(str(target))
    return target.read_bytes()


def test_staff_assemble_a_reviewer_comments_staff_answer_and_the_council_adopts(live_server, browser, artifacts):
    base, engine = live_server["url"], live_server["engine"]
    _new_cycle_with_adopted_items(engine)

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR", accept_downloads=True)
    staff = Watched(desk, artifacts, "plan-staff")
    page = staff.page
    login(page, base, "staff@demo.hyeopchi.kr")
    page.goto(base + "/plans/")
    page.get_by_role("button", name="2030 지역사회혁신계획 초안 만들기").click()
    assert "자료를 모아 계획서 초안을 만들었습니다" in page.inner_text("body")
    plan_url = page.url
    sections = page.locator("#sections tbody tr")
    assert sections.count() == 5 + 3  # explainer, four basic sections, three projects
    staff.shot("1-assembled")

    page.get_by_role("link", name="목표", exact=True).click()
    page.get_by_role("link", name="고치기").click()
    page.get_by_label("내용", exact=True).fill("참여 주민 20% 확대\n부서 간 협업 강화\n주민 주도 해결")
    page.get_by_label("고친 내용 요약(판 기록에 남습니다)").fill("목표 수치")
    page.get_by_role("button", name="새 판으로 저장").click()
    assert "2판으로 저장했습니다" in page.inner_text("body")
    goals_url = page.url
    page.get_by_role("link", name="1판과 비교").click()
    assert page.locator(".diff-added").count() >= 1
    staff.shot("2-diff")

    page.goto(plan_url)
    page.get_by_role("button", name="구 협치회의 심의 열기").click()
    assert "구 협치회의 심의을(를) 열었습니다" in page.inner_text("body") or "열었습니다" in page.inner_text("body")

    # A council member reads the goals on a phone and comments.
    phone = browser.new_context(viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True, locale="ko-KR")
    reviewer = Watched(phone, artifacts, "plan-reviewer")
    login(reviewer.page, base, "dc-chair@demo.hyeopchi.kr")
    reviewer.page.goto(goals_url)
    reviewer.page.get_by_label(re.compile("의견")).fill("기준 연도를 밝혀 주세요.")
    reviewer.page.get_by_role("button", name="의견 남기기").click()
    assert "의견을 남겼습니다" in reviewer.page.inner_text("body")
    assert "기준 연도를 밝혀 주세요." in reviewer.page.inner_text("#comments ~ ul")
    reviewer.shot("3-commented-360")
    assert reviewer.fits_width()

    # Staff answer and resolve, then close the round.
    page.goto(goals_url)
    page.get_by_label("답변", exact=True).fill("2026년 참여 인원을 기준으로 삼습니다.")
    page.get_by_role("button", name="답변 저장").click()
    assert "답변을 달았습니다" in page.inner_text("body")
    staff.shot("4-answered")
    page.goto(plan_url)
    page.get_by_role("button", name="심의 마치기").click()
    assert "다시 열 수 없습니다" in page.inner_text("main")  # asked once more
    page.locator(".confirm-form").get_by_role("button", name="심의 마치기").click()
    assert "마쳤습니다" in page.inner_text("body")

    # The council adopts: the version is locked and the content hash shown.
    reviewer.page.goto(plan_url)
    reviewer.page.get_by_role("button", name="의결하고 확정하기").click()
    assert "계획서를 확정할까요?" in reviewer.page.inner_text("main")
    reviewer.shot("5-adopt-confirm-360")
    assert reviewer.fits_width()
    reviewer.page.locator(".confirm-form").get_by_role("button", name="계획서 확정").click()
    assert "계획서를 확정했습니다" in reviewer.page.inner_text("body")
    digest = reviewer.page.inner_text("#adopted-hash")
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    reviewer.shot("5-adopted-360")
    assert reviewer.fits_width()
    page.goto(goals_url)
    assert page.get_by_role("link", name="고치기").count() == 0

    # The files open: HWPX passes python-hwpx's validator, DOCX opens, the PDF renders to PNG.
    from hwpx import HwpxDocument
    from hwpx.tools.validator import validate_document
    import docx

    hwpx_bytes = _download(page, base, plan_url, "HWPX", artifacts, "plan-browser.hwpx")
    assert validate_document(io.BytesIO(hwpx_bytes)).ok
    assert "2030년" in HwpxDocument.open(io.BytesIO(hwpx_bytes)).text.plain()
    docx_bytes = _download(page, base, plan_url, "DOCX", artifacts, "plan-browser.docx")
    assert any("협치사업 실행계획" == p.text for p in docx.Document(io.BytesIO(docx_bytes)).paragraphs)
    pdf_bytes = _download(page, base, plan_url, "PDF", artifacts, "plan-browser.pdf")
    assert pdf_bytes.startswith(b"%PDF-")
    staff.shot("6-export-ready")
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.fail("pdftoppm (poppler-utils) is needed to look at the PDF; .ci/run installs it")
    subprocess.run([pdftoppm, "-r", "60", "-png", "-f", "1", "-l", "2", str(artifacts / "plan-browser.pdf"),
                    str(artifacts / "plan-browser-pdf")], check=True)
    assert (artifacts / "plan-browser-pdf-1.png").stat().st_size > 5_000

    assert staff.errors == [] and reviewer.errors == []
    desk.close()
    phone.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_public_plan_pages_fit_the_screen(live_server, browser, artifacts, width):
    base, engine = live_server["url"], live_server["engine"]
    with engine.connect() as conn:
        adopted = conn.execute(sa.text("SELECT id FROM plan WHERE status = 'adopted' ORDER BY id LIMIT 1")).scalar()
        project = conn.execute(sa.text("SELECT id FROM plan_project WHERE plan_id = :p ORDER BY id LIMIT 1"),
                               {"p": adopted}).scalar()
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="ko-KR")
    visitor = Watched(context, artifacts, f"plan-visitor-{width}")
    for name, path in (("list", "/plans/"), ("plan", f"/plans/{adopted}"), ("document", f"/plans/{adopted}/document"),
                       ("dashboard", f"/plans/{adopted}/execution"), ("project", f"/plans/projects/{project}")):
        visitor.page.goto(base + path)
        visitor.shot(name)
        assert visitor.fits_width(), path
    visitor.page.goto(base + f"/plans/{adopted}/execution")
    assert re.search(r"집행율 \d+\.\d%", visitor.page.inner_text("#total"))
    assert visitor.errors == []
    context.close()
