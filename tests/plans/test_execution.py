"""Execution tracking in the plan year: budget lines, spending with evidence, rates, dashboard, open data, reports."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from app.plans import execution, services
from app.plans.models import BudgetLine, ReviewKind, Spending
from tests.helpers import text

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def adopted(world, app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))  # evidence files land in a throwaway folder
    plan = world.assemble()
    walk = next(p for p in plan.projects if p.title == "정릉천 산책로 정비")
    services.save_section(walk.section, {**walk.section.current.content, "city_fund": 0, "district_fund": 703_736_000},
                          actor=world.staff, expected_version=None)
    round_ = services.start_round(plan, ReviewKind.DISTRICT_COUNCIL, actor=world.staff)
    services.close_round(round_, actor=world.staff)
    services.adopt(plan, actor=world.council_chair)
    return plan, walk


def _spend(client, project, line, **data):
    form = {"line_id": line.id, "spent_on": "2027-03-10", "amount": "1000", "memo": "재료비", **data}
    return client.post(f"/plans/projects/{project.id}/spendings", data=form, content_type="multipart/form-data")


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Spending))


def test_spending_gives_the_execution_rate_in_the_districts_style(client, world, adopted):
    plan, walk = adopted
    line = walk.budget_lines[0]
    world.login(client, world.staff)
    response = _spend(client, walk, line, amount="474,362,000", memo="1차 공사비",
                      evidence=(io.BytesIO(PNG), "영수증.png"))
    assert response.status_code == 302
    page = text(client.get(f"/plans/projects/{walk.id}"))
    assert "예산액 703,736천원 · 집행액 474,362천원 · 집행율 67.4%" in page
    dashboard = text(client.get(f"/plans/{plan.id}/execution"))
    assert '<svg class="result-chart"' in dashboard and "67.4%" in dashboard and "703,736" in dashboard
    spending = world.db.session.scalars(select(Spending)).one()
    assert spending.evidence_type == "image/png" and spending.evidence_name == "영수증.png"
    evidence = client.get(f"/plans/spendings/{spending.id}/evidence")
    assert evidence.status_code == 200 and evidence.data == PNG
    client.post("/account/logout")
    assert client.get(f"/plans/spendings/{spending.id}/evidence").status_code == 302  # to the login page
    world.login(client, world.resident)
    assert client.get(f"/plans/spendings/{spending.id}/evidence").status_code == 403
    assert "67.4%" in text(client.get(f"/plans/{plan.id}/execution"))  # the dashboard is public


@pytest.mark.parametrize("amount, message", [("-1000", "음수는 적을 수 없습니다"), ("1000.5", "원 단위의 정수로"),
                                             ("1e6", "원 단위의 정수로"), ("0", "1원 이상")])
def test_an_amount_that_is_negative_or_not_whole_won_is_refused_and_nothing_is_recorded(client, world, adopted,
                                                                                      amount, message):
    plan, walk = adopted
    world.login(client, world.staff)
    response = _spend(client, walk, walk.budget_lines[0], amount=amount)
    assert response.status_code == 422
    assert message in text(response)
    assert _count(world.db) == 0
    line = client.post(f"/plans/projects/{walk.id}/lines", data={"name": "홍보비", "fund": "city", "amount": amount})
    assert line.status_code == 422
    assert world.db.session.scalar(select(func.count()).select_from(BudgetLine).where(BudgetLine.project_id == walk.id)) == 1


def test_spending_beyond_a_budget_line_needs_a_reason_and_is_flagged(client, world, adopted):
    plan, walk = adopted
    world.login(client, world.staff)
    line = walk.budget_lines[0]
    assert _spend(client, walk, line, amount="700,000,000").status_code == 302
    refused = _spend(client, walk, line, amount="5,000,000")
    assert refused.status_code == 422
    assert "세목 예산을 넘습니다(남은 예산 3,736,000원)" in text(refused)
    assert _count(world.db) == 1
    allowed = _spend(client, walk, line, amount="5,000,000", over_reason="자재비 인상")
    assert allowed.status_code == 302
    world.db.session.expire_all()
    over = world.db.session.scalars(select(Spending).where(Spending.over_budget.is_(True))).one()
    assert over.over_reason == "자재비 인상"
    page = text(client.get(f"/plans/projects/{walk.id}"))
    assert "예산 초과" in page and "자재비 인상" in page
    rows, total = execution.plan_execution(plan)
    assert total.flagged == 1 and total.spent == 705_000_000


def test_a_double_submitted_spending_form_records_once(client, world, adopted):
    plan, walk = adopted
    world.login(client, world.staff)
    for _ in range(2):
        _spend(client, walk, walk.budget_lines[0], amount="1,000,000", client_token="tok-1")
    assert _count(world.db) == 1


def test_evidence_must_be_an_image_or_pdf_by_its_bytes(client, world, adopted):
    plan, walk = adopted
    world.login(client, world.staff)
    response = _spend(client, walk, walk.budget_lines[0], evidence=(io.BytesIO(b"MZ\x90\x00 not a pdf"), "영수증.pdf"))
    assert response.status_code == 422 and "파일 내용이 이름과 다릅니다" in text(response)
    assert _count(world.db) == 0


def test_only_an_adopted_plans_projects_are_executed(client, world):
    plan = world.assemble()
    project = plan.projects[0]
    world.login(client, world.staff)
    response = client.post(f"/plans/projects/{project.id}/lines", data={"name": "재료비", "fund": "city", "amount": "1000"})
    assert response.status_code == 422 and "확정된 계획의 사업만" in text(response)


def test_milestones_status_and_the_working_group(client, world, adopted):
    plan, walk = adopted
    world.login(client, world.staff)
    client.post(f"/plans/projects/{walk.id}/milestones", data={"title": "실무단 구성", "due_on": "2027-03-15"})
    world.db.session.expire_all()
    milestone = walk.milestones[0]
    client.post(f"/plans/projects/{walk.id}/milestones/{milestone.id}/done", data={"done_on": "2027-03-14"})
    client.post(f"/plans/projects/{walk.id}/status", data={"status": "in_progress"})
    client.post(f"/plans/projects/{walk.id}/members", data={"name": "", "email": world.resident.email, "role": "간사"})
    client.post(f"/plans/projects/{walk.id}/members", data={"name": "정릉천 지킴이", "role": "위원", "affiliation": "주민모임"})
    assert client.post(f"/plans/projects/{walk.id}/members", data={"email": world.resident.email}).status_code == 422
    client.post(f"/plans/projects/{walk.id}/meetings",
                data={"held_on": "2027-03-20", "title": "1차 실무단 회의", "attendees": "7", "summary": "구간 확정"})
    assert client.post(f"/plans/projects/{walk.id}/meetings",
                       data={"held_on": "2027-03-21", "title": "회의", "attendees": "-2"}).status_code == 422
    page = text(client.get(f"/plans/projects/{walk.id}"))
    assert "2027-03-14 완료" in page and "추진 중" in page and "정릉천 지킴이" in page and "7명 참석" in page
    world.db.session.expire_all()
    data = execution.open_data(plan)
    project = next(p for p in data["projects"] if p["id"] == walk.id)
    assert project["working_group"] == {"members": 2, "meetings": 1}
    assert project["milestones"][0]["done_on"] == "2027-03-14"


def test_open_data_in_csv_and_json(client, world, adopted):
    plan, walk = adopted
    line = walk.budget_lines[0]
    execution.add_spending(line, spent_on="2027-04-01", amount="474,362,000", memo="공사", actor=world.staff)
    body = client.get(f"/plans/{plan.id}/execution.json")
    assert body.status_code == 200
    data = json.loads(body.data)
    walk_row = next(p for p in data["projects"] if p["id"] == walk.id)
    assert (walk_row["budget"], walk_row["spent"], walk_row["execution_rate"]) == (703_736_000, 474_362_000, 67.4)
    assert data["plan"]["content_hash"] == plan.adopted_hash
    csv_text = client.get(f"/plans/{plan.id}/execution.csv").get_data(as_text=True)
    assert f"{walk.id},정릉천 산책로 정비,planned,703736000,474362000,67.4,0" in csv_text


def test_the_budget_report_and_the_agenda_funnel_report_with_charts_and_csv(client, world, adopted):
    plan, walk = adopted
    execution.add_spending(walk.budget_lines[0], spent_on="2027-04-01", amount="474,362,000", memo="공사",
                           actor=world.staff)
    client.post("/account/logout")
    page = text(client.get("/reports/budget"))  # public: the district publishes its spending
    assert '<svg class="result-chart"' in page and "474,362" in page and "67.4%" in page
    assert "/reports/participation" in page  # the participation report is one click away
    csv_text = client.get(f"/reports/budget.csv?plan={plan.id}").get_data(as_text=True)
    assert "정릉천 산책로 정비,703,736,474,362,67.4%,703736000,474362000" in csv_text.replace('"', "")
    funnel = text(client.get(f"/reports/funnel?cycle={world.cycle.id}"))
    assert '<svg class="result-chart"' in funnel
    assert '<tr data-key="proposed"><th scope="row">제안</th><td class="num">3</td>' in funnel
    assert '<tr data-key="adopted"><th scope="row">채택</th><td class="num">1</td>' in funnel
    funnel_csv = client.get(f"/reports/funnel.csv?cycle={world.cycle.id}").get_data(as_text=True)
    assert "제안,3,100.0%" in funnel_csv and "채택,1,33.3%" in funnel_csv


def test_an_adopted_plans_export_shows_spending_added_after_an_earlier_export(client, world, adopted, app, tmp_path,
                                                                               monkeypatch):
    plan, walk = adopted
    monkeypatch.setitem(app.config, "PLAN_EXPORT_DIR", str(tmp_path / "exports"))
    world.login(client, world.staff)

    def exported_html() -> str:
        location = client.post(f"/plans/{plan.id}/exports", data={"format": "html"}).headers["Location"]
        export_id = int(location.rsplit("/", 1)[1])
        return client.get(f"/plans/exports/{export_id}/download").get_data(as_text=True)

    before = exported_html()
    assert "474,362" not in before
    execution.add_spending(walk.budget_lines[0], spent_on="2027-04-01", amount="474,362,000", memo="공사",
                           actor=world.staff)
    after = exported_html()
    assert "474,362" in after and "67.4%" in after  # the year-end file carries this year's spending


def test_csv_downloads_defuse_text_that_a_spreadsheet_would_run_as_a_formula(client, world, adopted):
    plan, walk = adopted
    walk.title = "=HYPERLINK(\"http://evil.example\",\"클릭\")"  # titles come from residents' agenda items
    world.db.session.commit()
    open_data = client.get(f"/plans/{plan.id}/execution.csv").get_data(as_text=True)
    budget = client.get(f"/reports/budget.csv?plan={plan.id}").get_data(as_text=True)
    for body in (open_data, budget):
        assert "'=HYPERLINK" in body
        assert ",=HYPERLINK" not in body and "\n=HYPERLINK" not in body and '"=HYPERLINK' not in body
    assert ",703736000," in open_data  # numbers stay numbers
