"""What each kind of section holds, how it is validated, and how it reads as lines (for diffs and hashes)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.errors import ServiceError
from app.plans.models import SectionKind
from app.plans.money import parse_won, won

# 기본계획: key, title, starting text
BASIC_SECTIONS = [
    ("vision", _l("비전"), _l("주민이 의제를 내고 함께 결정하는 협치 도시")),
    ("goals", _l("목표"), _l("주민 참여 확대\n부서 간 협업 강화\n지역 문제의 주민 주도 해결")),
    ("strategy", _l("추진 전략"), _l("의제 발굴부터 실행까지 주민과 구청이 함께 합니다.")),
    ("governance_budget", _l("협치기반 예산"), _l("협치 기구 운영과 주민 참여 지원에 쓰는 예산입니다.")),
]
MAX_TEXT = 20_000

PROJECT_FIELDS = [
    ("purpose", _l("사업 목적")),
    ("content", _l("사업 내용")),
    ("department", _l("주관부서")),
    ("partners", _l("협력 기관·단체")),
    ("schedule", _l("추진 일정")),
    ("indicators", _l("성과 지표")),
]
PROJECT_MONEY = [("city_fund", _l("시비")), ("district_fund", _l("구비"))]


def _text(value, field: str, label) -> str:
    text = str(value or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_TEXT:
        raise ServiceError(_("%(name)s은(는) %(n)d자까지 적을 수 있습니다.", name=label, n=MAX_TEXT), field)
    return text


def clean(kind: SectionKind, key: str, form: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """The new content for a section from submitted values; a ServiceError names the bad field."""
    if kind is SectionKind.BASIC:
        content = {"text": _text(form.get("text"), "text", _("내용"))}
        if key == "governance_budget":
            content["amount"] = parse_won(form.get("amount"), "amount", label=_("예산액"))
        return content
    if kind is SectionKind.PROJECT:
        content = {name: _text(form.get(name), name, label) for name, label in PROJECT_FIELDS}
        for name, label in PROJECT_MONEY:
            content[name] = parse_won(form.get(name), name, label=str(label))
        content["history"] = previous.get("history", [])  # generated from the agenda item, not edited
        return content
    # The process explainer: its figures are generated; staff write the notes around them.
    return {"generated": previous.get("generated", {}), "text": _text(form.get("text"), "text", _("설명"))}


def lines(kind: SectionKind, content: dict[str, Any]) -> list[str]:
    """The section as lines of text: what a diff compares and what the hash covers."""
    out: list[str] = []
    if kind is SectionKind.BASIC:
        out += content.get("text", "").splitlines()
        if "amount" in content:
            out.append(f"{_('예산액')}: {won(content['amount'])}{_('원')}")
        return out
    if kind is SectionKind.PROJECT:
        for name, label in PROJECT_FIELDS:
            value = content.get(name, "")
            out.append(f"[{label}]")
            out += value.splitlines() or ["—"]
        for name, label in PROJECT_MONEY:
            out.append(f"{label}: {won(content.get(name))}{_('원')}")
        return out
    out += content.get("text", "").splitlines()
    generated = content.get("generated", {})
    for row in generated.get("meetings", []) + generated.get("gatherings", []):
        out.append(_("%(label)s: %(n)d회, 누적 %(p)d명", label=row["label"], n=row["held"], p=row["participants"]))
    for key, count in generated.get("agenda", {}).items():
        out.append(f"{generated.get('agenda_labels', {}).get(key, key)}: {count}")
    for vote in generated.get("votes", []):
        out.append(_("%(title)s: %(cast)d표", title=vote["title"], cast=vote["cast"]))
    return out
