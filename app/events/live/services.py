"""The live console of an online event: segment, announcements, Q&A switch, votes on screen; online attendance.

Every change commits first and is then pushed to the event's room on the
``/live`` Socket.IO namespace as a full snapshot of the state (with a
growing ``seq``), so a client that missed messages or reconnects is whole
again after one snapshot.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app import audit
from app.auth.models import User
from app.errors import Conflict, Forbidden, ServiceError
from app.events.live.models import Announcement, LiveState
from app.events.models import Attendance, AttendanceMode, Audience, Event, EventStatus, Registration, RegistrationStatus
from app.extensions import db
from app.sockets import emit_after_commit
from app.utils import KST, link, now
from app.voting.models import RoundStatus, VoteRound

NAMESPACE = "/live"
ON_AIR_BEFORE = timedelta(minutes=30)  # the live room opens this long before the start
ON_AIR_AFTER = timedelta(minutes=30)  # and stays open this long after the end
ANNOUNCEMENTS_SHOWN = 10
MAX_ANNOUNCEMENT = 500


def room(event_id: int) -> str:
    return f"event-{event_id}"


def event_id_of(room_name: str) -> int | None:
    """The event a room name of :func:`room` belongs to."""
    prefix, _sep, number = room_name.partition("-")
    return int(number) if prefix == "event" and number.isdigit() else None


def get_live_event_or_404(event_id: int) -> Event:
    """An online event (the ones with a live room)."""
    from flask import abort

    event = db.session.get(Event, event_id)
    if event is None or not event.online:
        abort(404)
    return event


def is_on_air(event: Event, moment: datetime | None = None) -> bool:
    """Whether the live room is open: from a little before the start to a little after the end, unless cancelled."""
    moment = moment or now()
    return (event.status is EventStatus.PUBLISHED
            and event.starts_at - ON_AIR_BEFORE <= moment <= event.ends_at + ON_AIR_AFTER)


# --- reading -----------------------------------------------------------------------

def state_of(event: Event) -> LiveState | None:
    return db.session.get(LiveState, event.id)


def event_rounds(event: Event) -> list[VoteRound]:
    """Vote rounds that belong to the event, newest first."""
    return list(db.session.scalars(select(VoteRound).where(VoteRound.event_id == event.id)
                                   .order_by(VoteRound.id.desc())))


def checked_in(event: Event) -> int:
    """How many are checked in now: the base (재적) a quick vote opened now would count its quorum from."""
    return db.session.scalar(select(func.count()).select_from(Attendance).where(Attendance.event_id == event.id))


def round_on_screen(event: Event, state: LiveState | None = None) -> VoteRound | None:
    """The vote the console put on screen, else the event's newest vote that is not a draft."""
    state = state if state is not None else state_of(event)
    if state is not None and state.round is not None:
        return state.round
    return next((r for r in event_rounds(event) if r.status is not RoundStatus.DRAFT), None)


def announcements(event: Event, limit: int = ANNOUNCEMENTS_SHOWN) -> list[Announcement]:
    return list(db.session.scalars(select(Announcement).where(Announcement.event_id == event.id)
                                   .order_by(Announcement.id.desc()).limit(limit)))


def _kst(moment: datetime | None) -> str:
    return (moment + KST).strftime("%H:%M") if moment else ""


def vote_view(round_: VoteRound | None) -> dict[str, Any] | None:
    """What the live page and projector show about a vote: status, turnout, links, and whether results show.

    Pushed to everyone in the room, so ``results`` is what the public may see (never a result staff
    have counted but not published).
    """
    if round_ is None:
        return None
    from app.voting import services as voting

    turnout = voting.turnout(round_)
    return {
        "id": round_.id, "title": round_.title, "status": round_.status.value, "status_label": round_.status.label,
        "open": round_.status is RoundStatus.OPEN, "cast": turnout["cast"], "eligible": turnout["eligible"],
        "closes_at": _kst(round_.closes_at),
        "results": voting.results_visible(round_, None),
        "url": link("voting.detail", round_id=round_.id),
        "results_url": link("voting.results", round_id=round_.id),
        "turnout_url": link("voting.turnout_json", round_id=round_.id),
    }


def votes_to_follow(event: Event, state: LiveState | None = None) -> list[VoteRound]:
    """The votes a participant can act on: the one on screen first, then every other open vote of the event."""
    on_screen = round_on_screen(event, state)
    shown = [on_screen] if on_screen is not None else []
    return shown + [r for r in reversed(event_rounds(event))
                    if r.status is RoundStatus.OPEN and (on_screen is None or r.id != on_screen.id)]


def snapshot(event: Event, state: LiveState | None = None) -> dict[str, Any]:
    """The whole live state of an event, as pushed to clients and rendered on load."""
    state = state if state is not None else state_of(event)
    return {
        "event_id": event.id,
        "seq": state.seq if state else 0,
        "on_air": is_on_air(event),
        "segment": {"title": state.segment_title if state else "", "text": state.segment_text if state else "",
                    "since": _kst(state.segment_set_at) if state else ""},
        "announcements": [{"id": a.id, "text": a.text, "at": _kst(a.created_at)} for a in announcements(event)],
        "qa_open": bool(event.qa_open),
        "vote": vote_view(round_on_screen(event, state)),
        "votes": [vote_view(r) for r in votes_to_follow(event, state)],
    }


# --- changes from the console -------------------------------------------------------------

def _require_console(event: Event, actor: User) -> None:
    from app.permissions import can

    if not event.online:
        raise ServiceError(_("온라인 행사에만 진행 화면이 있습니다."))
    if not can("events.manage", event, user=actor):
        raise ServiceError(_("행사 진행은 협치지원관이나 주관 기구의 위원장·간사만 할 수 있습니다."))
    if event.status is EventStatus.CANCELLED:
        raise Conflict(_("취소된 행사입니다."))


def _state_for_update(event: Event) -> LiveState:
    state = state_of(event)
    if state is None:
        try:
            with db.session.begin_nested():
                state = LiveState(event_id=event.id, seq=0, updated_at=now())
                db.session.add(state)
        except IntegrityError:  # another console created it at the same moment
            state = state_of(event)
    return state


def _announce(event: Event, state: LiveState, actor: User) -> dict[str, Any]:
    """Bump the sequence (in the database, so concurrent changes are ordered), then push after the commit."""
    state.seq = LiveState.seq + 1
    state.updated_at, state.updated_by_id = now(), actor.id
    db.session.flush()
    db.session.refresh(state)
    data = snapshot(event, state)
    emit_after_commit("state", data, room=room(event.id), namespace=NAMESPACE)
    return data


def _commit() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(_("다른 사람이 그사이 행사를 바꾸었습니다. 새로 고친 뒤 다시 해 주세요."))


def set_segment(event: Event, title: str, text: str, *, actor: User) -> None:
    """Show what is on stage now (a short title and a few lines)."""
    _require_console(event, actor)
    title, text = (title or "").strip(), (text or "").strip()
    if not title:
        raise ServiceError(_("지금 순서의 제목을 적어 주세요."), "title")
    if len(title) > 200 or len(text) > 2000:
        raise ServiceError(_("제목은 200자, 내용은 2,000자까지 쓸 수 있습니다."), "text")
    state = _state_for_update(event)
    state.segment_title, state.segment_text, state.segment_set_at = title, text, now()
    audit.record("live.segment", event, actor=actor, title=title)
    _announce(event, state, actor)
    _commit()


def post_announcement(event: Event, text: str, *, actor: User, client_token: str | None = None) -> Announcement:
    """Post a notice to everyone following; a retried form posts it once."""
    _require_console(event, actor)
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("공지 내용을 적어 주세요."), "text")
    if len(text) > MAX_ANNOUNCEMENT:
        raise ServiceError(_("공지는 %(n)d자까지 쓸 수 있습니다.", n=MAX_ANNOUNCEMENT), "text")
    if client_token:
        existing = db.session.scalar(select(Announcement).where(Announcement.client_token == client_token))
        if existing is not None:
            return existing
    announcement = Announcement(event_id=event.id, text=text, client_token=client_token or None,
                                created_at=now(), created_by_id=actor.id)
    try:
        with db.session.begin_nested():
            db.session.add(announcement)
    except IntegrityError:  # the same form twice at the same moment
        return db.session.scalar(select(Announcement).where(Announcement.client_token == client_token))
    audit.record("live.announce", event, actor=actor, announcement_id=announcement.id)
    _announce(event, _state_for_update(event), actor)
    _commit()
    return announcement


def set_qa_open(event: Event, open_: bool, *, actor: User) -> None:
    """Open or close the live Q&A (the forums' Q&A widget reads ``Event.qa_open``)."""
    _require_console(event, actor)
    if bool(event.qa_open) == bool(open_):
        return
    event.qa_open = bool(open_)
    audit.record("live.qa_open" if open_ else "live.qa_close", event, actor=actor)
    from app.forums.qa import publish_live

    publish_live(event, "qa.state", {"open": event.qa_open})  # the Q&A widget's own room, same commit
    _announce(event, _state_for_update(event), actor)
    _commit()


def _eligibility_for_event() -> str:
    from app.voting.eligibility import ELIGIBILITY

    return "event_attendees" if "event_attendees" in ELIGIBILITY else "any_user"


def launch_quick_vote(event: Event, *, title: str, question: str, minutes: int, actor: User,
                      live_results: bool = False, client_token: str | None = None) -> VoteRound:
    """Put a yes/no question to the people attending (on site or online) and open it now.

    One transaction: the round, its question, the opening and the console showing it commit
    together or not at all; the form's token makes a double click or a retry open one vote.
    """
    from app.permissions import can
    from app.voting import services as voting

    _require_console(event, actor)
    if not can("vote.launch_at_event", event, user=actor):
        raise Forbidden(_("이 행사에서 투표를 시작할 권한이 없습니다. 협치지원관이나 기구의 위원장·공동위원장이 시작할 수 있습니다."))
    client_token = (client_token or "").strip()[:64] or None
    same = _round_by_token(client_token)
    if same is not None:
        return same
    title, question = (title or "").strip(), (question or "").strip()
    if not title:
        raise ServiceError(_("투표 제목을 적어 주세요."), "title")
    if not question:
        raise ServiceError(_("묻는 내용을 적어 주세요."), "question")
    if not minutes or not 1 <= minutes <= 240:
        raise ServiceError(_("투표 시간은 1분에서 240분 사이로 정해 주세요."), "minutes")
    try:
        round_ = voting.save_round(
            None, actor=actor, title=title[:200], description=_("%(event)s 현장 투표", event=event.title),
            method="yes_no", eligibility=_eligibility_for_event(), body_id=event.body_id, budget=None,
            min_picks=None, max_picks=None, seats=None, tally_rule="greedy", allow_revote=False,
            live_results=live_results, event_id=event.id, client_token=client_token, commit=False)
        voting.add_option(round_, title=question[:200], description="", cost=0, proposer_id=None, actor=actor,
                          commit=False)
        round_.closes_at = now() + timedelta(minutes=minutes)
        voting.open_round(round_, actor=actor, commit=False)
        _show(event, round_, actor)
    except IntegrityError:  # the same form, submitted twice at once: the other submission opened it
        db.session.rollback()
        same = _round_by_token(client_token)
        if same is None:
            raise
        return same
    except Exception:
        db.session.rollback()  # nothing half-made: no stray draft round or unopened question
        raise
    return round_


def _round_by_token(client_token: str | None) -> VoteRound | None:
    if not client_token:
        return None
    return db.session.scalar(select(VoteRound).where(VoteRound.client_token == client_token))


def _event_round(event: Event, round_id: int) -> VoteRound:
    round_ = db.session.get(VoteRound, round_id)
    if round_ is None or round_.event_id != event.id:
        raise ServiceError(_("이 행사의 투표가 아닙니다."), "round_id")
    return round_


def _show(event: Event, round_: VoteRound, actor: User) -> None:
    state = _state_for_update(event)
    state.round_id = round_.id
    _announce(event, state, actor)
    _commit()


def vote_action(event: Event, round_id: int, action: str, *, actor: User) -> VoteRound:
    """Open (a round prepared on the voting screens), close, tally, publish, or just show a vote of this event."""
    from app.permissions import can
    from app.voting import services as voting
    from app.voting import tally

    _require_console(event, actor)
    round_ = _event_round(event, round_id)
    runs = {"open": voting.open_round, "close": voting.close_round, "tally": tally.request_tally,
            "publish": tally.publish}
    if action not in runs and action != "show":
        raise ServiceError(_("할 수 없는 작업입니다."))
    if action in runs:
        if not can("vote.manage", round_, user=actor):
            raise ServiceError(_("이 투표를 진행할 권한이 없습니다."))
        if action == "open" and (round_.closes_at is None or round_.closes_at <= now()):
            raise ServiceError(_("투표 화면에서 마감 시각을 먼저 정해 주세요."))
        runs[action](round_, actor=actor)
        db.session.refresh(round_)
    _show(event, round_, actor)
    return round_


# --- following --------------------------------------------------------------------------------

def _registration_of(event: Event, user: User) -> Registration | None:
    return db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.user_id == user.id,
        Registration.status == RegistrationStatus.CONFIRMED))


def record_online_attendance(event: Event, user) -> bool:
    """Joining the live room while it is on air counts as online attendance for a registrant
    (or anyone logged in, at a public event). Idempotent; returns whether the person counts."""
    if not getattr(user, "is_authenticated", False) or not is_on_air(event):
        return False
    registration = _registration_of(event, user)
    if registration is None and event.audience is not Audience.PUBLIC:
        return False
    if db.session.scalar(select(Attendance.id).where(Attendance.event_id == event.id,
                                                     Attendance.user_id == user.id)) is not None:
        return True  # already counted (on site or online)
    from app.events.services import check_in_is_open, record_attendance

    if not check_in_is_open(event):  # the room opens early and stays open late; attendance does not
        return False

    try:
        record_attendance(event, user=user, registration=registration, mode=AttendanceMode.ONLINE, commit=False)
        db.session.commit()
    except (IntegrityError, ServiceError):  # two tabs joining at once: the other one counted
        db.session.rollback()
    return True
