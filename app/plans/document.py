"""The plan as a neutral list of blocks (headings, paragraphs, tables) that every export renders.

One place decides what the document says and in which order; the HWPX, DOCX,
PDF and HTML writers only decide how it looks. Tables follow the district's
report style: thousands of won with commas, execution rates as percentages.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from app.plans import services
from app.plans.models import Plan, SectionKind
from app.plans.money import rate, thousands
from app.plans.sections import PROJECT_FIELDS
from app.utils import KST


@dataclass
class Heading:
    text: str
    level: int = 1


@dataclass
class Para:
    text: str
    small: bool = False


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    caption: str = ""
    numeric: set[int] = field(default_factory=set)  # right-aligned columns
    total: bool = False  # the last row is a total


Block = Heading | Para | Table


@dataclass
class Document:
    title: str
    subtitle: str
    blocks: list[Block]


def _paras(text: str) -> list[Para]:
    return [Para(line) for line in (text or "").splitlines() if line.strip()]


def _process_blocks(content: dict) -> list[Block]:
    g = content.get("generated", {})
    blocks: list[Block] = [Heading(_("수립과정설명서"), 1)]
    blocks += _paras(content.get("text", ""))
    if g.get("period"):
        blocks.append(Para(_("수립 기간: %(s)s ~ %(e)s", s=g["period"][0], e=g["period"][1])))
    blocks.append(Heading(_("1. 추진 경과"), 2))
    blocks.append(Table([_("단계"), _("기간")], [[p["label"], f"{p['starts_on']} ~ {p['ends_on']}"]
                                                for p in g.get("phases", [])], _("단계별 추진 기간")))
    blocks.append(Heading(_("2. 협치 기구 회의 개최 현황"), 2))
    rows = [[r["label"], f"{r['held']:,}", f"{r['participants']:,}"] for r in g.get("meetings", [])]
    rows.append([_("합계"), f"{sum(r['held'] for r in g.get('meetings', [])):,}",
                 f"{sum(r['participants'] for r in g.get('meetings', [])):,}"])
    blocks.append(Table([_("구분"), _("개최 횟수(회)"), _("누적 참여 인원(명)")], rows, _("기구별 회의 개최 횟수와 누적 참여 인원"),
                        {1, 2}, total=True))
    blocks.append(Heading(_("3. 공론장·타운홀미팅"), 2))
    gatherings = [[r["label"], f"{r['held']:,}", f"{r['participants']:,}"] for r in g.get("gatherings", [])]
    blocks.append(Table([_("구분"), _("개최 횟수(회)"), _("참여 인원(명)")], gatherings, _("종류별 개최 횟수와 참여 인원"), {1, 2}))
    events = [[e["date"], e["title"], e["kind_label"], f"{e['attendance']:,}"] for e in g.get("events", [])]
    if events:
        blocks.append(Table([_("날짜"), _("행사"), _("종류"), _("참여 인원(명)")], events, _("공론장·타운홀미팅 참여 현황"), {3}))
    blocks.append(Heading(_("4. 의제 발굴과 논의"), 2))
    labels = g.get("agenda_labels", {})
    blocks.append(Table([_("단계"), _("의제 수(건)")], [[labels.get(k, k), f"{n:,}"] for k, n in g.get("agenda", {}).items()],
                        _("의제 제안부터 채택까지"), {1}))
    blocks.append(Heading(_("5. 투표"), 2))
    votes = [[v["title"], f"{v['cast']:,}", f"{v['percent']}%" if v.get("percent") else "—",
              ", ".join(v["selected"]) or "—"] for v in g.get("votes", [])]
    blocks.append(Table([_("투표"), _("투표 수(표)"), _("투표율"), _("선정")], votes, _("투표별 참여와 결과"), {1, 2}))
    return blocks


def _project_blocks(index: int, title: str, content: dict) -> list[Block]:
    blocks: list[Block] = [Heading(f"{index}. {title}", 2)]
    rows = [[str(label), content.get(name) or "—"] for name, label in PROJECT_FIELDS]
    city, district = int(content.get("city_fund") or 0), int(content.get("district_fund") or 0)
    rows.append([_("사업비(천원)"), _("%(total)s (시비 %(city)s, 구비 %(district)s)", total=thousands(city + district),
                                        city=thousands(city), district=thousands(district))])
    blocks.append(Table([_("항목"), _("내용")], rows, _("사업 개요")))
    history = content.get("history") or []
    if history:
        blocks.append(Table([_("날짜"), _("단계"), _("기구"), _("사유")], [list(r) for r in history], _("의제 추진 경과")))
    return blocks


def build(plan: Plan, *, progress=None) -> Document:
    """The document for ``plan`` (adopted: the adopted versions; else the newest)."""
    blocks: list[Block] = []
    live = plan.live_sections
    if plan.adopted_at:
        subtitle = _("%(date)s 확정 · 내용 해시 %(hash)s", date=(plan.adopted_at + KST).date().isoformat(),
                     hash=(plan.adopted_hash or "")[:16])
    else:
        subtitle = _("초안 · %(status)s", status=plan.status.label)
    process_section = next((s for s in live if s.kind is SectionKind.PROCESS), None)
    if process_section is not None:
        blocks += _process_blocks(services.shown_version(process_section).content)
    blocks.append(Heading(_("기본계획"), 1))
    for section in (s for s in live if s.kind is SectionKind.BASIC):
        content = services.shown_version(section).content
        blocks.append(Heading(section.title, 2))
        blocks += _paras(content.get("text", ""))
        if "amount" in content:
            blocks.append(Table([_("구분"), _("예산액(천원)")], [[section.title, thousands(content["amount"])]],
                                _("단위: 천원"), {1}))
    projects = services.live_projects(plan)
    blocks.append(Heading(_("협치사업 실행계획"), 1))
    summary, total_city, total_district = [], 0, 0
    contents = []
    for index, project in enumerate(projects, start=1):
        content = services.shown_version(project.section).content
        contents.append((index, project, content))
        city, district = int(content.get("city_fund") or 0), int(content.get("district_fund") or 0)
        total_city += city
        total_district += district
        summary.append([str(index), project.section.title, content.get("department") or "—", thousands(city),
                        thousands(district), thousands(city + district)])
    summary.append(["", _("합계"), "", thousands(total_city), thousands(total_district),
                    thousands(total_city + total_district)])
    blocks.append(Table([_("연번"), _("사업명"), _("주관부서"), _("시비"), _("구비"), _("합계")], summary,
                        _("선정 사업 총괄(단위: 천원)"), {3, 4, 5}, total=True))
    for count, (index, project, content) in enumerate(contents, start=1):
        blocks += _project_blocks(index, project.section.title, content)
        if progress is not None and count % 10 == 0:
            progress(10 + int(40 * count / max(len(contents), 1)))
    if plan.is_locked:
        from app.plans.execution import plan_execution

        rows, total = plan_execution(plan)
        if total.budget:
            blocks.append(Heading(_("집행 현황"), 1))
            table = [[r.project.title, thousands(r.figures.budget), thousands(r.figures.spent),
                      rate(r.figures.spent, r.figures.budget)] for r in rows]
            table.append([_("합계"), thousands(total.budget), thousands(total.spent), rate(total.spent, total.budget)])
            blocks.append(Table([_("사업명"), _("예산액"), _("집행액"), _("집행율")], table, _("사업별 예산 집행(단위: 천원)"),
                                {1, 2, 3}, total=True))
    return Document(title=plan.title, subtitle=subtitle, blocks=blocks)
