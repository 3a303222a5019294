"""Forms for discussion, moderation, online forums and live Q&A. They only validate; services act."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, HiddenField, IntegerField, RadioField, TextAreaField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.forums.moderation import REASON_LABELS
from app.utils import KST

_required = _l("필수 입력 항목입니다.")


class PostForm(FlaskForm):
    body = TextAreaField(_l("의견"), validators=[DataRequired(_l("내용을 적어 주세요."))],
                         description=_l("마크다운을 쓸 수 있습니다. @이름으로 다른 사람을 부를 수 있습니다."))
    parent_id = HiddenField()
    quote_id = HiddenField()
    client_token = HiddenField()
    next = HiddenField()


class EditForm(FlaskForm):
    body = TextAreaField(_l("내용"), validators=[DataRequired(_l("내용을 적어 주세요."))])


class ReportForm(FlaskForm):
    reason = RadioField(_l("신고 사유"), choices=list(REASON_LABELS.items()),
                        validators=[InputRequired(_l("신고 사유를 골라 주세요."))])
    detail = TextAreaField(_l("설명(선택)"), validators=[Optional(), Length(max=500, message=_l("500자까지 쓸 수 있습니다."))])


class ModerateForm(FlaskForm):
    reason = TextAreaField(_l("사유"), validators=[DataRequired(_l("사유를 적어 주세요.")), Length(max=300)],
                           description=_l("감사 기록에 남습니다."))


class BanForm(FlaskForm):
    hours = IntegerField(_l("기간(시간)"), default=24,
                         validators=[InputRequired(_required), NumberRange(1, 24 * 365, _l("1시간에서 8,760시간 사이로 정해 주세요."))])
    reason = TextAreaField(_l("사유"), validators=[DataRequired(_l("사유를 적어 주세요.")), Length(max=300)])
    scope = RadioField(_l("범위"), choices=[("thread", _l("이 토론에서")), ("event", _l("이 행사 전체(토론과 질문)에서"))],
                       default="thread")


class ThreadSettingsForm(FlaskForm):
    slow_mode_seconds = IntegerField(_l("천천히 모드(초)"), default=0,
                                     validators=[InputRequired(_required), NumberRange(0, 3600, _l("0초에서 3,600초 사이로 정해 주세요."))],
                                     description=_l("한 사람이 이 시간에 한 번만 글을 쓸 수 있습니다. 0이면 끕니다."))
    locked = BooleanField(_l("토론 닫기(새 글을 받지 않음)"))


class BlockedWordsForm(FlaskForm):
    words = TextAreaField(_l("금칙어(한 줄에 하나)"), validators=[Optional()],
                          description=_l("이 낱말이 들어간 글과 질문은 올라가지 않습니다."))


class ForumForm(FlaskForm):
    title = StringField(_l("제목"), validators=[DataRequired(_required), Length(max=200)])
    question = TextAreaField(_l("물음"), validators=[DataRequired(_required), Length(max=2000)],
                             description=_l("주민에게 묻는 한 가지 질문입니다."))
    description = TextAreaField(_l("설명"), validators=[Optional(), Length(max=10000)])
    opens_at = DateTimeLocalField(_l("시작(한국 시간)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired(_required)])
    closes_at = DateTimeLocalField(_l("마감(한국 시간)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired(_required)])


class SummaryForm(FlaskForm):
    summary = TextAreaField(_l("논의 정리"), validators=[DataRequired(_l("정리 내용을 적어 주세요.")), Length(max=20000)],
                            description=_l("마크다운을 쓸 수 있습니다. 공론장 맨 위에 공개됩니다."))


class QuestionForm(FlaskForm):
    body = TextAreaField(_l("질문"), validators=[DataRequired(_l("질문을 적어 주세요.")),
                                                Length(max=300, message=_l("질문은 300자까지 쓸 수 있습니다."))])
    anonymous = BooleanField(_l("이름을 밝히지 않고 질문하기"))
    client_token = HiddenField()
    next = HiddenField()


class QuestionMarkForm(FlaskForm):
    reason = StringField(_l("숨기는 사유"), validators=[Optional(), Length(max=300)])
