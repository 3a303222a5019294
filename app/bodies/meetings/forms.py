"""Forms for body meetings. They only validate; the services act."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.bodies.meetings.outcomes import OUTCOMES
from app.bodies.meetings.quorum import QUORUM_RULES

_required = _l("필수 입력 항목입니다.")


class OptionalIntList(SelectMultipleField):
    """Checked ids; an empty or tampered list is the service's to judge, not a form error."""

    def pre_validate(self, form):
        pass


class ScheduleForm(FlaskForm):
    title = StringField(_l("회의 이름"), validators=[DataRequired(_required), Length(max=200)])
    day = DateField(_l("날짜"), validators=[InputRequired(_l("날짜를 YYYY-MM-DD 형식으로 입력해 주세요."))])
    start_time = TimeField(_l("시작 시각"), validators=[InputRequired(_l("시각을 HH:MM 형식으로 입력해 주세요."))])
    end_time = TimeField(_l("끝나는 시각"), validators=[InputRequired(_l("시각을 HH:MM 형식으로 입력해 주세요."))])
    venue = StringField(_l("장소"), validators=[DataRequired(_required), Length(max=200)],
                        description=_l("예: 구청 본관 3층 협치회의실"))
    description = TextAreaField(_l("안내"), validators=[Optional(), Length(max=2000)])
    quorum_rule = SelectField(_l("의사정족수"), choices=[(r.key, r.label) for r in QUORUM_RULES.values()],
                              validators=[InputRequired(_required)])
    agenda_item_ids = OptionalIntList(_l("안건"), coerce=int)
    client_token = HiddenField()


class AgendaAddForm(FlaskForm):
    agenda_item_id = SelectField(_l("추가할 의제"), coerce=int, validators=[InputRequired(_l("의제를 골라 주세요."))])


class RollCallForm(FlaskForm):
    present = OptionalIntList(_l("출석한 위원"), coerce=int)


class DecisionForm(FlaskForm):
    outcome = SelectField(_l("결정"), choices=[(o.key, o.label) for o in OUTCOMES.values()],
                          validators=[InputRequired(_l("결정 내용을 골라 주세요."))])
    reason = TextAreaField(_l("사유·결정 요지"), validators=[Optional(), Length(max=2000)],
                           description=_l("반려나 보류에는 사유가 꼭 필요합니다. 의제 이력에 공개됩니다."))
    vote_minutes = IntegerField(_l("투표 시간(분, 표결일 때)"), default=30,
                                validators=[Optional(), NumberRange(min=1, max=1440, message=_l("1분에서 1,440분 사이로 정해 주세요."))])
    expected_version = HiddenField()


class CancelForm(FlaskForm):
    reason = StringField(_l("취소 사유"), validators=[DataRequired(_l("취소 사유를 적어 주세요.")), Length(max=500)])


class MinutesForm(FlaskForm):
    body_md = TextAreaField(_l("회의록(마크다운)"), validators=[Optional(), Length(max=100_000)],
                            description=_l("## 제목, - 목록, **굵게**, [링크](https://…)를 쓸 수 있습니다. HTML과 이미지는 쓸 수 없습니다."))
    expected_version = HiddenField()


class PublishForm(FlaskForm):
    expected_version = HiddenField()


class CorrectionForm(FlaskForm):
    text_md = TextAreaField(_l("정정 내용"), validators=[DataRequired(_l("정정 내용을 적어 주세요.")), Length(max=5000)],
                            description=_l("공개된 회의록 본문은 바뀌지 않고, 정정 내용이 날짜와 이름과 함께 아래에 덧붙습니다."))
