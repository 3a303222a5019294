"""Events: creating and publishing, registration with a waitlist, guests, check-in, privacy.

Seats are handed out under a lock on the event row (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serializes writers), so the order in
which registrations take the lock is their arrival order: registration ids grow
in that order, every confirmed registration arrived before every waitlisted one,
and the waitlist is promoted by id.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app import audit
from app.auth.models import User
from app.bodies.models import Body, MemberRole, Membership
from app.errors import Conflict, ServiceError
from app.events.models import (
    Attendance, AttendanceMode, Audience, Event, EventKind, EventQuestion, EventStatus, GuestClaim,
    Registration, RegistrationAnswer, RegistrationStatus, SmsMessage,
)
from app.extensions import db
from app.mail import send_mail
from app.tasks import defer
from app.utils import KST, csv_document, link, now, today

MAX_QUESTIONS = 5
HOST_ROLES = (MemberRole.CHAIR, MemberRole.CO_CHAIR, MemberRole.SECRETARY)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on phones
GUEST_CODE_TTL = timedelta(minutes=30)
GUEST_CODE_ATTEMPTS = 5
GUEST_CODES_PER_HOUR = 5


class NotAllowed(ServiceError):
    """The user may not do this (shown as 403)."""

    status = 403


# --- small helpers ---------------------------------------------------------------------------

def normalize_email(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value or None


def normalize_phone(value: str | None) -> str | None:
    digits = re.sub(r"\D", "", value or "")
    return digits or None


def valid_phone(digits: str) -> bool:
    """A Korean mobile number (010…, 10–11 digits)."""
    return bool(re.fullmatch(r"01[016789]\d{7,8}", digits))


def normalize_code(value: str | None) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", value or "").upper()


def new_registration_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def kst(value: datetime | None) -> str:
    return (value + KST).strftime("%Y-%m-%d %H:%M") if value else ""


def get_event_or_404(event_id: int) -> Event:
    """The event with ``event_id`` or a 404."""
    return db.get_or_404(Event, event_id)


def bodies_user_hosts(user) -> list[Body]:
    """Bodies in which ``user`` is chair, co-chair or secretary today (they may host events)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    on = today()
    return list(db.session.scalars(
        select(Body).join(Membership, Membership.body_id == Body.id)
        .where(Membership.user_id == user.id, Membership.active_on(on), Membership.role.in_(HOST_ROLES))
        .order_by(Body.sort_order, Body.name)
    ))


def is_member_of(body: Body | None, user) -> bool:
    if body is None or user is None or not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(
        select(Membership.id).where(Membership.body_id == body.id, Membership.user_id == user.id,
                                    Membership.active_on(today()))
    ) is not None


def audience_refusal(event: Event, user) -> str | None:
    """Why ``user`` is outside the event's audience, or None (staff are always inside)."""
    if user is not None and getattr(user, "is_authenticated", False) and user.is_staff:
        return None
    if event.audience is Audience.PUBLIC:
        return None
    if user is None or not getattr(user, "is_authenticated", False):
        return _("이 행사는 로그인한 회원만 신청할 수 있습니다.")
    if event.audience is Audience.VERIFIED_RESIDENTS:
        if not user.is_verified or user.residency is None:
            return _("이 행사는 이메일 인증을 마친 구민(거주·직장·사업)만 신청할 수 있습니다.")
        return None
    if not is_member_of(event.body, user):
        name = event.body.name if event.body else ""
        return _("이 행사는 %(body)s 위원만 신청할 수 있습니다.", body=name)
    return None


def window_refusal(event: Event, at: datetime | None = None) -> str | None:
    """Why registration is closed right now, or None."""
    at = at or now()
    if event.status is EventStatus.CANCELLED:
        return _("취소된 행사입니다.")
    if event.status is not EventStatus.PUBLISHED:
        return _("아직 공개되지 않은 행사입니다.")
    if event.registration_opens_at and at < event.registration_opens_at:
        return _("신청 기간이 아닙니다. 신청은 %(when)s에 시작합니다.", when=kst(event.registration_opens_at))
    closes = event.registration_closes_at or event.starts_at
    if at >= closes:
        return _("신청 기간이 지났습니다. 신청은 %(when)s에 마감되었습니다.", when=kst(closes))
    return None


# --- creating and editing ---------------------------------------------------------------------

@dataclass
class QuestionSpec:
    prompt: str
    required: bool = False
    exportable: bool = False


def _check_url(value: str | None, field: str) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if not re.match(r"^https?://[^\s]+$", value) or len(value) > 500:
        raise ServiceError(_("http:// 또는 https://로 시작하는 주소를 입력해 주세요."), field)
    return value


def _validate(fields: dict, body: Body | None) -> None:
    if not (fields.get("title") or "").strip():
        raise ServiceError(_("행사 이름을 입력해 주세요."), "title")
    starts, ends = fields["starts_at"], fields["ends_at"]
    if starts is None:
        raise ServiceError(_("시작 일시를 입력해 주세요."), "starts_at")
    if ends is None or ends <= starts:
        raise ServiceError(_("끝나는 일시는 시작 일시보다 늦어야 합니다."), "ends_at")
    capacity = fields.get("capacity")
    if capacity is not None and capacity < 1:
        raise ServiceError(_("정원은 1명 이상이어야 합니다(제한이 없으면 비워 두세요)."), "capacity")
    opens, closes = fields.get("registration_opens_at"), fields.get("registration_closes_at")
    if opens and closes and closes <= opens:
        raise ServiceError(_("신청 마감은 신청 시작보다 늦어야 합니다."), "registration_closes_at")
    if closes and closes > ends:
        raise ServiceError(_("신청 마감은 행사가 끝나기 전이어야 합니다."), "registration_closes_at")
    if fields.get("audience") is Audience.BODY_MEMBERS and body is None:
        raise ServiceError(_("위원 대상 행사는 주관 기구를 정해야 합니다."), "audience")
    if not fields.get("online") and not (fields.get("venue") or "").strip() and not fields.get("stream_url"):
        raise ServiceError(_("장소를 입력하거나 온라인 행사로 정해 주세요."), "venue")


def _apply_questions(event: Event, questions: Iterable[QuestionSpec | dict]) -> None:
    specs = []
    for q in questions or ():
        if isinstance(q, dict):
            q = QuestionSpec(**q)
        if q.prompt and q.prompt.strip():
            specs.append(QuestionSpec(q.prompt.strip()[:200], bool(q.required), bool(q.exportable)))
    if len(specs) > MAX_QUESTIONS:
        raise ServiceError(_("신청 질문은 %(n)d개까지 만들 수 있습니다.", n=MAX_QUESTIONS), "questions")
    existing = {q.position: q for q in event.questions}
    for position, spec in enumerate(specs, start=1):
        row = existing.pop(position, None)
        if row is None:
            row = EventQuestion(position=position)
            event.questions.append(row)
        row.prompt, row.required, row.exportable = spec.prompt, spec.required, spec.exportable
    for row in existing.values():
        event.questions.remove(row)  # answers to a removed question go with it


def create_event(*, kind: EventKind, title: str, starts_at: datetime, ends_at: datetime, actor: User | None,
                 body: Body | None = None, body_id: int | None = None, cycle_id: int | None = None,
                 description: str = "", venue: str = "", map_url: str | None = None, online: bool = False,
                 stream_url: str | None = None, capacity: int | None = None,
                 registration_opens_at: datetime | None = None, registration_closes_at: datetime | None = None,
                 audience: Audience = Audience.PUBLIC, questions: Iterable = (), publish: bool = False,
                 commit: bool = True) -> Event:
    """Create an event (a draft unless ``publish``); staff, or a chair/secretary for their body's events."""
    from app.permissions import can

    if body is None and body_id:
        body = db.session.get(Body, body_id)
        if body is None:
            raise ServiceError(_("주관 기구를 찾을 수 없습니다."), "body_id")
    if actor is not None and not can("events.create_for_body", body, user=actor):
        raise NotAllowed(_("이 기구의 행사를 만들 권한이 없습니다."), "body_id")
    fields = dict(kind=kind, title=title, starts_at=starts_at, ends_at=ends_at, cycle_id=cycle_id,
                  description=description or "", venue=(venue or "").strip(),
                  map_url=_check_url(map_url, "map_url"), online=bool(online),
                  stream_url=_check_url(stream_url, "stream_url"), capacity=capacity,
                  registration_opens_at=registration_opens_at, registration_closes_at=registration_closes_at,
                  audience=audience)
    _validate(fields, body)
    fields["title"] = title.strip()
    event = Event(status=EventStatus.DRAFT, body=body, created_by_id=getattr(actor, "id", None),
                  created_at=now(), updated_at=now(), **fields)
    db.session.add(event)
    _apply_questions(event, questions)
    if publish:
        event.status = EventStatus.PUBLISHED
        event.published_at = now()
    db.session.flush()
    audit.record("event.create", event, actor=actor, kind=kind.value, title=event.title,
                 published=bool(publish))
    if commit:
        db.session.commit()
    return event


def update_event(event: Event, *, actor: User, expected_version: int | None = None,
                 questions: Iterable | None = None, **fields) -> Event:
    """Edit an event; a stale form (someone saved in between) is refused, and more seats promote the waitlist."""
    if expected_version is not None and expected_version != event.version:
        raise Conflict(_("다른 사람이 먼저 이 행사를 고쳤습니다. 새로 고친 뒤 다시 저장해 주세요."))
    body = event.body
    if "body_id" in fields:
        body_id = fields.pop("body_id")
        body = db.session.get(Body, body_id) if body_id else None
        from app.permissions import can

        if body is not event.body and not can("events.create_for_body", body, user=actor):
            raise NotAllowed(_("이 기구의 행사를 만들 권한이 없습니다."), "body_id")
    for key in ("map_url", "stream_url"):
        if key in fields:
            fields[key] = _check_url(fields[key], key)
    merged = {k: getattr(event, k) for k in (
        "title", "starts_at", "ends_at", "capacity", "registration_opens_at", "registration_closes_at",
        "audience", "online", "venue", "stream_url")}
    merged.update(fields)
    _validate(merged, body)
    old_capacity = event.capacity
    for key, value in fields.items():
        setattr(event, key, value.strip() if key == "title" else value)
    event.body = body
    if questions is not None:
        _apply_questions(event, questions)
    event.updated_at = now()
    audit.record("event.update", event, actor=actor, fields=sorted(fields))
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(_("다른 사람이 먼저 이 행사를 고쳤습니다. 새로 고친 뒤 다시 저장해 주세요."))
    if event.capacity is None or (old_capacity is not None and event.capacity > old_capacity):
        _defer_promotion(event.id)
        db.session.commit()
    return event


def _defer_promotion(event_id: int) -> None:
    from app.events.tasks import promote_waitlist_task

    defer(promote_waitlist_task, event_id)


def publish_event(event: Event, *, actor: User) -> Event:
    """Make a draft public."""
    if event.status is EventStatus.CANCELLED:
        raise Conflict(_("취소된 행사는 다시 공개할 수 없습니다."))
    if event.status is EventStatus.PUBLISHED:
        return event
    event.status = EventStatus.PUBLISHED
    event.published_at = now()
    audit.record("event.publish", event, actor=actor)
    db.session.commit()
    return event


def cancel_event(event: Event, *, actor: User, reason: str) -> Event:
    """Cancel an event and tell everyone registered (after the commit)."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("취소 사유를 입력해 주세요. 신청자에게 안내됩니다."), "reason")
    if event.status is EventStatus.CANCELLED:
        return event
    was_public = event.status is EventStatus.PUBLISHED
    event.status = EventStatus.CANCELLED
    event.cancel_reason = reason[:500]
    audit.record("event.cancel", event, actor=actor, reason=event.cancel_reason)
    if was_public:
        from app.events.tasks import announce_cancellation

        defer(announce_cancellation, event.id)
    db.session.commit()
    return event


# --- registration ------------------------------------------------------------------------------

@dataclass
class RegistrationDetails:
    """What a registrant tells us besides who they are."""

    answers: dict[int, str]
    needs_sign_language: bool = False
    needs_wheelchair: bool = False
    needs_childcare: bool = False
    share_contact: bool = False
    share_answers: bool = False

    @classmethod
    def empty(cls) -> "RegistrationDetails":
        return cls(answers={})

    def as_json(self) -> dict:
        return {"answers": {str(k): v for k, v in self.answers.items()},
                "needs_sign_language": self.needs_sign_language, "needs_wheelchair": self.needs_wheelchair,
                "needs_childcare": self.needs_childcare, "share_contact": self.share_contact,
                "share_answers": self.share_answers}

    @classmethod
    def from_json(cls, data: dict) -> "RegistrationDetails":
        data = dict(data or {})
        answers = {int(k): v for k, v in (data.pop("answers", None) or {}).items()}
        return cls(answers=answers, **data)


def _check_answers(event: Event, details: RegistrationDetails) -> dict[int, str]:
    clean = {}
    for q in event.questions:
        text = (details.answers.get(q.id) or "").strip()
        if q.required and not text:
            raise ServiceError(_("'%(q)s'에 답해 주세요.", q=q.prompt), f"q{q.position}")
        if len(text) > 1000:
            raise ServiceError(_("답변은 1,000자까지 쓸 수 있습니다."), f"q{q.position}")
        if text:
            clean[q.id] = text
    return clean


def _lock_event(event: Event) -> None:
    """Serialize seat allocation per event (no-op on SQLite, where writers are serialized anyway)."""
    db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())


def _confirmed_count(event_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == event_id, Registration.status == RegistrationStatus.CONFIRMED)) or 0


def _allocate(event: Event, answers: dict[int, str], details: RegistrationDetails, **who) -> Registration:
    """Insert a registration under the event lock: a seat if one is free, else the waitlist."""
    seats_taken = _confirmed_count(event.id)
    full = event.capacity is not None and seats_taken >= event.capacity
    registration = Registration(
        event_id=event.id, status=RegistrationStatus.WAITLISTED if full else RegistrationStatus.CONFIRMED,
        code=new_registration_code(), created_at=now(),
        needs_sign_language=details.needs_sign_language, needs_wheelchair=details.needs_wheelchair,
        needs_childcare=details.needs_childcare, share_contact=details.share_contact,
        share_answers=details.share_answers, **who,
    )
    for question_id, text in answers.items():
        registration.answers.append(RegistrationAnswer(question_id=question_id, answer=text))
    db.session.add(registration)
    db.session.flush()
    return registration


def _forget(cancelled: Registration) -> None:
    """Remove a cancelled registration so its person can queue again; attendance already counted stays."""
    db.session.execute(update(Attendance).where(Attendance.registration_id == cancelled.id)
                       .values(registration_id=None))
    db.session.execute(update(GuestClaim).where(GuestClaim.registration_id == cancelled.id)
                       .values(registration_id=None))
    db.session.delete(cancelled)
    db.session.flush()


def register(event: Event, user: User, details: RegistrationDetails | None = None) -> Registration:
    """Register a logged-in person: a seat, or the waitlist when the event is full; one per person."""
    details = details or RegistrationDetails.empty()
    refusal = window_refusal(event) or audience_refusal(event, user)
    if refusal:
        raise ServiceError(refusal)
    answers = _check_answers(event, details)
    try:
        _lock_event(event)
        previous = db.session.scalar(select(Registration).where(
            Registration.event_id == event.id, Registration.user_id == user.id))
        if previous is not None and previous.status is not RegistrationStatus.CANCELLED:
            raise Conflict(_("이미 이 행사에 신청했습니다. 신청 내역에서 확인해 주세요."))
        if previous is not None:
            # Registering again after cancelling: a new place at the end of the line.
            _forget(previous)
        registration = _allocate(event, answers, details, user_id=user.id)
        audit.record("event.register", registration, actor=user, event_id=event.id,
                     status=registration.status.value)
        _mail_confirmation(registration)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("이미 이 행사에 신청했습니다. 신청 내역에서 확인해 주세요."))
    except ServiceError:
        db.session.rollback()
        raise
    return registration


def registration_of(event: Event, user) -> Registration | None:
    """The user's registration for ``event`` (any status), if any."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.user_id == user.id))


def get_registration_by_code(code: str) -> Registration | None:
    code = normalize_code(code)
    if not code:
        return None
    return db.session.scalar(select(Registration).where(Registration.code == code))


def cancel_registration(registration: Registration, *, actor: User | None = None) -> Registration:
    """Cancel a registration; a freed seat goes to the first on the waitlist (a task, after commit)."""
    if registration.status is RegistrationStatus.CANCELLED:
        return registration
    event = registration.event
    if event.ends_at <= now():
        raise ServiceError(_("이미 끝난 행사의 신청은 취소할 수 없습니다."))
    had_seat = registration.status is RegistrationStatus.CONFIRMED
    result = db.session.execute(
        update(Registration).where(Registration.id == registration.id,
                                   Registration.status != RegistrationStatus.CANCELLED)
        .values(status=RegistrationStatus.CANCELLED, cancelled_at=now())
    )
    if result.rowcount != 1:  # a double click: someone cancelled it a moment ago
        db.session.rollback()
        return registration
    audit.record("event.cancel_registration", registration, actor=actor, event_id=event.id,
                 had_seat=had_seat)
    if had_seat:
        _defer_promotion(event.id)
    db.session.commit()
    db.session.refresh(registration)
    return registration


def promote_waitlist(event_id: int) -> list[int]:
    """Give free seats to the waitlist in arrival order and tell each promoted person; returns their ids."""
    event = db.session.get(Event, event_id)
    if event is None or event.status is not EventStatus.PUBLISHED or event.ends_at <= now():
        db.session.rollback()
        return []
    _lock_event(event)
    free = None if event.capacity is None else event.capacity - _confirmed_count(event.id)
    query = (select(Registration).where(Registration.event_id == event.id,
                                        Registration.status == RegistrationStatus.WAITLISTED)
             .order_by(Registration.id))
    if free is not None:
        if free <= 0:
            db.session.rollback()
            return []
        query = query.limit(free)
    promoted = list(db.session.scalars(query))
    for registration in promoted:
        registration.status = RegistrationStatus.CONFIRMED
        registration.promoted_at = now()
        audit.record("event.promote", registration, actor=None, event_id=event.id)
        _tell(registration, _("[협치 플랫폼] 대기에서 참가 확정으로 바뀌었습니다: %(title)s", title=event.title),
              _("%(title)s 행사에 자리가 나서 대기 신청이 참가 확정으로 바뀌었습니다. 등록 코드: %(code)s",
                title=event.title, code=registration.display_code))
    db.session.commit()
    return [r.id for r in promoted]


def ticket_link(registration: Registration) -> str:
    return link("events.ticket", code=registration.code)


def _tell(registration: Registration, subject: str, message: str) -> None:
    """Tell a registrant something: a notification (and mail) for members, mail or a text for guests."""
    from app.notifications import notify

    url = ticket_link(registration)
    if registration.user is not None:
        notify(registration.user, message, url, email_subject=subject)
    elif registration.guest_email:
        send_mail(registration.guest_email, subject, message + "\n" + _absolute(url))
    elif registration.guest_phone:
        send_sms(registration.guest_phone, message + " " + _absolute(url))


def _absolute(path: str) -> str:
    return current_app.config["SITE_URL"].rstrip("/") + path


def _mail_confirmation(registration: Registration) -> None:
    event = db.session.get(Event, registration.event_id)
    if registration.status is RegistrationStatus.CONFIRMED:
        head = _("%(title)s 참가 신청이 확정되었습니다.", title=event.title)
    else:
        head = _("%(title)s 정원이 차서 대기 명단에 올랐습니다. 자리가 나면 신청 순서대로 알려 드립니다.",
                 title=event.title)
    lines = [head, _("등록 코드: %(code)s", code=registration.display_code),
             _("일시: %(when)s (한국 시간)", when=kst(event.starts_at))]
    if event.venue:
        lines.append(_("장소: %(venue)s", venue=event.venue))
    lines.append(_("입장권(QR 코드)과 달력 파일: %(url)s", url=_absolute(ticket_link(registration))))
    body = "\n".join(lines)
    subject = _("[협치 플랫폼] 행사 신청 확인: %(title)s", title=event.title)
    email = registration.user.email if registration.user is not None else registration.guest_email
    user_id = registration.user_id
    if email:
        send_mail(email, subject, body, user_id=user_id)
    elif registration.guest_phone:
        send_sms(registration.guest_phone, head + " " + _("등록 코드: %(code)s", code=registration.display_code)
                 + " " + _absolute(ticket_link(registration)))


# --- guests ------------------------------------------------------------------------------------

def _code_hash(token: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{token}:{code}".encode(), hashlib.sha256).hexdigest()


def start_guest_registration(event: Event, *, name: str, email: str | None, phone: str | None,
                             details: RegistrationDetails | None = None) -> GuestClaim:
    """Take a guest's details and send a six-digit code to their e-mail or phone."""
    details = details or RegistrationDetails.empty()
    refusal = window_refusal(event)
    if refusal:
        raise ServiceError(refusal)
    if event.audience is not Audience.PUBLIC:
        raise ServiceError(audience_refusal(event, None) or _("이 행사는 회원만 신청할 수 있습니다."))
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ServiceError(_("이름을 입력해 주세요(80자 이내)."), "name")
    email, phone = normalize_email(email), normalize_phone(phone)
    if not email and not phone:
        raise ServiceError(_("이메일이나 휴대전화 번호 중 하나를 입력해 주세요."), "email")
    if email and phone:
        raise ServiceError(_("확인 코드를 받을 곳으로 이메일과 휴대전화 번호 중 하나만 입력해 주세요."), "phone")
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise ServiceError(_("이메일 주소 형식이 올바르지 않습니다."), "email")
    if phone and not valid_phone(phone):
        raise ServiceError(_("휴대전화 번호를 010-1234-5678 형식으로 입력해 주세요."), "phone")
    _check_answers(event, details)
    recent = db.session.scalar(select(func.count()).select_from(GuestClaim).where(
        GuestClaim.email == email if email else GuestClaim.phone == phone,
        GuestClaim.created_at > now() - timedelta(hours=1)))
    if recent >= GUEST_CODES_PER_HOUR:  # nobody gets flooded with codes they did not ask for
        raise ServiceError(_("이 연락처로 확인 코드를 너무 자주 요청했습니다. 한 시간 뒤 다시 시도해 주세요."),
                           "email" if email else "phone")
    code = f"{secrets.randbelow(10**6):06d}"
    token = secrets.token_urlsafe(32)
    claim = GuestClaim(token=token, event_id=event.id, name=name, email=email, phone=phone,
                       code_hash=_code_hash(token, code), details=details.as_json(), created_at=now(),
                       expires_at=now() + GUEST_CODE_TTL)
    db.session.add(claim)
    message = _("[협치 플랫폼] %(title)s 신청 확인 코드는 %(code)s 입니다. 30분 안에 입력해 주세요.",
                title=event.title, code=code)
    if email:
        send_mail(email, _("[협치 플랫폼] 행사 신청 확인 코드"), message)
    else:
        send_sms(phone, message)
    db.session.commit()
    return claim


def get_claim_or_404(token: str) -> GuestClaim:
    claim = db.session.scalar(select(GuestClaim).where(GuestClaim.token == token))
    if claim is None:
        abort(404)
    return claim


def confirm_guest_registration(claim: GuestClaim, code: str) -> Registration:
    """Check the guest's code and register them (a seat or the waitlist), once."""
    if claim.registration_id is not None:
        registration = db.session.get(Registration, claim.registration_id)
        if registration is not None:
            return registration
    if claim.expires_at <= now():
        raise ServiceError(_("확인 코드의 유효 시간(30분)이 지났습니다. 처음부터 다시 신청해 주세요."), "code")
    if claim.attempts >= GUEST_CODE_ATTEMPTS:
        raise ServiceError(_("확인 코드를 여러 번 잘못 입력했습니다. 처음부터 다시 신청해 주세요."), "code")
    code = re.sub(r"\D", "", code or "")
    if not hmac.compare_digest(claim.code_hash, _code_hash(claim.token, code)):
        db.session.execute(update(GuestClaim).where(GuestClaim.id == claim.id)
                           .values(attempts=GuestClaim.attempts + 1))
        db.session.commit()
        raise ServiceError(_("확인 코드가 맞지 않습니다. 받은 여섯 자리 숫자를 확인해 주세요."), "code")
    event = claim.event
    refusal = window_refusal(event)
    if refusal:
        raise ServiceError(refusal)
    details = RegistrationDetails.from_json(claim.details)
    answers = {qid: text for qid, text in details.answers.items() if any(q.id == qid for q in event.questions)}
    try:
        _lock_event(event)
        db.session.refresh(claim)
        if claim.registration_id is not None:  # confirmed in another tab a moment ago
            db.session.rollback()
            return db.session.get(Registration, claim.registration_id)
        clash = db.session.scalar(select(Registration).where(
            Registration.event_id == event.id,
            or_(Registration.guest_email == claim.email if claim.email else False,
                Registration.guest_phone == claim.phone if claim.phone else False)))
        if clash is not None and clash.status is not RegistrationStatus.CANCELLED:
            raise Conflict(_("이 연락처로 이미 신청했습니다. 받은 안내의 등록 코드를 확인해 주세요."))
        if clash is not None:
            _forget(clash)
        registration = _allocate(event, answers, details, guest_name=claim.name, guest_email=claim.email,
                                 guest_phone=claim.phone)
        claim.registration_id = registration.id
        audit.record("event.register_guest", registration, actor=None, event_id=event.id,
                     status=registration.status.value)
        _mail_confirmation(registration)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("이 연락처로 이미 신청했습니다. 받은 안내의 등록 코드를 확인해 주세요."))
    except ServiceError:
        db.session.rollback()
        raise
    return registration


def send_sms(phone: str, body: str) -> SmsMessage:
    """Queue a text message in the SMS outbox; delivered (for now: logged) after the commit."""
    from app.events.tasks import deliver_sms

    message = SmsMessage(recipient=phone, body=body[:1000], created_at=now())
    db.session.add(message)
    db.session.flush()
    defer(deliver_sms, message.id)
    return message


# --- check-in and attendance -------------------------------------------------------------------

def check_in_window(event: Event) -> tuple[datetime, datetime]:
    """When check-in is open: from ``CHECK_IN_OPENS_MINUTES_BEFORE`` before the start until the end."""
    minutes = int(current_app.config.get("CHECK_IN_OPENS_MINUTES_BEFORE", 60))
    return event.starts_at - timedelta(minutes=minutes), event.ends_at


def check_in_is_open(event: Event, moment: datetime | None = None) -> bool:
    opens, closes = check_in_window(event)
    return opens <= (moment or now()) <= closes


def require_check_in_open(event: Event) -> None:
    """Refuse attendance outside the check-in window: it is what vote eligibility at the event reads."""
    opens, closes = check_in_window(event)
    moment = now()
    if moment < opens:
        raise ServiceError(_("아직 입장 확인을 할 수 없습니다. 입장 확인은 %(opens)s부터 시작합니다(시작 %(minutes)d분 전).",
                             opens=kst(opens), minutes=int((event.starts_at - opens).total_seconds() // 60)))
    if moment > closes:
        raise ServiceError(_("행사가 끝나 입장 확인이 마감되었습니다(종료 %(closes)s).", closes=kst(closes)))


def record_attendance(event: Event, *, user: User | None = None, registration: Registration | None = None,
                      walk_in_name: str | None = None, mode: AttendanceMode | str, actor: User | None = None,
                      commit: bool = True) -> Attendance:
    """Record that someone was there; idempotent: the same person or registration is counted once.

    Give a ``user`` (a member or a registrant who joined online), a ``registration``
    (checked in by code) or a ``walk_in_name`` (someone without an account). Refused outside
    the check-in window, whoever records it: vote eligibility at the event reads these rows.
    """
    mode = AttendanceMode(mode) if isinstance(mode, str) else mode
    require_check_in_open(event)
    if registration is not None and user is None and registration.user_id is not None:
        user = db.session.get(User, registration.user_id)
    if user is not None and registration is None:
        registration = db.session.scalar(select(Registration).where(
            Registration.event_id == event.id, Registration.user_id == user.id,
            Registration.status != RegistrationStatus.CANCELLED))
    if user is None and registration is None:
        walk_in_name = (walk_in_name or "").strip()
        if not walk_in_name:
            raise ServiceError(_("현장 참가자의 이름을 입력해 주세요."), "name")

    def existing() -> Attendance | None:
        conditions = []
        if user is not None:
            conditions.append(Attendance.user_id == user.id)
        if registration is not None:
            conditions.append(Attendance.registration_id == registration.id)
        if not conditions:
            return None
        return db.session.scalar(select(Attendance).where(Attendance.event_id == event.id, or_(*conditions)))

    found = existing()
    if found is not None:
        if found.registration_id is None and registration is not None:
            found.registration_id = registration.id
            if commit:
                db.session.commit()
        return found
    row = Attendance(event_id=event.id, user_id=user.id if user else None,
                     registration_id=registration.id if registration else None,
                     walk_in_name=walk_in_name[:80] if walk_in_name else None, mode=mode,
                     checked_in_at=now(), checked_in_by_id=getattr(actor, "id", None))
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # someone recorded the same person a moment ago
        found = existing()
        if found is None:
            raise
        return found
    audit.record("event.attendance", row, actor=actor, event_id=event.id, mode=mode.value,
                 walk_in=user is None and registration is None)
    if commit:
        db.session.commit()
    return row


def check_in_by_code(event: Event, code: str, *, actor: User) -> tuple[Attendance, bool]:
    """Check in the registration with ``code``; returns (attendance, already checked in before)."""
    require_check_in_open(event)
    normalized = normalize_code(code)
    if not normalized:
        raise ServiceError(_("등록 코드를 입력해 주세요."), "code")
    registration = get_registration_by_code(normalized)
    if registration is None:
        raise ServiceError(_("등록 코드 %(code)s을(를) 찾을 수 없습니다. 다시 확인해 주세요.", code=code.strip()), "code")
    if registration.event_id != event.id:
        raise ServiceError(_("다른 행사의 등록 코드입니다."), "code")
    if registration.status is RegistrationStatus.CANCELLED:
        raise ServiceError(_("취소된 신청입니다(등록 코드 %(code)s). 현장 참가로 추가할 수 있습니다.",
                             code=registration.display_code), "code")
    if registration.status is RegistrationStatus.WAITLISTED:
        raise ServiceError(_("대기 중인 신청입니다(등록 코드 %(code)s). 자리가 있으면 현장 참가로 추가해 주세요.",
                             code=registration.display_code), "code")
    already = db.session.scalar(select(Attendance.id).where(
        Attendance.event_id == event.id,
        or_(Attendance.registration_id == registration.id,
            Attendance.user_id == registration.user_id if registration.user_id else False))) is not None
    row = record_attendance(event, registration=registration, mode=AttendanceMode.ON_SITE, actor=actor)
    return row, already


def add_walk_in(event: Event, name: str, *, actor: User) -> Attendance:
    """Count someone who came without registering."""
    require_check_in_open(event)
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("현장 참가자의 이름을 입력해 주세요."), "name")
    if len(name) > 80:
        raise ServiceError(_("이름은 80자까지 쓸 수 있습니다."), "name")
    return record_attendance(event, walk_in_name=name, mode=AttendanceMode.ON_SITE, actor=actor)


# --- what staff see ----------------------------------------------------------------------------

def registration_counts(event: Event) -> dict[str, int]:
    rows = db.session.execute(select(Registration.status, func.count()).where(
        Registration.event_id == event.id).group_by(Registration.status)).all()
    counts = {s.value: 0 for s in RegistrationStatus}
    counts.update({status.value: n for status, n in rows})
    counts["attended"] = db.session.scalar(select(func.count()).select_from(Attendance).where(
        Attendance.event_id == event.id)) or 0
    return counts


def seats_left(event: Event) -> int | None:
    if event.capacity is None:
        return None
    return max(0, event.capacity - _confirmed_count(event.id))


def accessibility_totals(event: Event) -> dict[str, int]:
    """How many active registrants asked for each kind of support (totals only, no names)."""
    active = (Registration.event_id == event.id) & (Registration.status != RegistrationStatus.CANCELLED)
    row = db.session.execute(select(
        func.count().filter(Registration.needs_sign_language.is_(True)),
        func.count().filter(Registration.needs_wheelchair.is_(True)),
        func.count().filter(Registration.needs_childcare.is_(True)),
    ).where(active)).one()
    return {"sign_language": row[0] or 0, "wheelchair": row[1] or 0, "childcare": row[2] or 0}


def registrations_for(event: Event) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration).where(Registration.event_id == event.id)
        .options(selectinload(Registration.user)).order_by(Registration.id)))


def attendance_for(event: Event) -> list[Attendance]:
    return list(db.session.scalars(
        select(Attendance).where(Attendance.event_id == event.id)
        .options(selectinload(Attendance.user), selectinload(Attendance.registration))
        .order_by(Attendance.checked_in_at.desc(), Attendance.id.desc())))


def export_registrants_csv(event: Event, *, actor: User) -> str:
    """Registrants as CSV: code, status and attendance always; name, contact and answers only where agreed."""
    exportable = [q for q in event.questions if q.exportable]
    attended = set(db.session.scalars(select(Attendance.registration_id).where(
        Attendance.event_id == event.id, Attendance.registration_id.is_not(None))))
    rows = [[_("등록 코드"), _("상태"), _("신청 일시"), _("참석"), _("이름"), _("이메일"), _("휴대전화")]
            + [q.prompt for q in exportable]]
    answers = {}
    if exportable:
        for a in db.session.scalars(select(RegistrationAnswer).join(Registration).where(
                Registration.event_id == event.id)):
            answers[(a.registration_id, a.question_id)] = a.answer
    written = 0
    for r in registrations_for(event):
        written += 1
        name = email = phone = ""
        if r.share_contact:
            if r.user is not None and not r.user.is_deleted:
                name, email = r.user.display_name, r.user.email or ""
            elif r.user is None:
                name, email, phone = r.guest_name or "", r.guest_email or "", r.guest_phone or ""
        row = [r.masked_code, r.status.label, kst(r.created_at), _("예") if r.id in attended else "",
               name, email, phone]
        row += [answers.get((r.id, q.id), "") if r.share_answers else "" for q in exportable]
        rows.append(row)
    audit.record("event.export_registrants", event, actor=actor, rows=written)
    db.session.commit()
    return csv_document(rows)


# --- scheduled work ----------------------------------------------------------------------------

def send_due_reminders(at: datetime | None = None) -> int:
    """Send the reminders one day and one hour before each event, each at most once per registration."""
    at = at or now()
    sent = 0
    events = db.session.scalars(select(Event).where(
        Event.status == EventStatus.PUBLISHED, Event.starts_at > at,
        Event.starts_at <= at + timedelta(days=1))).all()
    for event in events:
        hour = event.starts_at <= at + timedelta(hours=1)
        column = Registration.reminded_hour_at if hour else Registration.reminded_day_at
        ids = db.session.scalars(select(Registration.id).where(
            Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED,
            column.is_(None)).order_by(Registration.id)).all()
        for registration_id in ids:
            values = {"reminded_hour_at": at, "reminded_day_at": func.coalesce(Registration.reminded_day_at, at)} \
                if hour else {"reminded_day_at": at}
            # The conditional update is the once-only guard: a second run (or a second beat) finds nothing.
            claimed = db.session.execute(update(Registration).where(
                Registration.id == registration_id, column.is_(None)).values(**values)).rowcount
            if claimed != 1:
                db.session.rollback()
                continue
            registration = db.session.get(Registration, registration_id)
            when = _("1시간 뒤") if hour else _("내일")
            _tell(registration, _("[협치 플랫폼] %(when)s 행사가 열립니다: %(title)s", when=when, title=event.title),
                  _("%(title)s 행사가 %(start)s(한국 시간)에 %(venue)s에서 열립니다. 등록 코드: %(code)s",
                    title=event.title, start=kst(event.starts_at),
                    venue=event.venue or _("온라인"), code=registration.display_code))
            db.session.commit()
            sent += 1
    return sent


def purge_guest_data(at: datetime | None = None) -> int:
    """Erase guests' names, contacts and answers some days after their event (counts stay); returns events purged."""
    at = at or now()
    days = int(current_app.config.get("EVENT_GUEST_DATA_RETENTION_DAYS", 30))
    events = db.session.scalars(select(Event).where(
        Event.ends_at <= at - timedelta(days=days), Event.guest_data_purged_at.is_(None))).all()
    for event in events:
        guest_ids = select(Registration.id).where(Registration.event_id == event.id, Registration.user_id.is_(None))
        contacts = db.session.execute(select(Registration.guest_email, Registration.guest_phone)
                                      .where(Registration.id.in_(guest_ids))).all()
        _scrub_outboxes({e for e, _p in contacts if e}, {p for _e, p in contacts if p}, before=at - timedelta(days=days))
        db.session.execute(delete(RegistrationAnswer).where(RegistrationAnswer.registration_id.in_(guest_ids)))
        db.session.execute(update(Registration).where(Registration.event_id == event.id,
                                                      Registration.user_id.is_(None))
                           .values(guest_name=None, guest_email=None, guest_phone=None, share_contact=False,
                                   share_answers=False))
        db.session.execute(update(Attendance).where(Attendance.event_id == event.id,
                                                    Attendance.walk_in_name.is_not(None))
                           .values(walk_in_name=None))
        db.session.execute(delete(GuestClaim).where(GuestClaim.event_id == event.id))
        event.guest_data_purged_at = at
        audit.record("event.purge_guest_data", event, actor=None, days=days)
        db.session.commit()
    # Unconfirmed guest claims are worthless after a day anywhere.
    db.session.execute(delete(GuestClaim).where(GuestClaim.registration_id.is_(None),
                                                GuestClaim.expires_at <= at - timedelta(days=1)))
    db.session.commit()
    return len(events)


def _scrub_outboxes(emails: set[str], phones: set[str], *, before: datetime) -> None:
    """The mail and text messages once sent to these guests keep no address or words past the retention period."""
    from app.mail import OutboxMessage

    scrubbed = _("(보존 기간이 지나 지웠습니다)")
    if emails:
        db.session.execute(update(OutboxMessage).where(OutboxMessage.user_id.is_(None),
                                                       OutboxMessage.recipient.in_(emails),
                                                       OutboxMessage.created_at <= before)
                           .values(recipient="", body=scrubbed))
    if phones:
        db.session.execute(update(SmsMessage).where(SmsMessage.recipient.in_(phones), SmsMessage.created_at <= before)
                           .values(recipient="", body=scrubbed))


# --- lists -------------------------------------------------------------------------------------

def upcoming_events(*, include_drafts: bool = False, limit: int | None = None, kinds=None) -> list[Event]:
    query = select(Event).where(Event.ends_at >= now()).order_by(Event.starts_at)
    if not include_drafts:
        query = query.where(Event.status != EventStatus.DRAFT)
    if kinds:
        query = query.where(Event.kind.in_(kinds))
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query.options(selectinload(Event.body))))


def past_events(*, include_drafts: bool = False, limit: int = 30, kinds=None) -> list[Event]:
    query = select(Event).where(Event.ends_at < now()).order_by(Event.starts_at.desc()).limit(limit)
    if not include_drafts:
        query = query.where(Event.status != EventStatus.DRAFT)
    if kinds:
        query = query.where(Event.kind.in_(kinds))
    return list(db.session.scalars(query.options(selectinload(Event.body))))


def public_events_between(start: datetime, end: datetime, body_id: int | None = None) -> list[Event]:
    """Published and cancelled events starting in [start, end) (UTC) — the calendar's events."""
    query = (select(Event).where(Event.status != EventStatus.DRAFT, Event.starts_at >= start,
                                 Event.starts_at < end).order_by(Event.starts_at))
    if body_id is not None:
        query = query.where(Event.body_id == body_id)
    return list(db.session.scalars(query.options(selectinload(Event.body))))


def public_events_for_feed(body_id: int | None = None) -> list[Event]:
    """Public events for the iCal feed: a year back and everything ahead."""
    query = select(Event).where(Event.status != EventStatus.DRAFT,
                                Event.starts_at >= now() - timedelta(days=365)).order_by(Event.starts_at)
    if body_id is not None:
        query = query.where(Event.body_id == body_id)
    return list(db.session.scalars(query.options(selectinload(Event.body))))


def my_registrations(user) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration).where(Registration.user_id == user.id).join(Registration.event)
        .options(selectinload(Registration.event)).order_by(Event.starts_at.desc())))


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first in line; None unless waitlisted."""
    if registration.status is not RegistrationStatus.WAITLISTED:
        return None
    return (db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == registration.event_id, Registration.status == RegistrationStatus.WAITLISTED,
        Registration.id < registration.id)) or 0) + 1


def attended_registration_ids(event: Event) -> set[int]:
    return set(db.session.scalars(select(Attendance.registration_id).where(
        Attendance.event_id == event.id, Attendance.registration_id.is_not(None))))
