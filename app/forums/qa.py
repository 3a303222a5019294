"""Live Q&A (실시간 질문) at events: questions, upvotes, staff marks, and the live console's room events."""
from __future__ import annotations

import re
import secrets

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import audit
from app.errors import ServiceError
from app.extensions import db
from app.forums import realtime
from app.forums.models import QUESTION_ANSWERED, QUESTION_HIDDEN, QUESTION_OPEN, Question, QuestionVote, Thread
from app.forums.moderation import clean_reason
from app.forums.services import clean_client_id, find_blocked_word, rate_limit, refuse_if_banned, thread_for
from app.forums.targets import Target
from app.permissions import can
from app.utils import now

MAX_QUESTION_CHARS = 300


def _event_thread(event) -> Thread:
    return thread_for(Target("event", event))


def questions(event, viewer=None) -> list[Question]:
    """Open questions by votes (then age), then answered ones; hidden ones only for staff."""
    stmt = select(Question).where(Question.event_id == event.id).options(joinedload(Question.author)) \
        .execution_options(populate_existing=True)
    if not (viewer is not None and can("forums.qa.moderate", event, user=viewer)):
        stmt = stmt.where(Question.state != QUESTION_HIDDEN)
    rows = list(db.session.scalars(stmt))
    order = {QUESTION_OPEN: 0, QUESTION_ANSWERED: 1, QUESTION_HIDDEN: 2}
    return sorted(rows, key=lambda q: (order.get(q.state, 3), -q.vote_count, q.id))


def my_votes(event, user) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(db.session.scalars(select(QuestionVote.question_id).join(Question, Question.id == QuestionVote.question_id)
                                  .where(Question.event_id == event.id, QuestionVote.user_id == user.id)))


def _qa_refusal(event, user) -> str:
    if not getattr(user, "is_authenticated", False):
        return _("로그인한 뒤 참여할 수 있습니다.")
    if not user.is_verified:
        return _("이메일 주소를 확인한 뒤 참여할 수 있습니다.")
    if not event.qa_open:
        return _("지금은 질문을 받지 않습니다.")
    return _("이 행사의 실시간 질문에 참여할 수 없습니다.")


def ask(event, user, text: str, *, anonymous: bool = False, client_id: str | None = None) -> Question:
    """Ask a question while the Q&A is open; the same ``client_id`` twice stores one question."""
    client_id = clean_client_id(client_id)
    if client_id:
        existing = db.session.scalar(select(Question).where(Question.author_id == user.id,
                                                            Question.client_id == client_id))
        if existing is not None:
            return existing
    if not can("forums.qa.ask", event, user=user):
        raise ServiceError(_qa_refusal(event, user))
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise ServiceError(_("질문을 적어 주세요."), "body")
    if len(text) > MAX_QUESTION_CHARS:
        raise ServiceError(_("질문은 %(n)d자까지 쓸 수 있습니다.", n=MAX_QUESTION_CHARS), "body")
    word = find_blocked_word(text)
    if word is not None:
        raise ServiceError(_("쓸 수 없는 낱말이 들어 있습니다: %(word)s", word=word), "body")
    thread = _event_thread(event)
    refuse_if_banned(user, thread, event.id)
    rate_limit(user)
    question = Question(event_id=event.id, author_id=user.id, body=text, anonymous=bool(anonymous),
                        state=QUESTION_OPEN, client_id=client_id, created_at=now())
    try:
        with db.session.begin_nested():
            db.session.add(question)
    except IntegrityError:
        return db.session.scalar(select(Question).where(Question.author_id == user.id, Question.client_id == client_id))
    question.author = user
    realtime.log_event(thread, "question.created", question=question)
    db.session.commit()
    return question


def upvote(question: Question, user) -> Question:
    """One upvote per person and question; voting again takes it back."""
    from app.events.models import Event

    event = db.session.get(Event, question.event_id)
    if not can("forums.qa.vote", event, user=user):
        raise ServiceError(_qa_refusal(event, user))
    if question.state != QUESTION_OPEN:
        raise ServiceError(_("답변했거나 숨긴 질문에는 공감할 수 없습니다."))
    if question.author_id == user.id:
        raise ServiceError(_("자기 질문에는 공감할 수 없습니다."))
    thread = _event_thread(event)
    refuse_if_banned(user, thread, event.id)
    mine = db.session.scalar(select(QuestionVote).where(QuestionVote.question_id == question.id,
                                                        QuestionVote.user_id == user.id))
    if mine is None:
        try:
            with db.session.begin_nested():
                db.session.add(QuestionVote(question_id=question.id, user_id=user.id, created_at=now()))
        except IntegrityError:
            return question
    else:
        db.session.delete(mine)
    db.session.flush()
    question.vote_count = db.session.scalar(select(func.count()).select_from(QuestionVote)
                                            .where(QuestionVote.question_id == question.id)) or 0
    realtime.log_event(thread, "question.votes", question=question)
    db.session.commit()
    return question


QUESTION_ACTIONS = {"answered": (QUESTION_ANSWERED, "question.answered"), "hide": (QUESTION_HIDDEN, "question.hidden"),
                    "reopen": (QUESTION_OPEN, "question.reopened")}


def mark_question(question: Question, actor, action: str, reason: str = "") -> Question:
    """Staff mark a question answered, hide it (with a reason) or put it back in the list."""
    from app.events.models import Event

    if action not in QUESTION_ACTIONS:
        raise ServiceError(_("할 일을 골라 주세요."))
    state, kind = QUESTION_ACTIONS[action]
    if action == "hide":
        reason = clean_reason(reason)
    if question.state == state:
        return question
    event = db.session.get(Event, question.event_id)
    question.state, question.moderated_by_id = state, actor.id
    question.answered_at = now() if state == QUESTION_ANSWERED else question.answered_at
    if state == QUESTION_HIDDEN:
        question.hidden_at, question.hidden_reason = now(), reason
    audit.record(f"forums.qa_{action}", question, actor=actor, event=event.id, reason=reason or None)
    realtime.log_event(_event_thread(event), kind, question=question)
    db.session.commit()
    return question


def publish_live(event, kind: str, data: dict) -> int:
    """For the live console: log ``kind`` (e.g. "announcement", "segment", "qa.state") with ``data`` in the
    event's room, numbered like every thread event, and broadcast after the caller's commit.

    Does not commit: call it inside the transaction that makes the change, then commit. Returns the seq.
    """
    if not re.fullmatch(r"[a-z][a-z_.]{1,31}", kind or ""):
        raise ValueError("event kinds are short lowercase names")
    return realtime.log_event(_event_thread(event), kind, data=dict(data or {})).seq


def new_client_id() -> str:
    return secrets.token_hex(16)
