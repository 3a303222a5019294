"""Event pages: list, calendar and feeds, detail with registration, guests, tickets, staff screens."""
from __future__ import annotations

import calendar as pycalendar
from datetime import date, datetime, timedelta

import segno
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.bodies.models import Body
from app.cycles import services as cycle_services
from app.confirm import confirmation_page
from app.errors import ServiceError, form_status, show_on_form
from app.events import bp, ical, services
from app.events.forms import CancelEventForm, CheckInForm, CodeForm, EventForm, GuestForm, RegisterForm, WalkInForm
from app.events.models import (
    EVENT_KIND_LABELS, Audience, EventKind, EventStatus, RegistrationStatus,
)
from app.extensions import db, limiter
from app.forms import EmptyForm
from app.permissions import can, require
from app.utils import KST, now


def _event(event_id: int, permission: str = "events.view"):
    event = services.get_event_or_404(event_id)
    if not can("events.view", event):
        abort(404)
    if permission != "events.view":
        require(permission, event)
    return event


def _register_limit() -> str:
    return current_app.config["EVENT_REGISTER_RATE_LIMIT"]


def _to_utc(value: datetime | None) -> datetime | None:
    return value - KST if value else None


def _to_kst(value: datetime | None) -> datetime | None:
    return value + KST if value else None


# --- public pages ------------------------------------------------------------------------------

@bp.route("/")
def index():
    kind = request.args.get("kind") or None
    kinds = [EventKind(kind)] if kind in {k.value for k in EventKind} else None
    manage = can("events.create")
    upcoming = [e for e in services.upcoming_events(include_drafts=manage, kinds=kinds) if can("events.view", e)]
    past = [e for e in services.past_events(include_drafts=False, kinds=kinds, limit=20)]
    return render_template("events/index.html", upcoming=upcoming, past=past, kind=kind,
                           kinds=EVENT_KIND_LABELS)


def _month_arg() -> date:
    raw = request.args.get("month") or ""
    try:
        year, month = (int(x) for x in raw.split("-"))
        return date(year, month, 1)
    except ValueError:
        today = (now() + KST).date()
        return today.replace(day=1)


@bp.route("/calendar")
def calendar():
    first = _month_arg()
    if not 2000 <= first.year <= 2100:
        abort(404)
    last_day = pycalendar.monthrange(first.year, first.month)[1]
    start = datetime.combine(first, datetime.min.time()) - KST
    end = start + timedelta(days=last_day)
    body_id = request.args.get("body", type=int)
    events = services.public_events_between(start, end, body_id=body_id)
    by_day: dict[int, list] = {}
    for e in events:
        by_day.setdefault((e.starts_at + KST).day, []).append(e)
    weeks = pycalendar.Calendar(firstweekday=6).monthdayscalendar(first.year, first.month)  # weeks start on Sunday
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    body = db.session.get(Body, body_id) if body_id else None
    return render_template("events/calendar.html", first=first, weeks=weeks, by_day=by_day, events=events,
                           prev_month=prev_month, next_month=next_month, body=body,
                           today=(now() + KST).date())


def _ics_response(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/calendar.ics")
def feed():
    events = services.public_events_for_feed()
    name = _("%(district)s 협치 플랫폼 행사", district=current_app.config["DISTRICT_NAME"])
    return _ics_response(ical.feed_ics(events, name), "events.ics")


@bp.route("/calendar/body/<int:body_id>.ics")
def body_feed(body_id: int):
    body = db.get_or_404(Body, body_id)
    events = services.public_events_for_feed(body_id=body.id)
    return _ics_response(ical.feed_ics(events, body.name), f"body-{body.id}.ics")


@bp.route("/<int:event_id>")
def detail(event_id: int):
    event = _event(event_id)
    if event.is_meeting and event.body_id:
        from app.bodies.meetings.models import BodyMeeting

        if db.session.get(BodyMeeting, event.id) is not None:
            # A body meeting lives on its body's pages: agenda, roll call, decisions, minutes.
            return redirect(url_for("bodies.meeting", body_id=event.body_id, event_id=event.id))
    return _detail_page(event)


def _detail_page(event, status: int = 200, form=None):
    registration = services.registration_of(event, current_user)
    form = form or RegisterForm()
    refusal = services.window_refusal(event)
    audience_note = services.audience_refusal(event, current_user) if current_user.is_authenticated else None
    return render_template(
        "events/detail.html", event=event, registration=registration, form=form, refusal=refusal,
        audience_note=audience_note, seats_left=services.seats_left(event),
        counts=services.registration_counts(event), answers_given=request.form if status != 200 else {},
        guests_allowed=event.audience is Audience.PUBLIC,
    ), status


@bp.route("/<int:event_id>.ics")
def event_ics(event_id: int):
    event = _event(event_id)
    return _ics_response(ical.event_ics(event), f"event-{event.id}.ics")


def _details_from(form) -> services.RegistrationDetails:
    answers = {}
    for key, value in request.form.items():
        if key.startswith("answer_") and key[7:].isdigit():
            answers[int(key[7:])] = value
    return services.RegistrationDetails(
        answers=answers, needs_sign_language=bool(form.needs_sign_language.data),
        needs_wheelchair=bool(form.needs_wheelchair.data), needs_childcare=bool(form.needs_childcare.data),
        share_contact=bool(form.share_contact.data), share_answers=bool(form.share_answers.data))


@bp.route("/<int:event_id>/register", methods=["POST"])
@login_required
@limiter.limit(_register_limit)
def register(event_id: int):
    event = _event(event_id)
    form = RegisterForm()
    if not form.validate_on_submit():
        return _detail_page(event, 422, form)
    try:
        registration = services.register(event, current_user, _details_from(form))
    except ServiceError as error:
        show_on_form(form, error)
        return _detail_page(event, form_status(error), form)
    if registration.status is RegistrationStatus.CONFIRMED:
        flash(_("참가 신청이 확정되었습니다."), "success")
    else:
        flash(_("정원이 차서 대기 명단 %(n)d번째로 올랐습니다. 자리가 나면 알려 드립니다.",
                n=services.waitlist_position(registration)), "warning")
    return redirect(url_for("events.ticket", code=registration.code))


@bp.route("/<int:event_id>/guest", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def guest(event_id: int):
    event = _event(event_id)
    if current_user.is_authenticated:
        return redirect(url_for("events.detail", event_id=event.id))
    form = GuestForm()
    status = 200
    if event.audience is not Audience.PUBLIC:
        flash(services.audience_refusal(event, None), "warning")
        return redirect(url_for("auth.login", next=url_for("events.detail", event_id=event.id)))
    if form.validate_on_submit():
        try:
            claim = services.start_guest_registration(event, name=form.name.data, email=form.email.data,
                                                      phone=form.phone.data, details=_details_from(form))
        except ServiceError as error:
            show_on_form(form, error)
            status = form_status(error)
        else:
            return redirect(url_for("events.guest_confirm", token=claim.token))
    elif request.method == "POST":
        status = 422
    return render_template("events/guest.html", event=event, form=form, refusal=services.window_refusal(event),
                           answers_given=request.form), status


@bp.route("/guest/<token>", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def guest_confirm(token: str):
    claim = services.get_claim_or_404(token)
    if claim.registration_id is not None:
        registration = db.session.get(services.Registration, claim.registration_id)
        if registration is not None:
            return redirect(url_for("events.ticket", code=registration.code))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            registration = services.confirm_guest_registration(claim, form.code.data)
        except ServiceError as error:
            show_on_form(form, error)
            status = form_status(error)
        else:
            flash(_("신청이 접수되었습니다. 등록 코드를 꼭 보관해 주세요."), "success")
            return redirect(url_for("events.ticket", code=registration.code))
    elif request.method == "POST":
        status = 422
    return render_template("events/guest_confirm.html", claim=claim, event=claim.event, form=form), status


def _ticket(code: str):
    registration = services.get_registration_by_code(code)
    if registration is None:
        abort(404)
    # A member's ticket is theirs (and the organisers'); a guest's code is itself the key.
    if registration.user_id is not None and not (
            (current_user.is_authenticated and current_user.id == registration.user_id)
            or can("events.manage", registration.event)):
        abort(404)
    return registration


@bp.route("/ticket/<code>")
def ticket(code: str):
    registration = _ticket(code)
    qr = segno.make(registration.display_code, error="m").svg_data_uri(scale=8, border=3, light="#fff")
    return render_template("events/ticket.html", registration=registration, event=registration.event, qr=qr,
                           position=services.waitlist_position(registration), cancel_form=EmptyForm())


@bp.route("/ticket/<code>.ics")
def ticket_ics(code: str):
    registration = _ticket(code)
    return _ics_response(ical.event_ics(registration.event), f"event-{registration.event_id}.ics")


@bp.route("/ticket/<code>/cancel", methods=["POST"])
@limiter.limit("20 per minute")
def cancel_ticket(code: str):
    registration = _ticket(code)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.cancel_registration(registration, actor=current_user if current_user.is_authenticated else None)
    except ServiceError as error:
        flash(error.message, "danger")
    else:
        flash(_("신청을 취소했습니다."), "success")
    return redirect(url_for("events.ticket", code=registration.code))


@bp.route("/mine")
@login_required
def mine():
    return render_template("events/mine.html", registrations=services.my_registrations(current_user))


# --- staff: create, edit, publish, cancel ------------------------------------------------------

def _body_choices():
    if current_user.is_staff:
        from sqlalchemy import select

        return list(db.session.scalars(select(Body).order_by(Body.sort_order, Body.name)))
    return services.bodies_user_hosts(current_user)


def _event_form(event=None) -> EventForm:
    form = EventForm(bodies=_body_choices(), cycles=cycle_services.all_cycles())
    if event is not None and event.is_meeting:  # a body meeting stays one (its own screens run it)
        form.kind.choices = [(EventKind.BODY_MEETING.value, EventKind.BODY_MEETING.label)]
    if request.method == "GET" and event is not None:
        form.kind.data = event.kind.value
        form.title.data = event.title
        form.description.data = event.description
        form.body_id.data = str(event.body_id or "")
        form.cycle_id.data = str(event.cycle_id or "")
        form.starts_at.data = _to_kst(event.starts_at)
        form.ends_at.data = _to_kst(event.ends_at)
        form.venue.data = event.venue
        form.map_url.data = event.map_url or ""
        form.online.data = event.online
        form.stream_url.data = event.stream_url or ""
        form.capacity.data = event.capacity
        form.registration_opens_at.data = _to_kst(event.registration_opens_at)
        form.registration_closes_at.data = _to_kst(event.registration_closes_at)
        form.audience.data = event.audience.value
        form.version.data = str(event.version)
        for q in event.questions:
            getattr(form, f"q{q.position}_prompt").data = q.prompt
            getattr(form, f"q{q.position}_required").data = q.required
            getattr(form, f"q{q.position}_exportable").data = q.exportable
    return form


def _fields(form) -> dict:
    return dict(
        title=form.title.data or "", description=form.description.data or "",
        starts_at=_to_utc(form.starts_at.data), ends_at=_to_utc(form.ends_at.data), venue=form.venue.data or "",
        map_url=form.map_url.data, online=bool(form.online.data), stream_url=form.stream_url.data,
        capacity=form.capacity.data, registration_opens_at=_to_utc(form.registration_opens_at.data),
        registration_closes_at=_to_utc(form.registration_closes_at.data), audience=Audience(form.audience.data),
        cycle_id=int(form.cycle_id.data) if form.cycle_id.data else None,
    )


def _questions(form) -> list[services.QuestionSpec]:
    return [services.QuestionSpec(p.data or "", bool(r.data), bool(x.data)) for p, r, x in form.question_fields()]


@bp.route("/new", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per hour", methods=["POST"])
def new():
    require("events.create")
    form = _event_form()
    status = 200
    if form.validate_on_submit():
        try:
            event = services.create_event(
                kind=EventKind(form.kind.data), actor=current_user, questions=_questions(form),
                body_id=int(form.body_id.data) if form.body_id.data else None, publish="publish" in request.form,
                **_fields(form))
        except ServiceError as error:
            show_on_form(form, error)
            status = form_status(error)
        else:
            flash(_("행사를 공개했습니다.") if event.is_published else _("행사를 임시 저장했습니다. 공개하면 신청을 받습니다."),
                  "success")
            return redirect(url_for("events.manage", event_id=event.id))
    elif request.method == "POST":
        status = 422
    return render_template("events/form.html", form=form, event=None), status


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    event = _event(event_id, "events.manage")
    form = _event_form(event)
    status = 200
    if form.validate_on_submit():
        try:
            fields = _fields(form)
            fields["kind"] = EventKind(form.kind.data) if not event.is_meeting else event.kind
            services.update_event(event, actor=current_user, questions=_questions(form),
                                  expected_version=int(form.version.data) if form.version.data else None,
                                  body_id=int(form.body_id.data) if form.body_id.data else None, **fields)
        except ServiceError as error:
            show_on_form(form, error)
            status = form_status(error)
        else:
            flash(_("행사를 고쳤습니다."), "success")
            return redirect(url_for("events.manage", event_id=event.id))
    elif request.method == "POST":
        status = 422
    return render_template("events/form.html", form=form, event=event), status


@bp.route("/<int:event_id>/publish", methods=["POST"])
@login_required
def publish(event_id: int):
    event = _event(event_id, "events.manage")
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.publish_event(event, actor=current_user)
    except ServiceError as error:
        flash(error.message, "danger")
    else:
        flash(_("행사를 공개했습니다."), "success")
    return redirect(url_for("events.manage", event_id=event.id))


@bp.route("/<int:event_id>/cancel", methods=["POST"])
@login_required
def cancel(event_id: int):
    event = _event(event_id, "events.manage")
    form = CancelEventForm()
    if form.validate_on_submit():
        if not event.is_cancelled and form.reason.data.strip():
            counts = services.registration_counts(event)
            page = confirmation_page(
                title=_("행사를 취소할까요?"), button=_("행사 취소"),
                explanation=[_("취소하면 신청자 %(n)d명에게 취소 사실과 사유가 안내되고, 더 이상 신청을 받지 않습니다.",
                               n=counts["confirmed"] + counts["waitlisted"]),
                             _("취소한 행사는 되살릴 수 없습니다.")],
                details=[(_("행사"), event.title), (_("일시"), services.kst(event.starts_at)),
                         (_("취소 사유"), form.reason.data.strip())],
                cancel_url=url_for("events.manage", event_id=event.id))
            if page is not None:
                return page
        try:
            services.cancel_event(event, actor=current_user, reason=form.reason.data)
        except ServiceError as error:
            flash(error.message, "danger")
        else:
            flash(_("행사를 취소했습니다. 신청자에게 알립니다."), "success")
    else:
        flash(_("취소 사유를 입력해 주세요. 신청자에게 안내됩니다."), "danger")
    return redirect(url_for("events.manage", event_id=event.id))


# --- staff: registrants, export, check-in ------------------------------------------------------

@bp.route("/<int:event_id>/manage")
@login_required
def manage(event_id: int):
    event = _event(event_id, "events.manage")
    return render_template(
        "events/manage.html", event=event, counts=services.registration_counts(event),
        needs=services.accessibility_totals(event), registrations=services.registrations_for(event),
        seats_left=services.seats_left(event), cancel_form=CancelEventForm(), form=EmptyForm(),
        attended=services.attended_registration_ids(event))


@bp.route("/<int:event_id>/registrants.csv")
@login_required
def export(event_id: int):
    event = _event(event_id, "events.export")
    data = services.export_registrants_csv(event, actor=current_user)
    return Response(data, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="event-{event.id}-registrants.csv"'})


def _check_in_page(event, status=200, code_form=None, walk_in_form=None, result=None):
    response = current_app.make_response((render_template(
        "events/check_in.html", event=event, code_form=code_form or CheckInForm(),
        walk_in_form=walk_in_form or WalkInForm(), counts=services.registration_counts(event),
        attendance=services.attendance_for(event)[:20], result=result,
        window=services.check_in_window(event), window_open=services.check_in_is_open(event)), status))
    # This page may use the camera to scan QR codes (BarcodeDetector); every other page may not.
    response.headers["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=()"
    return response


@bp.route("/<int:event_id>/check-in", methods=["GET", "POST"])
@login_required
def check_in(event_id: int):
    event = _event(event_id, "events.check_in")
    if request.method == "GET":
        return _check_in_page(event)
    form = CheckInForm()
    if not form.validate_on_submit():
        return _check_in_page(event, 422, code_form=form)
    try:
        row, already = services.check_in_by_code(event, form.code.data, actor=current_user)
    except ServiceError as error:
        show_on_form(form, error)
        return _check_in_page(event, form_status(error), code_form=form)
    name = row.registration.person_name if row.registration else ""
    if already:
        flash(_("이미 입장 확인된 참가자입니다: %(name)s", name=name), "warning")
    else:
        flash(_("입장 확인: %(name)s", name=name), "success")
    return redirect(url_for("events.check_in", event_id=event.id))


@bp.route("/<int:event_id>/walk-in", methods=["POST"])
@login_required
def walk_in(event_id: int):
    event = _event(event_id, "events.check_in")
    form = WalkInForm()
    if not form.validate_on_submit():
        return _check_in_page(event, 422, walk_in_form=form)
    try:
        services.add_walk_in(event, form.name.data, actor=current_user)
    except ServiceError as error:
        show_on_form(form, error)
        return _check_in_page(event, form_status(error), walk_in_form=form)
    flash(_("현장 참가자를 추가했습니다: %(name)s", name=form.name.data.strip()), "success")
    return redirect(url_for("events.check_in", event_id=event.id))


@bp.route("/<int:event_id>/promote", methods=["POST"])
@login_required
def promote(event_id: int):
    """Staff: fill free seats from the waitlist now (the same task that runs after a cancellation)."""
    event = _event(event_id, "events.manage")
    if not EmptyForm().validate_on_submit():
        abort(400)
    promoted = services.promote_waitlist(event.id)
    flash(_("대기자 %(n)d명을 참가 확정으로 바꿨습니다.", n=len(promoted)), "success" if promoted else "info")
    return redirect(url_for("events.manage", event_id=event.id))


@bp.app_template_global()
def event_status_badge(event) -> str:
    return {EventStatus.DRAFT: "bg-light-gray", EventStatus.PUBLISHED: "bg-primary",
            EventStatus.CANCELLED: "bg-danger"}[event.status]


@bp.route("/sms-outbox")
@login_required
def sms_outbox():
    """Staff: the text messages the platform sent (no SMS gateway yet: they are logged, and listed here)."""
    require("outbox.view")
    from sqlalchemy import select

    from app.events.models import SmsMessage

    messages = list(db.session.scalars(select(SmsMessage).order_by(SmsMessage.id.desc()).limit(200)))
    return render_template("events/sms_outbox.html", messages=messages)
