"""Money in integer won, shown the way the district's reports show it.

Tables give thousands of won with commas (예산액 703,736 = ₩703,736,000) and
execution rates as a percentage with one decimal (집행율 67.4%).
"""
from __future__ import annotations

import re

from flask_babel import gettext as _

from app.errors import ServiceError

MAX_WON = 10**13  # ten trillion won: far above any district budget, well inside BIGINT


def parse_won(raw, field: str, *, label: str | None = None) -> int:
    """A whole, non-negative number of won from a form value ("1,200,000" is fine); else a Korean message."""
    text = str(raw if raw is not None else "").strip().replace(",", "").replace("원", "").strip()
    name = label or _("금액")
    if not text:
        raise ServiceError(_("%(name)s을(를) 원 단위로 적어 주세요.", name=name), field)
    if text.startswith("-"):
        raise ServiceError(_("%(name)s은(는) 0원 이상이어야 합니다. 음수는 적을 수 없습니다.", name=name), field)
    if not re.fullmatch(r"\d+", text):
        raise ServiceError(_("%(name)s은(는) 원 단위의 정수로 적어 주세요. 소수점이나 문자는 쓸 수 없습니다.", name=name),
                           field)
    value = int(text)
    if value > MAX_WON:
        raise ServiceError(_("%(name)s이(가) 너무 큽니다.", name=name), field)
    return value


def thousands(won: int | None) -> str:
    """703,736,000 → '703,736' (thousands of won, rounded half up)."""
    if won is None:
        return "—"
    return f"{(int(won) + 500) // 1000:,}"


def won(value: int | None) -> str:
    return "—" if value is None else f"{int(value):,}"


def rate(spent: int, budget: int) -> str:
    """Execution rate: '67.4%' (one decimal), '—' without a budget."""
    if not budget:
        return "—"
    return f"{spent * 100 / budget:.1f}%"
