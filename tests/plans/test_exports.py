"""The plan's files: HWPX that passes python-hwpx's own validator, DOCX, PDF with Pretendard GOV, HTML."""
from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from sqlalchemy import select

from app.plans import services
from app.plans.models import ExportStatus, PlanExport, ReviewKind
from tests.helpers import text


@pytest.fixture
def export_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PLAN_EXPORT_DIR", str(tmp_path / "exports"))
    return tmp_path / "exports"


def _export(client, plan, fmt: str) -> bytes:
    response = client.post(f"/plans/{plan.id}/exports", data={"format": fmt})
    assert response.status_code == 302
    status = client.get(response.headers["Location"])
    page = text(status)
    link = re.search(r'href="(/plans/exports/\d+/download)"', page)
    assert link, page  # tasks run in-process in tests: the file is ready on the first look
    download = client.get(link.group(1))
    assert download.status_code == 200
    return download.data


def test_the_hwpx_file_passes_python_hwpx_validators_and_carries_the_plan(client, world, export_dir):
    from hwpx import HwpxDocument
    from hwpx.tools.package_validator import validate_package
    from hwpx.tools.validator import validate_document

    plan = world.assemble()
    world.login(client, world.staff)
    data = _export(client, plan, "hwpx")
    report = validate_document(io.BytesIO(data))
    assert report.ok, [str(i) for i in report.errors]
    assert validate_package(io.BytesIO(data)).ok
    body = HwpxDocument.open(io.BytesIO(data)).text.plain()
    assert "2027년" in body and "수립과정설명서" in body and "정릉천 산책로 정비" in body
    assert "703,736" in body  # thousands of won with commas


def test_the_docx_file_opens_with_its_tables_in_thousands_of_won(client, world, export_dir):
    import docx

    plan = world.assemble()
    world.login(client, world.staff)
    document = docx.Document(io.BytesIO(_export(client, plan, "docx")))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "수립과정설명서" in headings and "협치사업 실행계획" in headings
    summary = next(t for t in document.tables if t.rows[0].cells[1].text == "사업명")
    walk = next(r for r in summary.rows if r.cells[1].text == "정릉천 산책로 정비")
    assert walk.cells[5].text == "703,736"


def test_the_pdf_embeds_pretendard_gov_and_renders_to_a_page_image(client, world, export_dir, artifacts, tmp_path):
    plan = world.assemble()
    world.login(client, world.staff)
    data = _export(client, plan, "pdf")
    assert data.startswith(b"%PDF-")
    assert b"PretendardGOV" in data  # the font is embedded (subset), so Korean shows anywhere
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.fail("pdftoppm (Debian's poppler-utils) is needed to check the PDF; .ci/run installs it")
    source = tmp_path / "plan.pdf"
    source.write_bytes(data)
    subprocess.run([pdftoppm, "-r", "60", "-png", "-f", "1", "-l", "1", str(source), str(artifacts / "plan-export-pdf")],
                   check=True)
    image = next(artifacts.glob("plan-export-pdf*-1.png"))
    assert image.stat().st_size > 5_000  # a page with text on it, not a blank page
    text_layer = subprocess.run(["pdftotext", str(source), "-"], capture_output=True, text=True, check=True).stdout
    assert "수립과정설명서" in text_layer and "703,736" in text_layer


def test_the_html_export_and_the_public_page_carry_the_same_plan(client, world, export_dir):
    plan = world.assemble()
    world.login(client, world.staff)
    html = _export(client, plan, "html").decode()
    assert html.startswith("<!doctype html>") and "<script" not in html and "style=" not in html
    assert "정릉천 산책로 정비" in html and "703,736" in html


def test_the_same_content_is_exported_once_and_a_changed_draft_gets_a_new_file(client, world, export_dir):
    plan = world.assemble()
    world.login(client, world.staff)
    first = client.post(f"/plans/{plan.id}/exports", data={"format": "pdf"}).headers["Location"]
    again = client.post(f"/plans/{plan.id}/exports", data={"format": "pdf"}).headers["Location"]
    assert first == again
    goals = next(s for s in plan.sections if s.key == "goals")
    client.post(f"/plans/{plan.id}/sections/{goals.id}/edit", data={"text": "새 목표", "expected_version": 1})
    changed = client.post(f"/plans/{plan.id}/exports", data={"format": "pdf"}).headers["Location"]
    assert changed != first
    world.db.session.expire_all()
    assert all(e.status is ExportStatus.DONE and e.progress == 100
               for e in world.db.session.scalars(select(PlanExport)))
    assert client.post(f"/plans/{plan.id}/exports", data={"format": "exe"}).status_code == 422


def test_downloads_follow_the_plans_visibility(client, world, export_dir):
    plan = world.assemble()
    world.login(client, world.staff)
    path = client.post(f"/plans/{plan.id}/exports", data={"format": "html"}).headers["Location"]
    export_id = int(path.rsplit("/", 1)[1])
    client.post("/account/logout")
    assert client.get(f"/plans/exports/{export_id}/download").status_code == 404  # a draft is not public yet
    services.start_round(plan, ReviewKind.DISTRICT_COUNCIL, actor=world.staff)
    download = client.get(f"/plans/exports/{export_id}/download")
    assert download.status_code == 200 and download.headers["Content-Type"] == "text/html; charset=utf-8"
    assert client.get(f"/plans/exports/{export_id}.json").json["status"] == "done"
    world.login(client, world.resident)
    assert client.post(f"/plans/{plan.id}/exports", data={"format": "pdf"}).status_code == 403
