"""Vote pages: the ballot, the receipt check, results, the projector, and the staff screens."""
from __future__ import annotations

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.auth.models import User
from app.bodies.models import Body
from app.confirm import confirmation_page
from app.errors import ServiceError, show_on_form
from app.extensions import db, hit_personal_limit, limiter
from app.permissions import can, require
from app.utils import KST
from app.voting import ballots, bp, services, tally
from app.voting.confirmations import confirmation, details
from app.voting.forms import (
    RULE_LABELS,
    CriterionForm, OptionForm, PaperForm, PaperVoterForm, ReceiptForm, RecusalForm, RoundForm, ScheduleForm,
)
from app.voting.models import PaperBallot, RoundStatus, VoteOption
from app.voting.pabulib_io import export_pabulib


def _round_for(round_id: int, permission: str = "vote.view"):
    round_ = services.get_round_or_404(round_id)
    if not can(permission, round_):
        abort(404 if permission == "vote.view" else 403)
    return services.refresh_status(round_)


@bp.app_template_global()
def result_chart(round_, data: dict, options: dict, final: bool = True) -> dict:
    """Bars for the results chart: (label, value, selected?, text) rows and the scale's maximum.

    A running count (``final`` false) marks nothing as selected: nothing is decided before the close.
    """
    selected = set(data.get("selected") or []) if final else set()
    if round_.method == "score":
        rows = [(options[o].title, float(data["scores"][o]), o in selected, data["scores"][o]) for o in data["ranking"]]
        return {"rows": rows, "max": 5}
    votes = sorted(data["votes"].items(), key=lambda kv: -kv[1])
    rows = [(options[o].title, n, o in selected, str(n)) for o, n in votes]
    return {"rows": rows, "max": max((n for _o, n in votes), default=0)}


@bp.app_template_global()
def yes_no_decision(data: dict, option_id: str):
    """A motion's outcome with its numbers and reason (see methods.YesNo.decision)."""
    from app.voting.methods import YesNo

    return YesNo.decision(data, option_id)


@bp.route("/")
def index():
    rounds = [services.refresh_status(r) for r in services.visible_rounds(include_drafts=can("vote.create"))]
    rounds = [r for r in rounds if can("vote.view", r)]
    return render_template("voting/index.html", rounds=rounds)


def _ballot_page(round_, status=200, error: str | None = None):
    voted = current_user.is_authenticated and services.has_voted(round_, current_user)
    eligible = (current_user.is_authenticated
                and services.eligibility_of(round_).is_eligible(round_, current_user))
    recused = (services.recused_option_ids(round_, current_user.id) if current_user.is_authenticated else set())
    refusal = (services.eligibility_of(round_).refusal(round_, current_user)
               if current_user.is_authenticated and not eligible else None)
    return render_template(
        "voting/detail.html", round=round_, method=services.method_of(round_),
        eligibility=services.eligibility_of(round_), voted=voted, eligible=eligible, recused=recused,
        turnout=services.turnout(round_), error=error, submitted=request.form if error else None, refusal=refusal,
        receipt_form=ReceiptForm(),
    ), status


@bp.route("/<int:round_id>")
def detail(round_id: int):
    return _ballot_page(_round_for(round_id))


class TooManyBallots(ServiceError):
    status = 429


def _limit_ballots(scope: str, limit: str) -> None:
    """Per person (see hit_personal_limit): a town hall's voters share the venue's one address."""
    if not hit_personal_limit(scope, limit, current_user.id):
        raise TooManyBallots(_("투표 요청이 너무 많습니다. 잠시 후 다시 시도해 주세요."))


@bp.route("/<int:round_id>/ballot", methods=["POST"])
@login_required
def cast(round_id: int):
    """Cast a ballot. The ballot page's script asks for JSON and shows the receipt in place; without
    script the form posts normally and the receipt is a page of its own."""
    from flask import current_app, g

    from app.notifications import unread_count

    as_json = request.accept_mimetypes.best == "application/json"
    try:
        _limit_ballots("vote", current_app.config["VOTE_RATE_LIMIT"])
    except TooManyBallots as error:
        if as_json:
            return jsonify(error=error.message), error.status
        raise
    round_ = services.get_round_for_ballot(round_id)
    if not can("vote.view", round_):
        abort(404)
    shown = {"id": round_.id, "title": round_.title}
    if not as_json:
        # Read in the ballot's own transaction what the receipt page's header shows: after the commit
        # the reply needs the database no more (a second transaction per ballot is most of a crowd's cost).
        g.unread_notifications = unread_count(current_user)
    try:
        code, described = ballots.cast_ballot(round_, current_user, request.form)
    except ServiceError as error:
        status = error.status if error.status != 400 else 422
        if as_json:
            return jsonify(error=error.message), status
        # The round the ballot read may be a shared read-only copy: the page works on the session's own.
        return _ballot_page(services.refresh_status(services.get_round_or_404(round_id)), status, error.message)
    # The receipt is shown this once and never stored in readable form.
    if as_json:
        response = jsonify(receipt=code, ballot=described)
    else:
        response = Response(render_template("voting/receipt.html", round=shown, code=code, described=described))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:round_id>/revote", methods=["POST"])
@login_required
def revote(round_id: int):
    _limit_ballots("revote", "10 per minute")
    round_ = services.get_round_for_ballot(round_id)  # like a first ballot: a close waits for it
    if not can("vote.view", round_):
        abort(404)
    try:
        code, described = ballots.revote(round_, current_user, request.form.get("receipt", ""), request.form)
    except ServiceError as error:
        return _ballot_page(services.refresh_status(services.get_round_or_404(round_id)),
                            422 if error.status == 400 else error.status, error.message)
    response = Response(render_template("voting/receipt.html", round={"id": round_.id}, code=code,
                                        described=described, replaced=True))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/receipt", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def receipt():
    form = ReceiptForm()
    found = None
    checked = False
    if form.validate_on_submit():
        checked = True
        found = ballots.verify_receipt(form.code.data)
    ballot, round_, content = found if found else (None, None, None)
    described = services.method_of(round_).describe(round_, content) if found else None
    status = 404 if checked and not found else 200
    return render_template("voting/verify.html", form=form, ballot=ballot, round=round_, described=described,
                           checked=checked), status


@bp.route("/<int:round_id>/results")
def results(round_id: int):
    round_ = _round_for(round_id)
    if not services.results_visible(round_, current_user):
        return render_template("voting/results_pending.html", round=round_), 403 if round_.status is RoundStatus.DRAFT else 200
    shown = tally.shown_result(round_)
    return render_template("voting/results.html", round=round_, result=shown["stored"], data=shown["data"],
                           live=shown["live"], shown=shown, final=services.result_is_final(round_),
                           method=services.method_of(round_), rule_labels=RULE_LABELS,
                           turnout=services.turnout(round_), options={str(o.id): o for o in round_.options})


@bp.route("/<int:round_id>/projector")
def projector(round_id: int):
    round_ = _round_for(round_id)
    # A projector is a public screen, whoever is logged in on its computer: it shows what the public may see.
    show = services.results_visible(round_, None)
    shown = tally.shown_result(round_) if show else {"data": None}
    return render_template("voting/projector.html", round=round_, turnout=services.turnout(round_),
                           data=shown["data"], shown=shown, final=services.result_is_final(round_),
                           options={str(o.id): o for o in round_.options})


@bp.route("/<int:round_id>/turnout.json")
def turnout_json(round_id: int):
    round_ = _round_for(round_id)
    return jsonify(status=round_.status.value, **services.turnout(round_))


@bp.route("/<int:round_id>/ballots.pb")
def download_pb(round_id: int):
    round_ = _round_for(round_id)
    if round_.status is not RoundStatus.PUBLISHED and not can("vote.manage", round_):
        abort(404)
    try:
        text = export_pabulib(round_)
    except ServiceError as error:  # score, yes/no and ranked ballots have no pabulib form
        return Response(error.message, status=404, mimetype="text/plain")
    return Response(text, mimetype="text/plain",
                    headers={"Content-Disposition": f"attachment; filename=vote-{round_.id}.pb"})


# --- staff screens -------------------------------------------------------------

def _body_choices():
    bodies = db.session.scalars(select(Body).order_by(Body.kind, Body.name)).all()
    return [(0, _("없음"))] + [(b.id, b.name) for b in bodies]


def _event_choices():
    from app.events.models import Event, EventKind

    events = db.session.scalars(select(Event).where(Event.kind != EventKind.BODY_MEETING)
                                .order_by(Event.starts_at.desc()).limit(50)).all()
    return [(0, _("없음"))] + [(e.id, f"{e.title} ({e.starts_at + KST:%Y-%m-%d})") for e in events]


def _cycle_choices():
    from app.cycles.models import PlanCycle

    cycles = db.session.scalars(select(PlanCycle).order_by(PlanCycle.year.desc())).all()
    return [(0, _("없음"))] + [(c.id, c.title) for c in cycles]


def _choices(form) -> None:
    form.body_id.choices = _body_choices()
    form.event_id.choices = _event_choices()
    form.cycle_id.choices = _cycle_choices()


def _round_kwargs(form) -> dict:
    return dict(title=form.title.data, description=form.description.data, method=form.method.data,
                eligibility=form.eligibility.data, body_id=form.body_id.data or None,
                event_id=form.event_id.data or None, cycle_id=form.cycle_id.data or None,
                min_age=form.min_age.data, budget=form.budget.data,
                min_picks=form.min_picks.data, max_picks=form.max_picks.data, seats=form.seats.data,
                tally_rule=form.tally_rule.data, allow_revote=form.allow_revote.data,
                live_results=form.live_results.data)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require("vote.create")
    form = RoundForm()
    _choices(form)
    if form.validate_on_submit():
        try:
            round_ = services.save_round(None, actor=current_user, **_round_kwargs(form))
        except ServiceError as error:
            show_on_form(form, error)
        else:
            flash(_("투표를 만들었습니다. 선택지를 등록하세요."), "success")
            return redirect(url_for("voting.manage", round_id=round_.id))
    return render_template("voting/edit.html", form=form, round=None), 422 if form.errors else 200


@bp.route("/<int:round_id>/manage", methods=["GET", "POST"])
@login_required
def manage(round_id: int):
    round_ = _round_for(round_id, "vote.manage")
    form = RoundForm(obj=round_ if request.method == "GET" else None)
    _choices(form)
    if request.method == "GET":
        form.body_id.data = round_.body_id or 0
        form.event_id.data = round_.event_id or 0
        form.cycle_id.data = round_.cycle_id or 0
    status = 200
    if form.validate_on_submit():
        try:
            services.save_round(round_, actor=current_user, **_round_kwargs(form))
        except ServiceError as error:
            show_on_form(form, error)
            status = error.status if error.status != 400 else 422
        else:
            flash(_("설정을 저장했습니다."), "success")
            return redirect(url_for("voting.manage", round_id=round_.id))
    elif form.errors:
        status = 422
    return _manage_page(round_, form=form, status=status)


def _manage_page(round_, status=200, **forms):
    if "form" not in forms:
        forms["form"] = RoundForm(obj=round_)
        forms["form"].event_id.data = round_.event_id or 0
        forms["form"].body_id.data = round_.body_id or 0
        forms["form"].cycle_id.data = round_.cycle_id or 0
    _choices(forms["form"])
    forms.setdefault("option_form", OptionForm())
    forms.setdefault("criterion_form", CriterionForm())
    recusal_form = forms.setdefault("recusal_form", RecusalForm())
    recusal_form.option_id.choices = [(o.id, o.title) for o in round_.options]
    schedule_form = forms.setdefault("schedule_form", ScheduleForm())
    if not schedule_form.is_submitted():
        if round_.opens_at:
            schedule_form.opens_at.data = round_.opens_at + KST
        if round_.closes_at:
            schedule_form.closes_at.data = round_.closes_at + KST
    return render_template("voting/manage.html", round=round_, method=services.method_of(round_),
                           turnout=services.turnout(round_), **forms), status


@bp.route("/<int:round_id>/options", methods=["POST"])
@login_required
def add_option(round_id: int):
    round_ = _round_for(round_id, "vote.manage")
    form = OptionForm()
    if form.validate_on_submit():
        try:
            services.add_option(round_, title=form.title.data, description=form.description.data,
                                cost=form.cost.data, proposer_id=form.proposer_id.data, actor=current_user,
                                agenda_item_id=form.agenda_item_id.data)
        except ServiceError as error:
            show_on_form(form, error)
            return _manage_page(round_, option_form=form, status=error.status if error.status != 400 else 422)
        flash(_("선택지를 추가했습니다."), "success")
        return redirect(url_for("voting.manage", round_id=round_.id) + "#options")
    return _manage_page(round_, option_form=form, status=422)


@bp.route("/options/<int:option_id>/delete", methods=["POST"])
@login_required
def remove_option(option_id: int):
    option = db.get_or_404(VoteOption, option_id)
    round_ = _round_for(option.round_id, "vote.manage")
    try:
        services.remove_option(option, actor=current_user)
    except ServiceError as error:
        flash(error.message, "danger")
    return redirect(url_for("voting.manage", round_id=round_.id) + "#options")


@bp.route("/<int:round_id>/criteria", methods=["POST"])
@login_required
def add_criterion(round_id: int):
    round_ = _round_for(round_id, "vote.manage")
    form = CriterionForm()
    if form.validate_on_submit():
        try:
            services.add_criterion(round_, name=form.name.data, weight=form.weight.data, actor=current_user)
        except ServiceError as error:
            show_on_form(form, error)
            return _manage_page(round_, criterion_form=form, status=422)
        return redirect(url_for("voting.manage", round_id=round_.id) + "#criteria")
    return _manage_page(round_, criterion_form=form, status=422)


@bp.route("/<int:round_id>/recusals", methods=["POST"])
@login_required
def add_recusal(round_id: int):
    round_ = _round_for(round_id, "vote.manage")
    form = RecusalForm()
    form.option_id.choices = [(o.id, o.title) for o in round_.options]
    if form.validate_on_submit():
        option = round_.option_by_id(form.option_id.data)
        user = db.session.get(User, form.user_id.data)
        if user is None:
            form.user_id.errors = [_("그 번호의 회원이 없습니다.")]
        else:
            try:
                services.add_recusal(round_, option, user, form.reason.data, actor=current_user)
            except ServiceError as error:
                show_on_form(form, error)
            else:
                flash(_("회피를 등록했습니다."), "success")
                return redirect(url_for("voting.manage", round_id=round_.id) + "#criteria")
    return _manage_page(round_, recusal_form=form, status=422)


@bp.route("/<int:round_id>/schedule", methods=["POST"])
@login_required
def schedule(round_id: int):
    round_ = _round_for(round_id, "vote.manage")
    form = ScheduleForm()
    if form.validate_on_submit():
        try:
            services.schedule(round_, form.opens_at.data - KST, form.closes_at.data - KST, actor=current_user)
        except ServiceError as error:
            show_on_form(form, error)
            return _manage_page(round_, schedule_form=form, status=error.status if error.status != 400 else 422)
        flash(_("투표 일정을 정했습니다."), "success")
        return redirect(url_for("voting.manage", round_id=round_.id))
    return _manage_page(round_, schedule_form=form, status=422)


@bp.route("/<int:round_id>/<any(open, close, tally, publish):action>", methods=["POST"])
@login_required
def transition(round_id: int, action: str):
    round_ = _round_for(round_id, "vote.manage")
    asked = confirmation(round_, action)
    if asked is not None:
        page = confirmation_page(**asked, details=details(round_),
                                 cancel_url=url_for("voting.manage", round_id=round_.id))
        if page is not None:
            return page
    run = {"open": services.open_round, "close": services.close_round, "tally": tally.request_tally,
           "publish": tally.publish}[action]
    try:
        run(round_, actor=current_user)
    except ServiceError as error:
        flash(error.message, "danger")
        return _manage_page(round_, status=error.status)
    flash({"open": _("투표를 시작했습니다."), "close": _("투표를 마감했습니다."),
           "tally": _("집계를 시작했습니다."), "publish": _("결과를 공개했습니다.")}[action], "success")
    return redirect(url_for("voting.manage", round_id=round_.id))


@bp.route("/<int:round_id>/paper", methods=["GET", "POST"])
@login_required
def paper(round_id: int):
    round_ = _round_for(round_id)
    require("vote.paper", round_)
    form = PaperForm()
    status = 200
    if form.validate_on_submit():
        try:
            ballots.enter_paper_ballot(round_, form.ballot_number.data, request.form, actor=current_user)
        except ServiceError as error:
            show_on_form(form, error)
            status = error.status if error.status != 400 else 422
        else:
            flash(_("투표용지 %(n)s번을 입력했습니다. 다른 직원이 확인하면 집계에 들어갑니다.", n=form.ballot_number.data),
                  "success")
            return redirect(url_for("voting.paper", round_id=round_.id))
    elif form.errors:
        status = 422
    return _paper_page(round_, status, form=form, submitted=request.form if status != 200 else None)


def _paper_page(round_, status=200, *, form=None, voter_form=None, submitted=None):
    return render_template("voting/paper.html", round=round_, form=form or PaperForm(formdata=None),
                           voter_form=voter_form or PaperVoterForm(formdata=None, prefix="roll"),
                           method=services.method_of(round_), pending=ballots.pending_paper_ballots(round_),
                           recused=set(), submitted=submitted), status


@bp.route("/<int:round_id>/paper/voters", methods=["POST"])
@login_required
def paper_voter(round_id: int):
    round_ = _round_for(round_id)
    require("vote.paper", round_)
    form = PaperVoterForm(prefix="roll")
    if not form.validate_on_submit():
        return _paper_page(round_, 422, voter_form=form)
    try:
        voter = ballots.mark_paper_voter(round_, form.voter_user_id.data, actor=current_user)
    except ServiceError as error:
        show_on_form(form, error)
        return _paper_page(round_, error.status if error.status != 400 else 422, voter_form=form)
    flash(_("%(name)s님을 종이 투표자로 명부에 적었습니다.", name=voter.public_name), "success")
    return redirect(url_for("voting.paper", round_id=round_.id))


@bp.route("/paper/<int:paper_id>/confirm", methods=["POST"])
@login_required
def confirm_paper(paper_id: int):
    paper_ballot = db.get_or_404(PaperBallot, paper_id)
    round_ = _round_for(paper_ballot.round_id)
    require("vote.paper", round_)
    try:
        ballots.confirm_paper_ballot(paper_ballot, actor=current_user)
    except ServiceError as error:
        flash(error.message, "danger")
    else:
        flash(_("투표용지 %(n)s번을 확인했습니다.", n=paper_ballot.ballot_number), "success")
    return redirect(url_for("voting.paper", round_id=round_.id))
