"""The district the platform serves: its name and its administrative neighbourhoods (행정동)."""
from flask import current_app

# 성북구's 20 행정동 as the embedded default; a district sets DISTRICT_DONGS
# (comma-separated) to its own list.
DEFAULT_DONGS = (
    "성북동", "삼선동", "동선동", "돈암제1동", "돈암제2동", "안암동", "보문동",
    "정릉제1동", "정릉제2동", "정릉제3동", "정릉제4동", "길음제1동", "길음제2동",
    "종암동", "월곡제1동", "월곡제2동", "장위제1동", "장위제2동", "장위제3동", "석관동",
)


def dongs() -> tuple[str, ...]:
    """The district's 행정동, in display order."""
    configured = current_app.config.get("DISTRICT_DONGS")
    if configured:
        return tuple(d.strip() for d in configured.split(",") if d.strip())
    return DEFAULT_DONGS
