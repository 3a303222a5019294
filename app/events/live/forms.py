"""Console forms. They only validate; the live services act."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class SegmentForm(FlaskForm):
    title = StringField(_l("지금 순서"), validators=[DataRequired(_l("지금 순서의 제목을 적어 주세요.")), Length(max=200)],
                        description=_l("예: 2부 · 분과별 사업 설명"))
    text = TextAreaField(_l("안내 문구"), validators=[Optional(), Length(max=2000)])


class AnnouncementForm(FlaskForm):
    text = TextAreaField(_l("공지"), validators=[DataRequired(_l("공지 내용을 적어 주세요.")),
                                                Length(max=500, message=_l("공지는 500자까지 쓸 수 있습니다."))])
    client_token = HiddenField()


class QuickVoteForm(FlaskForm):
    title = StringField(_l("투표 제목"), validators=[DataRequired(_l("투표 제목을 적어 주세요.")), Length(max=200)])
    question = StringField(_l("묻는 내용(찬성·반대·기권)"), validators=[DataRequired(_l("묻는 내용을 적어 주세요.")), Length(max=200)])
    minutes = IntegerField(_l("투표 시간(분)"), default=10, validators=[
        InputRequired(_l("투표 시간을 적어 주세요.")), NumberRange(min=1, max=240, message=_l("1분에서 240분 사이로 정해 주세요."))])
    live_results = BooleanField(_l("투표 중에도 전광판에 중간 집계 보이기"), default=False,
                                description=_l("켜면 투표 중에도 득표수가 보입니다. 통과 여부는 마감 뒤에만 나옵니다."))
    client_token = HiddenField()
