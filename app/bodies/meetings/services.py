"""Body meeting services: schedule with an agenda, roll call and quorum, decisions, minutes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app import audit
from app.agenda.models import AgendaItem
from app.agenda.stages import STAGES
from app.auth.models import User
from app.bodies.meetings.markdown import render
from app.bodies.meetings.models import (
    BodyMeeting, MeetingAgendaItem, MeetingDecision, Minutes, MinutesCorrection, MinutesStatus, RollCallEntry,
)
from app.bodies.meetings.quorum import DEFAULT_RULE, QUORUM_RULES, Quorum
from app.bodies.models import Body, MemberRole, Membership
from app.errors import Conflict, ServiceError
from app.events.models import Attendance, AttendanceMode, Audience, Event, EventKind, EventStatus
from app.extensions import db
from app.notifications import notify
from app.utils import KST, link, now, today

OFFICER_ROLES = (MemberRole.CHAIR, MemberRole.CO_CHAIR, MemberRole.SECRETARY)
MAX_AGENDA = 30


class NotAllowed(ServiceError):
    """The person may not do this (a 403 with a message)."""

    status = 403


# --- who runs a meeting ---------------------------------------------------------------

def is_officer(body: Body | None, user) -> bool:
    """Chair, co-chair or secretary (위원장·공동위원장·간사) of ``body`` today."""
    if body is None or not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(select(Membership.id).where(
        Membership.body_id == body.id, Membership.user_id == user.id, Membership.active_on(today()),
        Membership.role.in_(OFFICER_ROLES))) is not None


def runs_meetings(user, body: Body | None) -> bool:
    """Staff, or an officer of the body."""
    return bool(getattr(user, "is_authenticated", False)) and (user.is_staff or is_officer(body, user))


def _require_runner(meeting_or_body, actor, message: str | None = None) -> None:
    body = meeting_or_body.body if isinstance(meeting_or_body, BodyMeeting) else meeting_or_body
    if not runs_meetings(actor, body):
        raise NotAllowed(message or _("기구의 위원장·공동위원장·간사나 협치지원관만 할 수 있습니다."))


# --- reading -------------------------------------------------------------------------

def get_meeting_or_404(body_id: int, event_id: int) -> BodyMeeting:
    meeting = db.session.get(BodyMeeting, event_id)
    if meeting is None or meeting.event.body_id != body_id:
        from flask import abort

        abort(404)
    return meeting


def meetings_of(body: Body, *, limit: int | None = None) -> list[BodyMeeting]:
    """The body's meetings, newest first (cancelled ones included, marked)."""
    stmt = (select(BodyMeeting).join(BodyMeeting.event).where(Event.body_id == body.id, Event.kind == EventKind.BODY_MEETING)
            .options(db.contains_eager(BodyMeeting.event)).order_by(Event.starts_at.desc()))
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def published_minutes_of(body: Body) -> dict[int, Minutes]:
    """Published minutes of the body's meetings, by event id."""
    rows = db.session.scalars(select(Minutes).join(Event, Event.id == Minutes.event_id).where(
        Event.body_id == body.id, Minutes.status == MinutesStatus.PUBLISHED))
    return {m.event_id: m for m in rows}


def counting_members(body: Body) -> list[Membership]:
    """Current members who count for the quorum: every seat but observers, one per person."""
    seats = [m for m in body.current_memberships() if m.role is not MemberRole.OBSERVER]
    seen: set[int] = set()
    unique = []
    for seat in seats:
        if seat.user_id not in seen:
            seen.add(seat.user_id)
            unique.append(seat)
    return unique


def quorum(meeting: BodyMeeting) -> Quorum:
    """The quorum as of the latest roll call (재적 = members at that roll call)."""
    rule = QUORUM_RULES.get(meeting.quorum_rule) or QUORUM_RULES[DEFAULT_RULE]
    if meeting.roll_call_at is None:
        return Quorum(rule=rule, members=len(counting_members(meeting.body)), present=0, taken=False)
    members = len(meeting.roll_call)
    present = sum(1 for entry in meeting.roll_call if entry.present)
    return Quorum(rule=rule, members=members, present=present, taken=True)


def agenda_candidates(meeting_or_body) -> list[AgendaItem]:
    """Agenda items the body holds now and has not decided for good (not yet on the meeting's agenda)."""
    body = meeting_or_body.body if isinstance(meeting_or_body, BodyMeeting) else meeting_or_body
    final = [key for key, stage in STAGES.items() if stage.final] + ["draft"]
    stmt = (select(AgendaItem).where(AgendaItem.body_id == body.id, AgendaItem.stage.not_in(final))
            .order_by(AgendaItem.id))
    items = list(db.session.scalars(stmt))
    if isinstance(meeting_or_body, BodyMeeting):
        taken = {entry.agenda_item_id for entry in meeting_or_body.agenda}
        items = [item for item in items if item.id not in taken]
    return items


def decision_for(meeting: BodyMeeting, item_id: int) -> MeetingDecision | None:
    return next((d for d in meeting.decisions if d.agenda_item_id == item_id), None)


def meeting_url(meeting: BodyMeeting) -> str:
    return link("bodies.meeting", body_id=meeting.event.body_id, event_id=meeting.event_id)


# --- scheduling ----------------------------------------------------------------------------

@dataclass
class MeetingTimes:
    starts_at: datetime  # naive UTC
    ends_at: datetime


def kst_times(day, start, end) -> MeetingTimes:
    """A date and two wall-clock times in KST to naive UTC."""
    starts = datetime.combine(day, start) - KST
    ends = datetime.combine(day, end) - KST
    return MeetingTimes(starts, ends)


def schedule_meeting(body: Body, *, actor: User, title: str, starts_at: datetime, ends_at: datetime, venue: str,
                     description: str = "", quorum_rule: str = DEFAULT_RULE, agenda_item_ids: list[int] | None = None,
                     client_token: str | None = None, online: bool = False) -> BodyMeeting:
    """Put a meeting of ``body`` on the calendar with its agenda, and tell the members. A retried form adds nothing."""
    _require_runner(body, actor, _("회의는 기구의 위원장·공동위원장·간사나 협치지원관만 열 수 있습니다."))
    if client_token:
        existing = db.session.scalar(select(BodyMeeting).where(BodyMeeting.client_token == client_token))
        if existing is not None:
            return existing  # a double click or a retry: the first one stands
    title = (title or "").strip()
    if not title:
        raise ServiceError(_("회의 이름을 적어 주세요."), "title")
    if quorum_rule not in QUORUM_RULES:
        raise ServiceError(_("의사정족수 규칙을 골라 주세요."), "quorum_rule")
    if ends_at <= starts_at:
        raise ServiceError(_("끝나는 시각은 시작 시각보다 늦어야 합니다."), "end_time")
    if starts_at < now() - timedelta(days=1):
        raise ServiceError(_("지난 날짜에는 회의를 열 수 없습니다."), "day")
    candidates = {item.id: item for item in agenda_candidates(body)}
    ids = list(dict.fromkeys(agenda_item_ids or []))
    if any(i not in candidates for i in ids):
        raise ServiceError(_("이 기구가 다루는 의제만 안건으로 올릴 수 있습니다. 페이지를 새로 고친 뒤 다시 골라 주세요."),
                           "agenda_item_ids")
    if len(ids) > MAX_AGENDA:
        raise ServiceError(_("안건은 한 회의에 %(n)d건까지 올릴 수 있습니다.", n=MAX_AGENDA), "agenda_item_ids")
    moment = now()
    from app.events.services import create_event

    try:
        # Members' business: the public reads the meeting and its minutes but does not register for it.
        event = create_event(kind=EventKind.BODY_MEETING, title=title, starts_at=starts_at, ends_at=ends_at,
                             actor=actor, body=body, description=(description or "").strip(), venue=venue,
                             online=online, audience=Audience.BODY_MEMBERS, publish=True, commit=False)
    except ServiceError as error:
        error.field = {"starts_at": "start_time", "ends_at": "end_time"}.get(error.field, error.field)
        db.session.rollback()
        raise
    meeting = BodyMeeting(event=event, quorum_rule=quorum_rule, client_token=client_token or None, created_at=moment)
    for position, item_id in enumerate(ids):
        meeting.agenda.append(MeetingAgendaItem(agenda_item_id=item_id, position=position, added_by_id=actor.id,
                                                created_at=moment))
    db.session.add(meeting)
    try:
        db.session.flush()
    except IntegrityError:  # the same form twice at the same moment: the other one won
        db.session.rollback()
        existing = db.session.scalar(select(BodyMeeting).where(BodyMeeting.client_token == client_token))
        if existing is None:
            raise
        return existing
    audit.record("meeting.schedule", event, actor=actor, body_id=body.id, starts_at=starts_at.isoformat(),
                 agenda=ids, quorum_rule=quorum_rule)
    href = meeting_url(meeting)
    when = (starts_at + KST).strftime("%Y-%m-%d %H:%M")
    for seat in counting_members(body):
        if seat.user_id != actor.id:
            notify(seat.user, _("%(body)s 회의가 %(when)s에 열립니다: %(title)s", body=body.name, when=when, title=title),
                   href, email_subject=_("[협치 플랫폼] 회의 안내"))
    db.session.commit()
    return meeting


def add_agenda_item(meeting: BodyMeeting, item_id: int, *, actor: User) -> None:
    """Put one more of the body's agenda items on the meeting's order of business."""
    _require_runner(meeting, actor)
    _require_not_cancelled(meeting)
    if meeting_minutes_published(meeting):
        raise Conflict(_("회의록을 공개한 회의의 안건은 바꿀 수 없습니다."))
    if any(entry.agenda_item_id == item_id for entry in meeting.agenda):
        return  # already there: a double click
    if item_id not in {item.id for item in agenda_candidates(meeting)}:
        raise ServiceError(_("이 기구가 다루는 의제만 안건으로 올릴 수 있습니다."), "agenda_item_id")
    if len(meeting.agenda) >= MAX_AGENDA:
        raise ServiceError(_("안건은 한 회의에 %(n)d건까지 올릴 수 있습니다.", n=MAX_AGENDA), "agenda_item_id")
    position = max((entry.position for entry in meeting.agenda), default=-1) + 1
    meeting.agenda.append(MeetingAgendaItem(agenda_item_id=item_id, position=position, added_by_id=actor.id,
                                            created_at=now()))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return
    audit.record("meeting.agenda_add", meeting.event, actor=actor, agenda_item_id=item_id)
    db.session.commit()


def remove_agenda_item(meeting: BodyMeeting, item_id: int, *, actor: User) -> None:
    """Take an undecided item off the agenda."""
    _require_runner(meeting, actor)
    entry = next((e for e in meeting.agenda if e.agenda_item_id == item_id), None)
    if entry is None:
        return
    if decision_for(meeting, item_id) is not None:
        raise Conflict(_("이미 결정한 안건은 뺄 수 없습니다."))
    meeting.agenda.remove(entry)
    audit.record("meeting.agenda_remove", meeting.event, actor=actor, agenda_item_id=item_id)
    db.session.commit()


def move_agenda_item(meeting: BodyMeeting, item_id: int, direction: int, *, actor: User) -> None:
    """Move an item one place up (-1) or down (+1) in the order of business."""
    _require_runner(meeting, actor)
    entries = list(meeting.agenda)
    index = next((i for i, e in enumerate(entries) if e.agenda_item_id == item_id), None)
    if index is None or not 0 <= index + direction < len(entries):
        return
    entries[index], entries[index + direction] = entries[index + direction], entries[index]
    for position, entry in enumerate(entries):
        entry.position = position
    db.session.commit()


def cancel_meeting(meeting: BodyMeeting, reason: str, *, actor: User) -> None:
    """Call a meeting off before it has decided anything; members are told."""
    _require_runner(meeting, actor)
    if meeting.event.status is EventStatus.CANCELLED:
        return
    if meeting.decisions:
        raise Conflict(_("안건을 결정한 회의는 취소할 수 없습니다."))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("취소 사유를 적어 주세요."), "reason")
    event = meeting.event
    event.status = EventStatus.CANCELLED
    event.cancel_reason = reason[:500]
    event.updated_at = now()
    audit.record("meeting.cancel", event, actor=actor, reason=reason)
    for seat in counting_members(meeting.body):
        if seat.user_id != actor.id:
            notify(seat.user, _("%(body)s 회의(%(title)s)가 취소되었습니다. 사유: %(reason)s", body=meeting.body.name,
                                title=event.title, reason=reason), meeting_url(meeting),
                   email_subject=_("[협치 플랫폼] 회의 취소"))
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(_("다른 사람이 먼저 이 회의를 바꾸었습니다. 새로 고친 뒤 확인해 주세요."))


def _require_not_cancelled(meeting: BodyMeeting) -> None:
    if meeting.event.status is EventStatus.CANCELLED:
        raise Conflict(_("취소된 회의입니다."))


def _require_meeting_day(meeting: BodyMeeting) -> None:
    if (meeting.event.starts_at + KST).date() > today():
        raise ServiceError(_("회의 당일부터 출석을 확인하고 안건을 결정할 수 있습니다. (회의일: %(day)s)",
                             day=(meeting.event.starts_at + KST).date().isoformat()))


# --- roll call and quorum -------------------------------------------------------------------

def record_presence(event: Event, user: User, *, actor: User | None) -> None:
    """An on-site attendance row for a member present at the roll call (idempotent; committed by the caller)."""
    from app.events.services import record_attendance

    record_attendance(event, user=user, mode=AttendanceMode.ON_SITE, actor=actor, commit=False)


def take_roll_call(meeting: BodyMeeting, present_user_ids: list[int], *, actor: User) -> Quorum:
    """Record who of the current members is present (again, for late arrivals); present members count as attendance."""
    _require_runner(meeting, actor, _("출석 확인은 기구의 위원장·공동위원장·간사나 협치지원관만 할 수 있습니다."))
    _require_not_cancelled(meeting)
    _require_meeting_day(meeting)
    # The roll call writes attendance, which quorum and vote eligibility read: only while check-in is open.
    from app.events.services import require_check_in_open

    require_check_in_open(meeting.event)
    members = {seat.user_id: seat for seat in counting_members(meeting.body)}
    present = set(present_user_ids or [])
    if present - set(members):
        raise ServiceError(_("이 기구의 현재 위원이 아닌 사람이 포함되어 있습니다. 페이지를 새로 고친 뒤 다시 확인해 주세요."))
    moment = now()
    entries = {entry.user_id: entry for entry in meeting.roll_call}
    for user_id, seat in members.items():
        entry = entries.get(user_id)
        if entry is None:
            entry = RollCallEntry(user_id=user_id, role=seat.role)
            meeting.roll_call.append(entry)
        entry.role = seat.role
        entry.present = user_id in present
        entry.recorded_at, entry.recorded_by_id = moment, actor.id
    # Someone who left the body since the last roll call no longer counts.
    for user_id, entry in entries.items():
        if user_id not in members:
            meeting.roll_call.remove(entry)
    meeting.roll_call_at, meeting.roll_call_by_id = moment, actor.id
    db.session.flush()
    for user_id in present:
        record_presence(meeting.event, members[user_id].user, actor=actor)
    state = quorum(meeting)
    audit.record("meeting.roll_call", meeting.event, actor=actor, present=sorted(present), members=state.members,
                 quorum_met=state.met)
    try:
        db.session.commit()
    except IntegrityError:  # two officers at once: the other roll call stands; show it
        db.session.rollback()
        raise Conflict(_("다른 사람이 동시에 출석을 확인했습니다. 새로 고친 뒤 다시 확인해 주세요."))
    return state


# --- decisions -----------------------------------------------------------------------------------

def check_decision(meeting: BodyMeeting, item_id: int, outcome: str, *, actor: User, reason: str = "",
                   expected_version: int | None = None, vote_minutes: int | None = None) -> None:
    """Raise the ServiceError ``decide`` would raise for this decision, without writing anything."""
    from app.bodies.meetings.outcomes import OUTCOMES

    entry, _state = _decision_allowed(meeting, item_id, outcome, actor=actor, expected_version=expected_version)
    OUTCOMES[outcome].check(entry.item, reason=(reason or "").strip(), vote_minutes=vote_minutes)


def _decision_allowed(meeting: BodyMeeting, item_id: int, outcome: str, *, actor: User,
                      expected_version: int | None) -> tuple[MeetingAgendaItem, Quorum]:
    from app.bodies.meetings.outcomes import OUTCOMES

    _require_runner(meeting, actor, _("안건 결정은 기구의 위원장·공동위원장·간사나 협치지원관만 기록할 수 있습니다."))
    _require_not_cancelled(meeting)
    _require_meeting_day(meeting)
    entry = next((e for e in meeting.agenda if e.agenda_item_id == item_id), None)
    if entry is None:
        raise ServiceError(_("이 회의의 안건이 아닙니다."))
    if outcome not in OUTCOMES:
        raise ServiceError(_("결정 내용을 골라 주세요."), "outcome")
    state = quorum(meeting)
    if not state.taken:
        raise ServiceError(_("출석을 먼저 확인해 주세요. 의사정족수가 차야 안건을 결정할 수 있습니다."))
    if not state.met:
        raise ServiceError(_("의사정족수가 차지 않아 결정할 수 없습니다. 재적 %(members)d명 중 %(required)d명 이상 출석해야 하는데 "
                             "지금 %(present)d명 출석했습니다.", members=state.members, required=state.required,
                             present=state.present))
    if decision_for(meeting, item_id) is not None:
        raise Conflict(_("이 안건은 이미 결정했습니다."))
    item = entry.item
    if expected_version is not None and item.version != expected_version:
        raise Conflict(_("다른 사람이 먼저 이 의제를 옮겼습니다. 새로 고친 뒤 현재 단계를 확인해 주세요."))
    return entry, state


def decide(meeting: BodyMeeting, item_id: int, outcome: str, *, actor: User, reason: str = "",
           expected_version: int | None = None, vote_minutes: int | None = None) -> MeetingDecision:
    """Decide one agenda item (advance, reject, hold, or open a members' vote); refused without quorum."""
    from app.bodies.meetings.outcomes import OUTCOMES

    entry, state = _decision_allowed(meeting, item_id, outcome, actor=actor, expected_version=expected_version)
    item = entry.item
    decision = MeetingDecision(event_id=meeting.event_id, agenda_item_id=item_id, outcome=outcome,
                               from_stage=item.stage, reason=(reason or "").strip(), present_count=state.present,
                               member_count=state.members, decided_by_id=actor.id, decided_at=now())
    db.session.add(decision)
    try:
        db.session.flush()
    except IntegrityError:  # a double click: the first decision stands
        db.session.rollback()
        raise Conflict(_("이 안건은 이미 결정했습니다."))
    try:
        # The outcome commits once, with the decision row and the agenda's own records.
        OUTCOMES[outcome].apply(meeting, item, decision, actor=actor, reason=decision.reason,
                                vote_minutes=vote_minutes)
    except ServiceError:
        db.session.rollback()
        raise
    return decision


# --- minutes ---------------------------------------------------------------------------------------

def meeting_minutes(meeting: BodyMeeting) -> Minutes | None:
    return db.session.get(Minutes, meeting.event_id)


def meeting_minutes_published(meeting: BodyMeeting) -> bool:
    minutes = meeting_minutes(meeting)
    return minutes is not None and minutes.is_published


def minutes_template(meeting: BodyMeeting) -> str:
    """A first draft from what the platform already knows: when, where, who, and what was decided."""
    from app.bodies.meetings.outcomes import OUTCOMES

    event = meeting.event
    lines = [f"## {_('개요')}", "",
             f"- {_('일시')}: {(event.starts_at + KST).strftime('%Y-%m-%d %H:%M')} ~ {(event.ends_at + KST).strftime('%H:%M')}",
             f"- {_('장소')}: {event.venue or '—'}"]
    state = quorum(meeting)
    if state.taken:
        present = [e.user.public_name for e in meeting.roll_call if e.present]
        absent = [e.user.public_name for e in meeting.roll_call if not e.present]
        lines.append(f"- {_('출석')}: {_('재적 %(m)d명 중 %(p)d명', m=state.members, p=state.present)} "
                     f"({', '.join(present) or '—'})")
        lines.append(f"- {_('불참')}: {', '.join(absent) or '—'}")
    lines += ["", f"## {_('안건')}", ""]
    for n, entry in enumerate(meeting.agenda, 1):
        decision = decision_for(meeting, entry.agenda_item_id)
        lines.append(f"{n}. {entry.item.title}")
        if decision is not None:
            lines.append(f"   - {_('결정')}: {OUTCOMES[decision.outcome].describe(decision)}")
            if decision.reason:
                lines.append(f"   - {_('사유')}: {decision.reason}")
    lines += ["", f"## {_('논의 내용')}", "", "", f"## {_('다음 회의')}", "", ""]
    return "\n".join(lines)


MAX_MINUTES = 100_000


def save_minutes(meeting: BodyMeeting, body_md: str, *, actor: User, expected_version: int | None) -> Minutes:
    """Save the minutes draft; published minutes are locked, and two editors at once cannot overwrite each other."""
    _require_runner(meeting, actor, _("회의록은 기구의 위원장·공동위원장·간사나 협치지원관만 쓸 수 있습니다."))
    body_md = (body_md or "").replace("\r\n", "\n")
    if len(body_md) > MAX_MINUTES:
        raise ServiceError(_("회의록은 %(n)s자까지 쓸 수 있습니다.", n=f"{MAX_MINUTES:,}"), "body_md")
    minutes = meeting_minutes(meeting)
    if minutes is not None and minutes.is_published:
        raise Conflict(_("공개된 회의록은 고칠 수 없습니다. 바로잡을 내용은 '정정 덧붙이기'로 남겨 주세요."))
    if minutes is None:
        if expected_version:
            raise Conflict(_("회의록이 사라졌습니다. 새로 고친 뒤 다시 써 주세요."))
        minutes = Minutes(event_id=meeting.event_id, status=MinutesStatus.DRAFT)
        db.session.add(minutes)
    elif expected_version is not None and minutes.version != expected_version:
        raise Conflict(_("다른 사람이 그사이 회의록을 고쳤습니다. 새로 고쳐 바뀐 내용을 확인한 뒤 다시 저장해 주세요."),
                       "body_md")
    minutes.body_md = body_md
    minutes.body_html = render(body_md)
    minutes.updated_at, minutes.updated_by_id = now(), actor.id
    try:
        db.session.flush()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        raise Conflict(_("다른 사람이 그사이 회의록을 고쳤습니다. 새로 고쳐 바뀐 내용을 확인한 뒤 다시 저장해 주세요."),
                       "body_md")
    audit.record("minutes.save", meeting.event, actor=actor, length=len(body_md), version=minutes.version)
    db.session.commit()
    return minutes


def check_minutes_publishable(meeting: BodyMeeting, *, actor: User, expected_version: int | None = None) -> Minutes:
    """Raise the ServiceError ``publish_minutes`` would raise; returns the minutes (no writes)."""
    _require_runner(meeting, actor, _("회의록은 기구의 위원장·공동위원장·간사나 협치지원관만 공개할 수 있습니다."))
    minutes = meeting_minutes(meeting)
    if minutes is None or not minutes.body_md.strip():
        raise ServiceError(_("회의록을 먼저 쓰고 저장해 주세요."))
    if minutes.is_published:
        return minutes  # a double click: already public
    if expected_version is not None and minutes.version != expected_version:
        raise Conflict(_("다른 사람이 그사이 회의록을 고쳤습니다. 바뀐 내용을 확인한 뒤 공개해 주세요."))
    if meeting.event.starts_at > now():
        raise ServiceError(_("회의가 시작된 뒤에 회의록을 공개할 수 있습니다."))
    return minutes


def publish_minutes(meeting: BodyMeeting, *, actor: User, expected_version: int | None = None) -> Minutes:
    """Make the minutes public and lock them; the members are told."""
    minutes = check_minutes_publishable(meeting, actor=actor, expected_version=expected_version)
    if minutes.is_published:
        return minutes
    minutes.status = MinutesStatus.PUBLISHED
    minutes.published_at, minutes.published_by_id = now(), actor.id
    audit.record("minutes.publish", meeting.event, actor=actor, version=minutes.version)
    href = link("bodies.minutes", body_id=meeting.event.body_id, event_id=meeting.event_id)
    for seat in counting_members(meeting.body):
        if seat.user_id != actor.id:
            notify(seat.user, _("%(body)s 회의록이 공개되었습니다: %(title)s", body=meeting.body.name,
                                title=meeting.event.title), href)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(_("다른 사람이 그사이 회의록을 고쳤습니다. 바뀐 내용을 확인한 뒤 공개해 주세요."))
    return minutes


def add_correction(meeting: BodyMeeting, text_md: str, *, actor: User) -> MinutesCorrection:
    """Append a dated, signed correction to published minutes (their text itself never changes)."""
    _require_runner(meeting, actor, _("회의록 정정은 기구의 위원장·공동위원장·간사나 협치지원관만 할 수 있습니다."))
    minutes = meeting_minutes(meeting)
    if minutes is None or not minutes.is_published:
        raise ServiceError(_("공개된 회의록에만 정정을 덧붙일 수 있습니다. 작성 중인 회의록은 바로 고치세요."))
    text_md = (text_md or "").strip()
    if not text_md:
        raise ServiceError(_("정정 내용을 적어 주세요."), "text_md")
    if len(text_md) > 5000:
        raise ServiceError(_("정정 내용은 5,000자까지 쓸 수 있습니다."), "text_md")
    correction = MinutesCorrection(event_id=meeting.event_id, text_md=text_md, text_html=render(text_md),
                                   created_at=now(), created_by_id=actor.id)
    db.session.add(correction)
    db.session.flush()
    audit.record("minutes.correct", meeting.event, actor=actor, correction_id=correction.id)
    db.session.commit()
    return correction


def stats_for(body: Body) -> dict[str, int]:
    """Meetings held (not cancelled, already started) and their cumulative attendance."""
    held = select(Event.id).where(Event.body_id == body.id, Event.kind == EventKind.BODY_MEETING,
                                  Event.status != EventStatus.CANCELLED, Event.starts_at <= now())
    meetings = db.session.scalar(select(func.count()).select_from(held.subquery()))
    attendance = db.session.scalar(select(func.count()).select_from(Attendance).where(Attendance.event_id.in_(held)))
    return {"meetings": meetings or 0, "attendance": attendance or 0}
