"""Pages of body meetings: the list, scheduling, the meeting (agenda, roll call, decisions), minutes."""
from __future__ import annotations

import uuid
from datetime import time

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.bodies import bp
from app.bodies.meetings import services
from app.bodies.meetings.forms import (
    AgendaAddForm, CancelForm, CorrectionForm, DecisionForm, MinutesForm, PublishForm, RollCallForm, ScheduleForm,
)
from app.bodies.meetings.outcomes import OUTCOMES
from app.bodies.services import get_body_or_404
from app.confirm import confirmation_page, is_confirmed
from app.errors import ServiceError, form_status, show_on_form
from app.events.models import EventStatus
from app.extensions import limiter
from app.forms import EmptyForm
from app.permissions import can, require
from app.utils import KST, now, today

WRITE_LIMIT = "60 per minute"


def _visible(meeting) -> None:
    if meeting.event.status is EventStatus.DRAFT and not can("meeting.run", meeting):
        abort(404)


@bp.route("/bodies/<int:body_id>/meetings")
def meetings(body_id: int):
    body = get_body_or_404(body_id)
    return render_template("bodies/meetings.html", body=body, meetings=services.meetings_of(body),
                           minutes=services.published_minutes_of(body), stats=services.stats_for(body))


@bp.route("/bodies/<int:body_id>/meetings/new", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITE_LIMIT, methods=["POST"])
def meeting_new(body_id: int):
    body = get_body_or_404(body_id)
    require("meeting.run", body)
    form = ScheduleForm()
    candidates = services.agenda_candidates(body)
    form.agenda_item_ids.choices = [(item.id, item.title) for item in candidates]
    if request.method == "GET":
        form.client_token.data = uuid.uuid4().hex
        form.title.data = _("%(body)s 회의", body=body.name)
        form.day.data = (now() + KST).date()
        form.start_time.data, form.end_time.data = time(19, 0), time(21, 0)  # after work, as most meetings are
    if form.validate_on_submit():
        times = services.kst_times(form.day.data, form.start_time.data, form.end_time.data)
        try:
            meeting = services.schedule_meeting(
                body, actor=current_user, title=form.title.data, starts_at=times.starts_at, ends_at=times.ends_at,
                venue=form.venue.data, description=form.description.data or "", quorum_rule=form.quorum_rule.data,
                agenda_item_ids=form.agenda_item_ids.data or [], client_token=form.client_token.data or None)
        except ServiceError as error:
            show_on_form(form, error)
        else:
            flash(_("회의를 열었습니다. 위원들에게 알렸습니다."), "success")
            return redirect(url_for("bodies.meeting", body_id=body.id, event_id=meeting.event_id))
    status = 422 if request.method == "POST" else 200
    return render_template("bodies/meeting_new.html", body=body, form=form, candidates=candidates), status


def _meeting_page(meeting, status: int = 200, **forms):
    body = meeting.body
    runner = can("meeting.run", meeting)
    decisions = {d.agenda_item_id: d for d in meeting.decisions}
    decision_forms = {}
    if runner:
        for entry in meeting.agenda:
            item = entry.item
            if entry.agenda_item_id in decisions:
                continue
            # One form per item, each with its own field names and ids (prefix).
            form = forms.get("decision_forms", {}).get(item.id) or DecisionForm(formdata=None, prefix=f"item{item.id}")
            form.outcome.choices = [(o.key, o.label) for o in OUTCOMES.values() if o.available(item)]
            form.expected_version.data = item.version
            decision_forms[item.id] = form
    add_form = forms.get("add_form") or AgendaAddForm(formdata=None)
    add_form.agenda_item_id.choices = [(item.id, item.title) for item in services.agenda_candidates(meeting)]
    present = {e.user_id for e in meeting.roll_call if e.present}
    return render_template(
        "bodies/meeting.html", body=body, meeting=meeting, event=meeting.event, runner=runner,
        quorum=services.quorum(meeting), members=services.counting_members(body), present=present,
        decisions=decisions, decision_forms=decision_forms, outcomes=OUTCOMES, add_form=add_form,
        roll_form=RollCallForm(formdata=None), cancel_form=forms.get("cancel_form") or CancelForm(formdata=None),
        minutes=services.meeting_minutes(meeting), empty_form=EmptyForm(formdata=None),
        meeting_day=(meeting.event.starts_at + KST).date(), today_kst=today(),
    ), status


@bp.route("/bodies/<int:body_id>/meetings/<int:event_id>")
def meeting(body_id: int, event_id: int):
    meeting = services.get_meeting_or_404(body_id, event_id)
    _visible(meeting)
    return _meeting_page(meeting)


@bp.route("/bodies/<int:body_id>/meetings/<int:event_id>/agenda", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def meeting_agenda_add(body_id: int, event_id: int):
    meeting = services.get_meeting_or_404(body_id, event_id)
    require("meeting.run", meeting)
    form = AgendaAddForm()
    form.agenda_item_id.choices = [(item.id, item.title) for item in services.agenda_candidates(meeting)]
    if not form.validate_on_submit():
        return _meeting_page(meeting, 422, add_form=form)
    try:
        services.add_agenda_item(meeting, form.agenda_item_id.data, actor=current_user)
    except ServiceError as error:
        show_on_form(form, error)
        return _meeting_page(meeting, form_status(error), add_form=form)
    flash(_("안건을 추가했습니다."), "success")
    return redirect(url_for("bodies.meeting", body_id=body_id, event_id=event_id) + "#agenda")


@bp.route("/bodies/<int:body_id>/meetings/<int:event_id>/agenda/<int:item_id>/<any(up, down, remove):action>",
          methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def meeting_agenda_change(body_id: int, event_id: int, item_id: int, action: str):
    meeting = services.get_meeting_or_404(body_id, event_id)
    require("meeting.run", meeting)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        if action == "remove":
            services.remove_agenda_item(meeting, item_id, actor=current_user)
        else:
            services.move_agenda_item(meeting, item_id, -1 if action == "up" else 1, actor=current_user)
    except ServiceError as error:
        flash(error.message, "danger")
        return _meeting_page(meeting, form_status(error))
    return redirect(url_for("bodies.meeting", body_id=body_id, event_id=event_id) + "#agenda")


@bp.route("/bodies/<int:body_id>/meetings/<int:event_id>/roll-call", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def meeting_roll_call(body_id: int, event_id: int):
    meeting = services.get_meeting_or_404(body_id, event_id)
    _visible(meeting)
    form = RollCallForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        # The service refuses anyone but the body's officers and staff, with its own message.
        state = services.take_roll_call(meeting, form.present.data or [], actor=current_user)
    except ServiceError as error:
        flash(error.message, "danger")
        return _meeting_page(meeting, form_status(error))
    if state.met:
        flash(_("출석을 확인했습니다. 재적 %(m)d명 중 %(p)d명 출석으로 의사정족수(%(r)d명)가 찼습니다.",
                m=state.members, p=state.present, r=state.required), "success")
    else:
        flash(_("출석을 확인했습니다. 재적 %(m)d명 중 %(p)d명 출석: 의사정족수(%(r)d명)에 못 미쳐 안건을 결정할 수 없습니다.",
                m=state.members, p=state.present, r=state.required), "warning")
    return redirect(url_for("bodies.meeting", body_id=body_id, event_id=event_id) + "#roll-call")


@bp.route("/bodies/<int:body_id>/meetings/<int:event_id>/items/<int:item_id>/decide", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def meeting_decide(body_id: int, event_id: int, item_id: int):
    meeting = services.get_meeting_or_404(body_id, event_id)
    _visible(meeting)
    form = DecisionForm(prefix=f"item{item_id}")
    if not form.validate_on_submit():
        return _meeting_page(meeting, 422, decision_forms={item_id: form})
    try:
        expected = int(form.expected_version.data) if (form.expected_version.data or "").isdigit() else None
        if form.outcome.data in FINAL_OUTCOMES and not is_confirmed():
            # A decision moves the agenda item for good: check it can be recorded, then ask once more.
            services.check_decision(meeting, item_id, form.outcome.data, actor=current_user,
                                    reason=form.reason.data or "", expected_version=expected,
                                    vote_minutes=form.vote_minutes.data)
            return _confirm_decision(meeting, item_id, form)
        decision = services.decide(meeting, item_id, form.outcome.data, actor=current_user, reason=form.reason.data or "",
                                   expected_version=expected, vote_minutes=form.vote_minutes.data)
    except ServiceError as error:
        if error.field:
            show_on_form(form, error)
        else:
            flash(error.message, "danger")
        return _meeting_page(meeting, form_status(error), decision_forms={item_id: form})
    if decision.vote_round_id:
        flash(_("표결을 시작했습니다. 위원들은 투표 화면에서 투표할 수 있습니다."), "success")
    else:
        flash(_("결정을 기록하고 의제를 옮겼습니다."), "success")
    return redirect(url_for("bodies.meeting", body_id=body_id, event_id=event_id) + f"#item-{item_id}")


FINAL_OUTCOMES = ("advance", "reject", "hold")  # a vote is not final: its result is published later


def _confirm_decision(meeting, item_id: int, form):
    item = next(e.item for e in meeting.agenda if e.agenda_item_id == item_id)
    outcome = OUTCOMES[form.outcome.data]
    details = [(_("안건"), item.title), (_("결정"), str(outcome.label))]
    if (form.reason.data or "").strip():
        details.append((_("사유·결정 요지"), form.reason.data.strip()))
    return confirmation_page(
        title=_("이 안건을 결정할까요?"), button=_("결정 기록"),
        explanation=[_("결정을 기록하면 의제가 바로 옮겨지고, 결정과 사유가 의제 이력에 공개됩니다."),
                     _("기록한 결정은 되돌릴 수 없습니다. 이 회의에서 이 안건은 다시 결정할 수 없습니다.")],
        details=details, cancel_url=url_for("bodies.meeting", body_id=meeting.body.id, event_id=meeting.event_id)
        + f"#item-{item_id}")


@bp.route("/bodies/<int:body_id>/meetings/<int:event_id>/cancel", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def meeting_cancel(body_id: int, event_id: int):
    meeting = services.get_meeting_or_404(body_id, event_id)
    require("meeting.run", meeting)
    form = CancelForm()
    if not form.validate_on_submit():
        return _meeting_page(meeting, 422, cancel_form=form)
    if meeting.event.status is not EventStatus.CANCELLED and not meeting.decisions and form.reason.data.strip():
        page = confirmation_page(
            title=_("회의를 취소할까요?"), button=_("회의 취소"),
            explanation=[_("취소하면 위원들에게 취소 사실과 사유가 알려지고, 이 회의에서는 출석 확인도 안건 결정도 할 수 없습니다."),
                         _("취소한 회의는 되살릴 수 없습니다.")],
            details=[(_("회의"), meeting.event.title), (_("취소 사유"), form.reason.data.strip())],
            cancel_url=url_for("bodies.meeting", body_id=body_id, event_id=event_id))
        if page is not None:
            return page
    try:
        services.cancel_meeting(meeting, form.reason.data, actor=current_user)
    except ServiceError as error:
        show_on_form(form, error)
        return _meeting_page(meeting, form_status(error), cancel_form=form)
    flash(_("회의를 취소했습니다. 위원들에게 알렸습니다."), "info")
    return redirect(url_for("bodies.meeting", body_id=body_id, event_id=event_id))


# --- minutes -------------------------------------------------------------------------------

@bp.route("/bodies/<int:body_id>/meetings/<int:event_id>/minutes")
def minutes(body_id: int, event_id: int):
    meeting = services.get_meeting_or_404(body_id, event_id)
    record = services.meeting_minutes(meeting)
    if record is None or not can("minutes.view", meeting):
        abort(404)  # drafts are for the body's officers and staff only
    return render_template("bodies/minutes.html", body=meeting.body, meeting=meeting, event=meeting.event,
                           minutes=record, runner=can("meeting.run", meeting), correction_form=CorrectionForm(formdata=None))


@bp.route("/bodies/<int:body_id>/meetings/<int:event_id>/minutes/edit", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITE_LIMIT, methods=["POST"])
def minutes_edit(body_id: int, event_id: int):
    meeting = services.get_meeting_or_404(body_id, event_id)
    require("meeting.run", meeting)
    record = services.meeting_minutes(meeting)
    if record is not None and record.is_published:
        flash(_("공개된 회의록은 고칠 수 없습니다. 바로잡을 내용은 '정정 덧붙이기'로 남겨 주세요."), "info")
        return redirect(url_for("bodies.minutes", body_id=body_id, event_id=event_id) + "#correction")
    form = MinutesForm()
    status = 200
    if request.method == "GET":
        form.body_md.data = record.body_md if record else services.minutes_template(meeting)
        form.expected_version.data = record.version if record else ""
    elif form.validate_on_submit():
        expected = int(form.expected_version.data) if (form.expected_version.data or "").isdigit() else None
        try:
            services.save_minutes(meeting, form.body_md.data or "", actor=current_user, expected_version=expected)
        except ServiceError as error:
            show_on_form(form, error)
            status = form_status(error)
        else:
            flash(_("회의록 초안을 저장했습니다. 아직 공개되지 않았습니다."), "success")
            return redirect(url_for("bodies.minutes_edit", body_id=body_id, event_id=event_id))
    else:
        status = 422
    record = services.meeting_minutes(meeting)
    return render_template("bodies/minutes_edit.html", body=meeting.body, meeting=meeting, event=meeting.event,
                           form=form, minutes=record,
                           publish_form=PublishForm(formdata=None, expected_version=record.version if record else "")), status


@bp.route("/bodies/<int:body_id>/meetings/<int:event_id>/minutes/publish", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def minutes_publish(body_id: int, event_id: int):
    meeting = services.get_meeting_or_404(body_id, event_id)
    require("meeting.run", meeting)
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    expected = int(form.expected_version.data) if (form.expected_version.data or "").isdigit() else None
    try:
        if not is_confirmed() and not services.check_minutes_publishable(
                meeting, actor=current_user, expected_version=expected).is_published:
            return confirmation_page(
                title=_("회의록을 공개할까요?"), button=_("회의록 공개"),
                explanation=[_("공개하면 누구나 회의록을 볼 수 있고 위원들에게 알림이 갑니다."),
                             _("공개한 회의록의 본문은 더 이상 고칠 수 없습니다. 잘못된 곳은 정정으로만 덧붙일 수 있습니다.")],
                details=[(_("회의"), meeting.event.title)],
                cancel_url=url_for("bodies.minutes_edit", body_id=body_id, event_id=event_id))
        services.publish_minutes(meeting, actor=current_user, expected_version=expected)
    except ServiceError as error:
        flash(error.message, "danger")
        record = services.meeting_minutes(meeting)
        edit = MinutesForm(formdata=None, body_md=record.body_md if record else "",
                           expected_version=record.version if record else "")
        return render_template("bodies/minutes_edit.html", body=meeting.body, meeting=meeting, event=meeting.event,
                               form=edit, minutes=record, publish_form=PublishForm(
                                   formdata=None, expected_version=record.version if record else "")), form_status(error)
    flash(_("회의록을 공개했습니다. 누구나 볼 수 있고, 이제 본문은 고칠 수 없습니다."), "success")
    return redirect(url_for("bodies.minutes", body_id=body_id, event_id=event_id))


@bp.route("/bodies/<int:body_id>/meetings/<int:event_id>/minutes/corrections", methods=["POST"])
@login_required
@limiter.limit(WRITE_LIMIT)
def minutes_correct(body_id: int, event_id: int):
    meeting = services.get_meeting_or_404(body_id, event_id)
    require("meeting.run", meeting)
    form = CorrectionForm()
    record = services.meeting_minutes(meeting)
    if form.validate_on_submit():
        try:
            services.add_correction(meeting, form.text_md.data, actor=current_user)
        except ServiceError as error:
            show_on_form(form, error)
            status = form_status(error)
        else:
            flash(_("정정 내용을 덧붙였습니다."), "success")
            return redirect(url_for("bodies.minutes", body_id=body_id, event_id=event_id) + "#corrections")
    else:
        status = 422
    if record is None:
        abort(404)
    return render_template("bodies/minutes.html", body=meeting.body, meeting=meeting, event=meeting.event,
                           minutes=record, runner=True, correction_form=form), status
