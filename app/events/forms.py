"""Forms for events. They only validate input shapes; services decide."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateTimeLocalField, HiddenField, IntegerField, SelectField, StringField, TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.events.models import AUDIENCE_LABELS, EVENT_KIND_LABELS, EventKind
from app.events.services import MAX_QUESTIONS

_required = _l("필수 입력 항목입니다.")
_when = _l("날짜와 시각을 입력해 주세요. (예: 2026-11-28 14:00)")
DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class EventForm(FlaskForm):
    kind = SelectField(_l("종류"), choices=[(k.value, str(v)) for k, v in EVENT_KIND_LABELS.items()
                                            if k is not EventKind.BODY_MEETING])
    title = StringField(_l("행사 이름"), validators=[DataRequired(_required), Length(max=200)])
    description = TextAreaField(_l("소개"), validators=[Optional(), Length(max=5000)])
    body_id = SelectField(_l("주관 기구"), coerce=str, validators=[Optional()])
    cycle_id = SelectField(_l("계획 연도"), coerce=str, validators=[Optional()])
    starts_at = DateTimeLocalField(_l("시작 일시(한국 시간)"), format=DT_FORMATS,
                                   validators=[InputRequired(_when)])
    ends_at = DateTimeLocalField(_l("끝나는 일시(한국 시간)"), format=DT_FORMATS,
                                 validators=[InputRequired(_when)])
    venue = StringField(_l("장소"), validators=[Optional(), Length(max=200)],
                        description=_l("예: 구청 본관 2층 대회의실"))
    map_url = StringField(_l("지도 주소"), validators=[Optional(), Length(max=500)],
                          description=_l("지도 서비스에서 복사한 링크(https://…)"))
    online = BooleanField(_l("온라인으로도 진행합니다(플랫폼의 생중계 방)"))
    stream_url = StringField(_l("외부 중계 주소(선택)"), validators=[Optional(), Length(max=500)])
    capacity = IntegerField(_l("정원"), validators=[Optional(), NumberRange(min=1, message=_l("정원은 1명 이상이어야 합니다."))],
                            description=_l("제한이 없으면 비워 두세요. 정원이 차면 대기 신청을 받습니다."))
    registration_opens_at = DateTimeLocalField(_l("신청 시작(선택)"), format=DT_FORMATS, validators=[Optional()],
                                               description=_l("비워 두면 공개하는 즉시 신청을 받습니다."))
    registration_closes_at = DateTimeLocalField(_l("신청 마감(선택)"), format=DT_FORMATS, validators=[Optional()],
                                                description=_l("비워 두면 행사 시작 때 마감합니다."))
    audience = SelectField(_l("참가 대상"), choices=[(k.value, str(v)) for k, v in AUDIENCE_LABELS.items()])
    version = HiddenField()

    def __init__(self, *args, bodies=(), cycles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.body_id.choices = [("", _l("없음(구 전체)"))] + [(str(b.id), b.name) for b in bodies]
        self.cycle_id.choices = [("", _l("해당 없음"))] + [(str(c.id), str(c.year)) for c in cycles]

    def question_fields(self):
        return [(getattr(self, f"q{i}_prompt"), getattr(self, f"q{i}_required"), getattr(self, f"q{i}_exportable"))
                for i in range(1, MAX_QUESTIONS + 1)]


for _i in range(1, MAX_QUESTIONS + 1):
    setattr(EventForm, f"q{_i}_prompt", StringField(_l("질문 %(n)d", n=_i), validators=[Optional(), Length(max=200)]))
    setattr(EventForm, f"q{_i}_required", BooleanField(_l("꼭 답해야 함")))
    setattr(EventForm, f"q{_i}_exportable", BooleanField(_l("동의한 신청자의 답변을 명단 내보내기에 포함")))


class RegistrationFieldsMixin:
    needs_sign_language = BooleanField(_l("수어 통역이 필요합니다"))
    needs_wheelchair = BooleanField(_l("휠체어 접근이 필요합니다"))
    needs_childcare = BooleanField(_l("아이 돌봄이 필요합니다"))
    share_contact = BooleanField(_l("주최 측 참가자 명단에 이름과 연락처를 포함하는 데 동의합니다(선택)"))
    share_answers = BooleanField(_l("주최 측 참가자 명단에 질문 답변을 포함하는 데 동의합니다(선택)"))


class RegisterForm(RegistrationFieldsMixin, FlaskForm):
    """One click for members; the questions and needs are optional extras."""


class GuestForm(RegistrationFieldsMixin, FlaskForm):
    name = StringField(_l("이름"), validators=[DataRequired(_required), Length(max=80)])
    email = StringField(_l("이메일"), validators=[Optional(), Length(max=254)],
                        description=_l("확인 코드를 받을 이메일 또는 휴대전화 중 하나를 입력하세요."))
    phone = StringField(_l("휴대전화"), validators=[Optional(), Length(max=20)], description=_l("예: 010-1234-5678"))


class CodeForm(FlaskForm):
    code = StringField(_l("확인 코드(숫자 6자리)"), validators=[DataRequired(_required), Length(max=12)])


class CheckInForm(FlaskForm):
    code = StringField(_l("등록 코드"), validators=[DataRequired(_l("등록 코드를 입력해 주세요.")), Length(max=20)],
                       description=_l("예: ABCD-2345 (하이픈은 없어도 됩니다)"))


class WalkInForm(FlaskForm):
    name = StringField(_l("현장 참가자 이름"), validators=[DataRequired(_l("현장 참가자의 이름을 입력해 주세요.")),
                                                    Length(max=80)])


class CancelEventForm(FlaskForm):
    reason = TextAreaField(_l("취소 사유"), validators=[DataRequired(_l("취소 사유를 입력해 주세요. 신청자에게 안내됩니다.")),
                                                    Length(max=500)])
