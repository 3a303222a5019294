"""Closing, tallying and publishing a vote each ask once more before they happen (see app.confirm)."""
from __future__ import annotations

from app.extensions import db
from app.voting.models import RoundStatus
from tests.helpers import text


def test_closing_tallying_and_publishing_each_ask_first_and_change_nothing_until_confirmed(client, auth, rounds):
    round_ = rounds.create()
    auth.login(rounds.staff)
    for action, status_before, question, explained, status_after in [
        ("close", RoundStatus.OPEN, "투표를 마감할까요?", "더 이상 투표지를 받지 않습니다", RoundStatus.CLOSED),
        ("tally", RoundStatus.CLOSED, "투표를 집계할까요?", "마감된 투표지를 세어", RoundStatus.TALLIED),
        ("publish", RoundStatus.TALLIED, "결과를 공개할까요?", "누구나 볼 수 있게 공개", RoundStatus.PUBLISHED),
    ]:
        asked = client.post(f"/votes/{round_.id}/{action}")
        assert asked.status_code == 200, action
        page = text(asked)
        assert question in page and explained in page and round_.title in page and "되돌릴 수 없습니다" in page
        html = asked.get_data(as_text=True)
        assert f'action="/votes/{round_.id}/{action}"' in html and 'name="confirmed" value="1"' in html
        assert f'href="/votes/{round_.id}/manage"' in html  # the way back changes nothing
        db.session.refresh(round_)
        assert round_.status is status_before, action
        done = client.post(f"/votes/{round_.id}/{action}", data={"confirmed": "1"})
        assert done.status_code == 302, action
        db.session.refresh(round_)
        assert round_.status is status_after, action

