"""Discussion pages: threads (also embedded in agenda, body and event pages), online forums, moderation, live Q&A.

Every action works as a plain form post (no JavaScript needed); forums.js sends posts and reactions
over the socket instead and shows everyone's changes live.
"""
from __future__ import annotations

import uuid
from datetime import timedelta

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from app.errors import ServiceError, form_status, show_on_form
from app.extensions import db, limiter
from app.forms import EmptyForm
from app.forums import bp, online, services, targets
from app.forums import moderation as moderation_services  # the views `moderation` and `qa` keep their names
from app.forums import qa as qa_services
from app.forums.forms import (
    BanForm, BlockedWordsForm, EditForm, ForumForm, ModerateForm, PostForm, QuestionForm, QuestionMarkForm,
    ReportForm, SummaryForm, ThreadSettingsForm,
)
from app.forums.models import VISIBLE, Ban, BlockedWord, OnlineForum, Post, Question, Thread
from app.inputs import safe_next
from app.permissions import can, require
from app.utils import KST, now


def _post_limit() -> str:
    from flask import current_app

    return current_app.config.get("FORUM_POST_RATE_LIMIT", "10 per minute")


# --- view models used by the embeddable partials --------------------------------------

def thread_view(obj, members: bool = False, *, form: PostForm | None = None) -> dict:
    """Everything _thread.html needs for ``obj`` (an AgendaItem, Event, Body, OnlineForum or a Target)."""
    target = obj if isinstance(obj, targets.Target) else targets.of(obj, members=members)
    thread = services.find_thread(target)
    user = current_user
    if form is None:
        form = PostForm(formdata=None)
        form.client_token.data = uuid.uuid4().hex
        reply_to = request.args.get("reply_to", type=int)
        quote = request.args.get("quote", type=int)
        if reply_to and request.args.get("room") in (None, target.room):
            form.parent_id.data = reply_to
        if quote and request.args.get("room") in (None, target.room):
            form.quote_id.data = quote
    form.next.data = _here() if request.method == "GET" else (form.next.data or target.url())
    parent = db.session.get(Post, int(form.parent_id.data)) if str(form.parent_id.data or "").isdigit() else None
    quoted = db.session.get(Post, int(form.quote_id.data)) if str(form.quote_id.data or "").isdigit() else None
    return {
        "target": target, "thread": thread, "room": target.room, "tree": services.post_tree(thread),
        "seq": thread.last_seq if thread else 0, "reactions": services.my_reactions(thread, user), "form": form,
        "can_read": can("forums.read", target), "can_post": can("forums.post", target),
        "can_react": can("forums.react", target), "can_moderate": can("forums.moderate", target),
        "ban": services.active_ban(user, thread, target.id if target.kind == "event" else None),
        "locked": bool(thread and thread.locked), "slow_mode": thread.slow_mode_seconds if thread else 0,
        "replying_to": parent if parent and parent.thread_id == getattr(thread, "id", None) else None,
        "quoting": quoted if quoted and quoted.thread_id == getattr(thread, "id", None) else None,
        "edit_until": now() - timedelta(minutes=_edit_minutes()), "button": EmptyForm(),
        "members_room": target.kind == "body" and (can("forums.read", targets.of(target.obj, members=True))),
    }


def _here() -> str:
    """This page's address without the reply/quote choices, to come back to after posting."""
    from urllib.parse import urlencode

    args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("reply_to", "quote", "room")]
    return request.path + ("?" + urlencode(args) if args else "")


def _edit_minutes() -> int:
    from flask import current_app

    return current_app.config.get("FORUM_EDIT_MINUTES", 15)


def qa_view(event, *, form: QuestionForm | None = None) -> dict:
    """Everything _event_qa.html needs for ``event``."""
    if form is None:
        form = QuestionForm(formdata=None, prefix="qa")
        form.client_token.data = uuid.uuid4().hex
    form.next.data = _here() if request.method == "GET" else (form.next.data or "")
    thread = services.find_thread(targets.Target("event", event))
    return {"event": event, "room": f"event-{event.id}", "seq": thread.last_seq if thread else 0,
            "questions": qa_services.questions(event, current_user), "my_votes": qa_services.my_votes(event, current_user),
            "can_view": can("forums.qa.view", event), "can_ask": can("forums.qa.ask", event),
            "can_vote": can("forums.qa.vote", event), "can_moderate": can("forums.qa.moderate", event),
            "form": form, "mark_form": QuestionMarkForm(formdata=None), "button": EmptyForm()}


def forums_scripts() -> Markup:
    """The Socket.IO client and forums.js, once per page however many widgets include them."""
    if getattr(g, "_forums_scripts", False):
        return Markup("")
    g._forums_scripts = True
    return Markup(
        f'<script src="{url_for("static", filename="vendor/socket.io/socket.io.min.js")}" defer></script>\n'
        f'<script src="{url_for("static", filename="js/forums.js")}" defer></script>\n'
        f'<link rel="stylesheet" href="{url_for("forums.static", filename="forums.css")}">')


@bp.app_template_filter("forum_excerpt")
def _excerpt(text: str) -> str:
    from app.forums.markup import plain

    return plain(text, 200)


@bp.app_context_processor
def _helpers():
    return {"forum_thread": thread_view, "forum_qa": qa_view, "forums_scripts": forums_scripts}


# --- threads --------------------------------------------------------------------------------

def _target_or_404(room: str) -> targets.Target:
    target = targets.from_room(room)
    if target is None or not can("forums.read", target):
        abort(404)
    return target


@bp.route("/room/<room>")
def room(room: str):
    """A thread on a page of its own (members-only rooms, event discussions, links from notifications)."""
    target = _target_or_404(room)
    return render_template("forums/room.html", ft=thread_view(target))


@bp.route("/room/<room>/posts", methods=["POST"])
@login_required
@limiter.limit(_post_limit, methods=["POST"])
def create_post(room: str):
    target = _target_or_404(room)
    form = PostForm()
    if form.validate_on_submit():
        try:
            post = services.create_post(
                target, current_user._get_current_object(), form.body.data,
                parent_id=int(form.parent_id.data) if str(form.parent_id.data or "").isdigit() else None,
                quote_id=int(form.quote_id.data) if str(form.quote_id.data or "").isdigit() else None,
                client_id=form.client_token.data or None)
        except ServiceError as error:
            show_on_form(form, error)
            return render_template("forums/room.html", ft=thread_view(target, form=form)), form_status(error)
        flash(_("글을 올렸습니다."), "success")
        back = safe_next(form.next.data, target.url()).split("#")[0]
        return redirect(f"{back}#post-{post.id}")
    return render_template("forums/room.html", ft=thread_view(target, form=form)), 422


def _post_or_404(post_id: int) -> tuple[Post, targets.Target]:
    post = db.get_or_404(Post, post_id)
    target = services.target_of(db.session.get(Thread, post.thread_id))
    if target is None or not can("forums.read", target):
        abort(404)
    return post, target


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(post_id: int):
    post, target = _post_or_404(post_id)
    if post.author_id != current_user.id:
        abort(403)
    form = EditForm(obj=post)
    status = 200
    if form.validate_on_submit():
        try:
            services.edit_post(post, current_user._get_current_object(), form.body.data)
        except ServiceError as error:
            show_on_form(form, error)
            status = form_status(error)
        else:
            flash(_("글을 고쳤습니다."), "success")
            return redirect(f"{target.url()}#post-{post.id}")
    elif request.method == "POST":
        status = 422
    open_until = post.created_at + timedelta(minutes=_edit_minutes())
    return render_template("forums/edit.html", form=form, post=post, target=target, open_until=open_until,
                           editable=post.state == VISIBLE and now() <= open_until), status


@bp.route("/posts/<int:post_id>/delete", methods=["POST"])
@login_required
def delete_post(post_id: int):
    post, target = _post_or_404(post_id)
    if EmptyForm().validate_on_submit():
        try:
            services.delete_post(post, current_user._get_current_object())
        except ServiceError as error:
            flash(error.message, "danger")
        else:
            flash(_("글을 지웠습니다."), "info")
    return redirect(f"{target.url()}#post-{post.id}")


@bp.route("/posts/<int:post_id>/react", methods=["POST"])
@login_required
@limiter.limit("120 per minute")
def react(post_id: int):
    post, target = _post_or_404(post_id)
    if EmptyForm().validate_on_submit():
        try:
            services.react(post, current_user._get_current_object(), request.form.get("kind", ""))
        except ServiceError as error:
            flash(error.message, "danger")
            return redirect(f"{safe_next(request.form.get('next'), target.url())}#post-{post.id}"), 303
    return redirect(f"{safe_next(request.form.get('next'), target.url()).split('#')[0]}#post-{post.id}")


@bp.route("/posts/<int:post_id>/report", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per hour", methods=["POST"])
def report(post_id: int):
    post, target = _post_or_404(post_id)
    require("forums.report", target)
    form = ReportForm()
    status = 200
    if form.validate_on_submit():
        try:
            counted = moderation_services.report_post(post, current_user._get_current_object(), form.reason.data, form.detail.data)
        except ServiceError as error:
            show_on_form(form, error)
            status = form_status(error)
        else:
            flash(_("신고를 접수했습니다. 관리자가 살펴봅니다.") if counted else _("이미 신고한 글입니다."), "success")
            return redirect(f"{target.url()}#post-{post.id}")
    elif request.method == "POST":
        status = 422
    return render_template("forums/report.html", form=form, post=post, target=target), status


@bp.route("/posts/<int:post_id>/moderate", methods=["GET", "POST"])
@login_required
def moderate(post_id: int):
    post, target = _post_or_404(post_id)
    require("forums.moderate", target)
    form, ban_form = ModerateForm(prefix="mod"), BanForm(prefix="ban")
    status = 200
    action = request.form.get("action")
    if request.method == "POST" and action in ("hide", "unhide") and form.validate_on_submit():
        try:
            (moderation_services.hide_post if action == "hide" else moderation_services.unhide_post)(
                post, current_user._get_current_object(), form.reason.data)
        except ServiceError as error:
            show_on_form(form, error)
            status = form_status(error)
        else:
            flash(_("글을 숨겼습니다.") if action == "hide" else _("글을 다시 보이게 했습니다."), "success")
            return redirect(url_for("forums.moderate", post_id=post.id))
    elif request.method == "POST" and action == "ban" and ban_form.validate_on_submit():
        thread = db.session.get(Thread, post.thread_id)
        event_id = thread.event_id if ban_form.scope.data == "event" else None
        try:
            if ban_form.scope.data == "event" and not event_id:
                raise ServiceError(_("행사 토론이 아닙니다. '이 토론에서'를 고르세요."), "scope")
            moderation_services.ban_user(post.author, current_user._get_current_object(), hours=ban_form.hours.data,
                              reason=ban_form.reason.data, thread=None if event_id else thread, event_id=event_id)
        except ServiceError as error:
            show_on_form(ban_form, error)
            status = form_status(error)
        else:
            flash(_("%(name)s님이 글을 쓰지 못하게 했습니다.", name=post.author.public_name), "success")
            return redirect(url_for("forums.moderate", post_id=post.id))
    elif request.method == "POST":
        status = 422
    return render_template("forums/moderate.html", post=post, target=target, form=form, ban_form=ban_form,
                           reports=moderation_services.reports_for(post), reason_labels=moderation_services.REASON_LABELS), status


@bp.route("/room/<room>/settings", methods=["GET", "POST"])
@login_required
def settings(room: str):
    target = _target_or_404(room)
    require("forums.moderate", target)
    thread = services.find_thread(target)
    form = ThreadSettingsForm(obj=thread)
    status = 200
    if form.validate_on_submit():
        try:
            moderation_services.configure_thread(target, current_user._get_current_object(),
                                      slow_mode_seconds=form.slow_mode_seconds.data, locked=form.locked.data)
        except ServiceError as error:
            show_on_form(form, error)
            status = form_status(error)
        else:
            flash(_("토론 설정을 저장했습니다."), "success")
            return redirect(url_for("forums.settings", room=room))
    elif request.method == "POST":
        status = 422
    return render_template("forums/settings.html", target=target, thread=thread, form=form,
                           bans=moderation_services.thread_bans(thread), button=EmptyForm()), status


@bp.route("/bans/<int:ban_id>/lift", methods=["POST"])
@login_required
def lift_ban(ban_id: int):
    require("forums.manage")
    ban = db.get_or_404(Ban, ban_id)
    if EmptyForm().validate_on_submit():
        moderation_services.lift_ban(ban, current_user._get_current_object())
        flash(_("글쓰기 제한을 풀었습니다."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("forums.moderation")))


@bp.route("/moderation", methods=["GET", "POST"])
@login_required
def moderation():
    require("forums.manage")
    form = BlockedWordsForm()
    status = 200
    if form.validate_on_submit():
        try:
            moderation_services.set_blocked_words(form.words.data or "", current_user._get_current_object())
        except ServiceError as error:
            show_on_form(form, error)
            status = form_status(error)
        else:
            flash(_("금칙어 목록을 저장했습니다."), "success")
            return redirect(url_for("forums.moderation"))
    elif request.method == "POST":
        status = 422
    if request.method == "GET":
        form.words.data = "\n".join(db.session.scalars(select(BlockedWord.word).order_by(BlockedWord.word)))
    queue = moderation_services.review_queue()
    return render_template("forums/moderation.html", form=form, button=EmptyForm(), targets_of=services.target_of,
                           **queue), status


# --- online forums (온라인공론장) ----------------------------------------------------------------

@bp.route("/")
def index():
    return render_template("forums/index.html", groups=online.forums_by_status())


def _kst_naive(value):
    return value - KST if value else value


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:forum_id>/edit", methods=["GET", "POST"])
@login_required
def forum_form(forum_id: int | None = None):
    require("forums.manage")
    forum = db.get_or_404(OnlineForum, forum_id) if forum_id else None
    form = ForumForm(obj=forum)
    if request.method == "GET" and forum is not None:
        form.opens_at.data, form.closes_at.data = forum.opens_at + KST, forum.closes_at + KST
    status = 200
    if form.validate_on_submit():
        try:
            saved = online.save_forum(forum, current_user._get_current_object(), title=form.title.data,
                                        question=form.question.data, description=form.description.data or "",
                                        opens_at=_kst_naive(form.opens_at.data), closes_at=_kst_naive(form.closes_at.data))
        except ServiceError as error:
            show_on_form(form, error)
            status = form_status(error)
        else:
            flash(_("온라인공론장을 저장했습니다."), "success")
            return redirect(url_for("forums.forum", forum_id=saved.id))
    elif request.method == "POST":
        status = 422
    return render_template("forums/forum_form.html", form=form, forum=forum), status


@bp.route("/<int:forum_id>")
def forum(forum_id: int):
    item = db.get_or_404(OnlineForum, forum_id)
    summary_form = SummaryForm(obj=item) if can("forums.summarize", item) else None
    return render_template("forums/forum.html", forum=item, status=item.status(), summary_form=summary_form)


@bp.route("/<int:forum_id>/summary", methods=["POST"])
@login_required
def summary(forum_id: int):
    item = db.get_or_404(OnlineForum, forum_id)
    require("forums.manage")
    form = SummaryForm()
    if form.validate_on_submit():
        try:
            online.write_summary(item, current_user._get_current_object(), form.summary.data)
        except ServiceError as error:
            show_on_form(form, error)
            return render_template("forums/forum.html", forum=item, status=item.status(), summary_form=form), \
                form_status(error)
        flash(_("논의 정리를 공개했습니다."), "success")
        return redirect(url_for("forums.forum", forum_id=item.id))
    return render_template("forums/forum.html", forum=item, status=item.status(), summary_form=form), 422


# --- live Q&A ------------------------------------------------------------------------------------

def _event_or_404(event_id: int):
    from app.events.models import Event

    event = db.get_or_404(Event, event_id)
    if not can("forums.qa.view", event):
        abort(404)
    return event


@bp.route("/events/<int:event_id>/qa", methods=["GET", "POST"])
@limiter.limit(_post_limit, methods=["POST"])
def qa(event_id: int):
    """The live Q&A on a page of its own (the live page of events embeds the same widget)."""
    event = _event_or_404(event_id)
    if request.method == "POST":
        if not current_user.is_authenticated:
            abort(401)
        form = QuestionForm(prefix="qa")
        if form.validate_on_submit():
            try:
                qa_services.ask(event, current_user._get_current_object(), form.body.data,
                             anonymous=form.anonymous.data, client_id=form.client_token.data or None)
            except ServiceError as error:
                show_on_form(form, error)
                return render_template("forums/qa.html", event=event, forum_qa_view=qa_view(event, form=form)), form_status(error)
            flash(_("질문을 올렸습니다."), "success")
            return redirect(safe_next(form.next.data, url_for("forums.qa", event_id=event.id)))
        return render_template("forums/qa.html", event=event, forum_qa_view=qa_view(event, form=form)), 422
    return render_template("forums/qa.html", event=event)


def _question_or_404(question_id: int) -> Question:
    question = db.get_or_404(Question, question_id)
    _event_or_404(question.event_id)
    return question


@bp.route("/questions/<int:question_id>/vote", methods=["POST"])
@login_required
@limiter.limit("120 per minute")
def qa_vote(question_id: int):
    question = _question_or_404(question_id)
    back = safe_next(request.form.get("next"), url_for("forums.qa", event_id=question.event_id))
    if EmptyForm().validate_on_submit():
        try:
            qa_services.upvote(question, current_user._get_current_object())
        except ServiceError as error:
            flash(error.message, "danger")
    return redirect(f"{back.split('#')[0]}#question-{question.id}")


@bp.route("/questions/<int:question_id>/mark", methods=["POST"])
@login_required
def qa_mark(question_id: int):
    question = _question_or_404(question_id)
    from app.events.models import Event

    require("forums.qa.moderate", db.session.get(Event, question.event_id))
    back = safe_next(request.form.get("next"), url_for("forums.qa", event_id=question.event_id))
    form = QuestionMarkForm()
    if form.validate_on_submit():
        try:
            qa_services.mark_question(question, current_user._get_current_object(), request.form.get("action", ""),
                                   form.reason.data or "")
        except ServiceError as error:
            flash(error.message, "danger")
    return redirect(f"{back.split('#')[0]}#question-{question.id}")
