"""Live pages: follow an online event, run it from the console, show it on the projector.

Every console form posts and redirects, so the console works without
JavaScript; the live page and the projector render the current state on load.
"""
from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.confirm import confirmation_page
from app.errors import ServiceError, show_on_form
from app.events.live import live_bp, services
from app.events.live.forms import AnnouncementForm, QuickVoteForm, SegmentForm
from app.extensions import db, limiter
from app.forms import EmptyForm
from app.permissions import can, require
from app.voting.confirmations import confirmation, details
from app.voting.models import RoundStatus, VoteRound

CONSOLE_LIMIT = "60 per minute"


def _follow(event_id: int):
    """The event, if the current user may follow its live room (401: log in first; 404 for drafts)."""
    from app.events.models import EventStatus

    event = services.get_live_event_or_404(event_id)
    if not can("events.follow_live", event):
        if event.status is EventStatus.DRAFT:
            abort(404)
        abort(403 if current_user.is_authenticated else 401)
    return event


@live_bp.route("/events/<int:event_id>/live")
def live(event_id: int):
    event = _follow(event_id)
    counted = services.record_online_attendance(event, current_user)
    return render_template("events/live.html", event=event, state=services.snapshot(event), counted=counted,
                           can_console=can("events.manage", event))


@live_bp.route("/events/<int:event_id>/projector")
def projector(event_id: int):
    event = _follow(event_id)
    state = services.snapshot(event)
    round_ = services.round_on_screen(event)
    shown, options, final = {"data": None}, {}, False
    if round_ is not None:
        from app.voting import services as voting
        from app.voting import tally

        # The hall's screen shows what the public may see, whoever is logged in on its computer.
        if voting.results_visible(round_, None):
            shown = tally.shown_result(round_)
            options = {str(o.id): o for o in round_.options}
            final = voting.result_is_final(round_)
    return render_template("events/projector.html", event=event, state=state, round=round_, data=shown["data"],
                           shown=shown, options=options, final=final)


def _console_page(event, status: int = 200, **forms):
    # Each form has its own prefix: field names and ids stay unique on the one page.
    forms.setdefault("segment_form", SegmentForm(formdata=None, data=_segment_data(event), prefix="segment"))
    announcement_form = forms.setdefault("announcement_form", AnnouncementForm(formdata=None, prefix="notice"))
    if not announcement_form.client_token.data:
        announcement_form.client_token.data = uuid.uuid4().hex
    vote_form = forms.setdefault("vote_form", QuickVoteForm(formdata=None, prefix="vote"))
    if not vote_form.client_token.data:
        vote_form.client_token.data = uuid.uuid4().hex
    return render_template("events/console.html", event=event, state=services.snapshot(event),
                           rounds=services.event_rounds(event), on_screen=services.round_on_screen(event),
                           attendees=services.checked_in(event),
                           announcements=services.announcements(event, limit=50), action_form=EmptyForm(formdata=None),
                           RoundStatus=RoundStatus, **forms), status


def _segment_data(event) -> dict:
    state = services.state_of(event)
    return {"title": state.segment_title, "text": state.segment_text} if state else {}


def _managed(event_id: int):
    event = services.get_live_event_or_404(event_id)
    require("events.manage", event)
    return event


def _failed(event, error: ServiceError, form=None, **forms):
    if form is not None and error.field:
        show_on_form(form, error)
    else:
        flash(error.message, "danger")
    return _console_page(event, 422 if error.status == 400 else error.status, **forms)


@live_bp.route("/events/<int:event_id>/console")
@login_required
def console(event_id: int):
    return _console_page(_managed(event_id))


@live_bp.route("/events/<int:event_id>/console/segment", methods=["POST"])
@login_required
@limiter.limit(CONSOLE_LIMIT)
def console_segment(event_id: int):
    event = _managed(event_id)
    form = SegmentForm(prefix="segment")
    if not form.validate_on_submit():
        return _console_page(event, 422, segment_form=form)
    try:
        services.set_segment(event, form.title.data, form.text.data or "", actor=current_user)
    except ServiceError as error:
        return _failed(event, error, form, segment_form=form)
    flash(_("지금 순서를 바꾸었습니다."), "success")
    return redirect(url_for("live.console", event_id=event.id))


@live_bp.route("/events/<int:event_id>/console/announcements", methods=["POST"])
@login_required
@limiter.limit(CONSOLE_LIMIT)
def console_announce(event_id: int):
    event = _managed(event_id)
    form = AnnouncementForm(prefix="notice")
    if not form.validate_on_submit():
        return _console_page(event, 422, announcement_form=form)
    try:
        services.post_announcement(event, form.text.data, actor=current_user, client_token=form.client_token.data or None)
    except ServiceError as error:
        return _failed(event, error, form, announcement_form=form)
    flash(_("공지를 올렸습니다."), "success")
    return redirect(url_for("live.console", event_id=event.id))


@live_bp.route("/events/<int:event_id>/console/qa/<any(open, close):action>", methods=["POST"])
@login_required
@limiter.limit(CONSOLE_LIMIT)
def console_qa(event_id: int, action: str):
    event = _managed(event_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.set_qa_open(event, action == "open", actor=current_user)
    except ServiceError as error:
        return _failed(event, error)
    flash(_("질문을 받기 시작했습니다.") if action == "open" else _("질문 받기를 마쳤습니다."), "success")
    return redirect(url_for("live.console", event_id=event.id))


@live_bp.route("/events/<int:event_id>/console/votes", methods=["POST"])
@login_required
@limiter.limit(CONSOLE_LIMIT)
def console_quick_vote(event_id: int):
    event = _managed(event_id)
    form = QuickVoteForm(prefix="vote")
    if not form.validate_on_submit():
        return _console_page(event, 422, vote_form=form)
    try:
        services.launch_quick_vote(event, title=form.title.data, question=form.question.data, minutes=form.minutes.data,
                                   live_results=form.live_results.data, actor=current_user,
                                   client_token=form.client_token.data or None)
    except ServiceError as error:
        return _failed(event, error, form, vote_form=form)
    flash(_("투표를 시작했습니다. 참석자의 화면에 투표 안내가 나타납니다."), "success")
    return redirect(url_for("live.console", event_id=event.id))


@live_bp.route("/events/<int:event_id>/console/votes/<int:round_id>/<any(open, close, tally, publish, show):action>",
               methods=["POST"])
@login_required
@limiter.limit(CONSOLE_LIMIT)
def console_vote_action(event_id: int, round_id: int, action: str):
    event = _managed(event_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    round_ = db.session.get(VoteRound, round_id)
    asked = confirmation(round_, action) if round_ is not None and round_.event_id == event.id else None
    if asked is not None:  # another event's round: the service explains the refusal
        page = confirmation_page(**asked, details=details(round_),
                                 cancel_url=url_for("live.console", event_id=event.id) + "#votes")
        if page is not None:
            return page
    try:
        services.vote_action(event, round_id, action, actor=current_user)
    except ServiceError as error:
        return _failed(event, error)
    flash({"open": _("투표를 시작했습니다."), "close": _("투표를 마감했습니다."), "tally": _("집계를 시작했습니다."),
           "publish": _("결과를 공개했습니다. 전광판에 결과가 나타납니다."), "show": _("전광판에 이 투표를 띄웠습니다.")}[action],
          "success")
    return redirect(url_for("live.console", event_id=event.id) + "#votes")
