"""Forms for bodies, memberships and applications."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.bodies.models import BODY_KIND_LABELS, MEMBER_ROLE_LABELS, BodyKind, MemberRole

_required = _l("필수 입력 항목입니다.")
_date = _l("날짜를 YYYY-MM-DD 형식으로 입력해 주세요.")


class BodyForm(FlaskForm):
    name = StringField(_l("기구 이름"), validators=[DataRequired(_required), Length(max=80)])
    kind = SelectField(_l("종류"), choices=[(k.value, BODY_KIND_LABELS[k]) for k in BodyKind],
                       validators=[InputRequired(_required)])
    parent_id = SelectField(_l("상위 기구"), coerce=int, validators=[Optional()])
    field = StringField(_l("분야(협치분과)"), validators=[Optional(), Length(max=40)])
    purpose = TextAreaField(_l("목적과 역할"), validators=[Optional(), Length(max=5000)])
    cadence = StringField(_l("회의 주기"), validators=[Optional(), Length(max=120)],
                          description=_l("예: 분기별 1회, 매월 둘째 주 목요일"))
    accepts_applications = BooleanField(_l("주민 참여 신청 받기(협치분과만)"))


class MembershipForm(FlaskForm):
    user_id = IntegerField(_l("회원 번호"), validators=[InputRequired(_l("회원 번호를 입력해 주세요."))],
                           description=_l("회원 관리 화면에서 번호를 확인할 수 있습니다."))
    role = SelectField(_l("역할"), choices=[(r.value, MEMBER_ROLE_LABELS[r]) for r in MemberRole],
                       validators=[InputRequired(_required)])
    start_date = DateField(_l("시작일"), validators=[InputRequired(_date)])
    end_date = DateField(_l("종료일"), validators=[Optional()], description=_l("비워 두면 기한 없음"))


class MembershipEditForm(FlaskForm):
    role = SelectField(_l("역할"), choices=[(r.value, MEMBER_ROLE_LABELS[r]) for r in MemberRole],
                       validators=[InputRequired(_required)])
    end_date = DateField(_l("종료일"), validators=[Optional()], description=_l("위원 활동을 끝내려면 종료일을 정하세요."))


class ApplicationForm(FlaskForm):
    statement = TextAreaField(_l("신청 동기와 활동 계획"), validators=[
        DataRequired(_l("신청 동기를 적어 주세요.")),
        Length(min=10, max=2000, message=_l("10자 이상 2,000자 이하로 적어 주세요.")),
    ])
    pretraining_confirmed = BooleanField(_l("협치 사전교육을 이수했습니다."), validators=[
        DataRequired(_l("협치 사전교육 이수를 확인해 주세요.")),
    ])


class DecisionForm(FlaskForm):
    decision = SelectField(_l("결정"), choices=[("approve", _l("승인")), ("decline", _l("반려"))],
                           validators=[InputRequired(_required)])
    reason = TextAreaField(_l("사유"), validators=[Optional(), Length(max=1000)],
                           description=_l("반려할 때는 사유를 꼭 적어 주세요. 신청자에게 전달됩니다."))
