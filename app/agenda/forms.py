"""Forms for agenda items. They only validate; services act."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.agenda.models import ANSWER_LABELS
from app.agenda.stages import DECISION_TYPES, STAGES

_required = _l("필수 입력 항목입니다.")


class WonField(StringField):
    """A whole number of won; commas allowed (1,500,000)."""

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip().replace(",", "")
        self.raw = raw
        self.data = int(raw) if re.fullmatch(r"\d{1,15}", raw) else None

    def pre_validate(self, form):
        if getattr(self, "raw", "") and self.data is None:
            raise ValidationError(_l("예상 비용은 원 단위 정수로 적어 주세요. (예: 1500000)"))

    def _value(self):
        return getattr(self, "raw", None) or (f"{self.data}" if self.data is not None else "")


class ItemForm(FlaskForm):
    title = StringField(_l("제목"), validators=[DataRequired(_required), Length(max=120, message=_l("제목은 120자까지입니다."))])
    field = SelectField(_l("분야"), validators=[DataRequired(_l("분야를 골라 주세요."))])
    dong = SelectField(_l("지역"), validators=[Optional()])
    problem = TextAreaField(_l("문제 상황"), validators=[DataRequired(_required), Length(max=5000, message=_l("5,000자까지 적을 수 있습니다."))])
    solution = TextAreaField(_l("제안 내용"), validators=[DataRequired(_required), Length(max=5000, message=_l("5,000자까지 적을 수 있습니다."))])
    effect = TextAreaField(_l("기대 효과"), validators=[Optional(), Length(max=5000, message=_l("5,000자까지 적을 수 있습니다."))])
    cost = WonField(_l("예상 비용(원)"), validators=[Optional()], description=_l("모르면 비워 두세요."))
    attachment = FileField(_l("첨부 파일(이미지·PDF, 10MB까지)"))
    client_token = HiddenField()

    def __init__(self, *args, fields=(), dongs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.field.choices = [("", _l("선택하세요"))] + [(f, f) for f in fields]
        self.dong.choices = [("", _l("구 전체"))] + [(d, d) for d in dongs]


class MoveForm(FlaskForm):
    to_stage = SelectField(_l("옮길 단계"), validators=[InputRequired(_required)])
    decision_type = SelectField(_l("결정 방식"), choices=[(k, v) for k, v in DECISION_TYPES.items()
                                                         if k in ("chair_decision", "meeting_decision", "vote_result", "staff")])
    reason = TextAreaField(_l("사유"), validators=[Optional(), Length(max=2000)],
                           description=_l("반려·보류·병합할 때는 꼭 적어 주세요. 타임라인에 공개됩니다."))
    minutes_ref = StringField(_l("회의록(주소나 회의 이름)"), validators=[Optional(), Length(max=300)])
    merge_into_id = IntegerField(_l("합칠 의제 번호(병합할 때)"), validators=[Optional()])
    vote_round_id = IntegerField(_l("근거가 된 투표 번호(투표 결과로 정할 때)"), validators=[Optional()],
                                 description=_l("결과가 공개된 투표만 연결할 수 있습니다. 타임라인에 결과 링크가 붙습니다."))
    version = HiddenField()

    def __init__(self, *args, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        stages = item.stage_obj.next_stages() if item is not None else ()
        labels = {"resume": _l("보류 해제(원래 단계로)")}
        self.to_stage.choices = [(s, labels.get(s) or STAGES[s].label) for s in stages if s != "withdrawn"]


class AnswerForm(FlaskForm):
    department = StringField(_l("담당 부서"), validators=[DataRequired(_required), Length(max=80)])
    answer_status = SelectField(_l("답변 결과"), choices=[("", _l("아직 답변 없음"))] + [(k, _l(v)) for k, v in ANSWER_LABELS.items()],
                                validators=[Optional()])
    answer_text = TextAreaField(_l("답변 내용"), validators=[Optional(), Length(max=5000)])
