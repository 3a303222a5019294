"""Demo discussions: talk on a few agenda items, a subcommittee's public thread and members' room, an open
and a closed online forum (with staff's summary), a post hidden by reports, and questions on the live town hall."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.agenda.models import AgendaItem
from app.auth.models import User
from app.bodies.models import Body
from app.events.models import Event, EventKind, EventStatus
from app.extensions import db
from app.forums import moderation, online, qa, services
from app.forums.models import Post
from app.forums.targets import Target
from app.utils import now

AGENDA_TALK = [
    ("밤에 산책로가 너무 어둡습니다. 특히 **정릉천 하류** 쪽은 가로등 간격이 넓어요.", None),
    ("동의합니다. 다만 조명이 너무 밝으면 주변 주택에 빛 공해가 생기니 낮은 볼라드형 조명이 좋겠습니다.", 0),
    ("볼라드형이면 유지보수 비용은 어떤가요? 구청 자료가 있으면 공유 부탁드립니다.", 1),
    ("도시환경분과 회의에서 비슷한 사례를 본 적이 있습니다. 성북천 구간은 3년째 문제없이 쓰고 있어요.", 2),
    ("어르신들이 새벽 운동을 많이 하셔서 새벽 시간대 점등도 꼭 고려해 주세요.", None),
]
FORUM_TALK = [
    "거주자 우선 주차 구역을 늘리고, 낮에는 방문객이 쓸 수 있게 공유 주차로 바꾸면 좋겠습니다.",
    "학교 앞 골목은 등하교 시간만이라도 차량 통행을 막아 주세요. 아이들이 차 사이로 다닙니다.",
    "공영주차장을 새로 짓기보다 교회·학교 주차장을 야간에 개방하는 협약이 현실적입니다.",
    "골목마다 사정이 달라서, 동 주민자치회가 구간별로 정하게 하면 어떨까요?",
]
QUESTIONS = [
    ("돌봄단 활동가는 어떻게 모집하나요? 자원봉사인가요, 유급인가요?", False, 14),
    ("안부 확인 대상 어르신은 어떤 기준으로 정하나요?", True, 9),
    ("야간이나 주말에 위급한 일이 생기면 누가 대응하나요?", False, 6),
    ("기존 복지관 사업과 겹치지 않나요?", True, 3),
]


def _at(post: Post, minutes_ago: int) -> None:
    post.created_at = now() - timedelta(minutes=minutes_ago)


def _talk(target: Target, lines, people: list[User]) -> list[Post]:
    posts: list[Post] = []
    for n, (body, parent) in enumerate(lines):
        author = people[n % len(people)]
        post = services.create_post(target, author, body, parent_id=posts[parent].id if parent is not None else None)
        _at(post, 60 * 24 - n * 37)
        posts.append(post)
    db.session.commit()
    return posts


def seed_forums(accounts: dict[str, User]) -> None:
    """Load the demo discussions (called by app.demo.seed_demo)."""
    staff, resident, member, chair = accounts["staff"], accounts["resident"], accounts["member"], accounts["chair"]
    neighbours = list(db.session.scalars(select(User).where(User.email.like("member%@demo.hyeopchi.kr"))
                                         .order_by(User.id).limit(12)))
    voices = [resident, neighbours[0], member, neighbours[1], chair]

    # Agenda items: a lively one, two quieter ones.
    items = list(db.session.scalars(select(AgendaItem).where(AgendaItem.stage.in_(("proposed", "subcommittee")))
                                    .order_by(AgendaItem.id).limit(3)))
    if items:
        posts = _talk(Target("agenda", items[0]), AGENDA_TALK, voices)
        for n, fan in enumerate(neighbours[2:9]):
            services.react(posts[0], fan, "agree" if n % 4 else "disagree")
        services.react(posts[1], resident, "agree")
        quoted = services.create_post(Target("agenda", items[0]), neighbours[3],
                                      "@이위원 님 말씀처럼 유지보수 비용도 같이 봐야 합니다.", quote_id=posts[1].id)
        _at(quoted, 90)
        # A post hidden by residents' reports, waiting for staff in the moderation queue.
        spam = services.create_post(Target("agenda", items[0]), neighbours[4],
                                    "싸게 드립니다! 중고 가전 매입 문의는 010-0000-0000 으로")
        _at(spam, 45)
        for reporter in neighbours[5:8]:
            moderation.report_post(spam, reporter, "spam", "광고입니다")
    for item in items[1:]:
        _talk(Target("agenda", item), [("이 제안 좋습니다. 우리 동에도 꼭 필요합니다.", None),
                                        ("예산이 얼마나 드는지 먼저 알려 주시면 좋겠어요.", 0)], [neighbours[6], resident])

    # A subcommittee: public thread on its page, and the members' room.
    welfare = db.session.scalar(select(Body).where(Body.name == "복지건강분과"))
    if welfare is not None:
        _talk(Target("body", welfare), [("복지건강분과 다음 회의는 언제인가요? 방청하고 싶습니다.", None),
                                        ("다음 달 둘째 주 화요일 저녁 7시입니다. 누구나 방청할 수 있어요.", 0)],
              [resident, chair])
        _talk(Target("members", welfare), [("다음 회의 안건 초안을 올립니다. 돌봄단 운영 방식부터 논의했으면 합니다.", None),
                                           ("좋습니다. 복지관 담당자도 초청하면 어떨까요?", 0)], [chair, member])

    # Online forums: one open now, one closed and summed up by staff.
    moment = now()
    open_forum = online.save_forum(
        None, staff, title="골목길 주차, 어떻게 풀까요?", question="좁은 골목길 주차 문제, 우리 동네에 맞는 해법은 무엇일까요?",
        description="12월 말까지 의견을 받습니다. 모인 의견은 도시환경분과와 교통행정과가 함께 검토합니다.",
        opens_at=moment - timedelta(days=5), closes_at=moment + timedelta(days=20))
    _talk(Target("forum", open_forum), [(line, None) for line in FORUM_TALK], neighbours[:4])
    closed = online.save_forum(
        None, staff, title="마을 공유공간, 누구를 위해 열까요?", question="동 주민센터 3층 유휴공간을 어떻게 쓰면 좋을까요?",
        description="", opens_at=moment - timedelta(days=40), closes_at=moment + timedelta(minutes=1))
    _talk(Target("forum", closed), [("청소년 공부방이 부족합니다.", None), ("낮에는 어르신 쉼터, 저녁에는 청소년 공간으로 나누면 어떨까요?", 0),
                                     ("육아 모임 공간도 필요해요.", None)], neighbours[4:7])
    closed.closes_at = moment - timedelta(days=10)
    db.session.commit()
    online.close_due_forums()
    online.write_summary(closed, staff, (
        "주민 **3명**이 의견을 냈습니다.\n\n"
        "- 시간대별로 나누어 쓰자는 의견(낮 어르신 쉼터, 저녁 청소년 공간)이 가장 많은 공감을 받았습니다.\n"
        "- 육아 모임 공간 요구도 있었습니다.\n\n"
        "마을공동체분과가 내년 상반기 시범 운영안을 만들기로 했습니다."))

    # Questions on the online town hall that is live now (the live-console demo), if there is one.
    live = db.session.scalar(select(Event).where(Event.kind == EventKind.TOWN_HALL, Event.online.is_(True),
                                                 Event.status == EventStatus.PUBLISHED, Event.qa_open.is_(True),
                                                 Event.starts_at <= moment, Event.ends_at >= moment))
    if live is not None:
        asked = []
        for n, (text, anonymous, votes) in enumerate(QUESTIONS):
            question = qa.ask(live, neighbours[n], text, anonymous=anonymous)
            question.created_at = moment - timedelta(minutes=40 - n * 7)
            asked.append((question, votes))
        db.session.commit()
        for question, votes in asked:
            for voter in [p for p in neighbours + [resident, member] if p.id != question.author_id][:votes]:
                qa.upvote(question, voter)
        qa.mark_question(asked[2][0], staff, "answered")
