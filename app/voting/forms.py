"""Forms for setting up rounds. Ballots are read by the vote methods themselves."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.voting.eligibility import ELIGIBILITY
from app.voting.methods import METHODS
from app.voting.rules import RULES

_required = _l("필수 입력 항목입니다.")
_whole = _l("0 이상의 정수를 입력해 주세요.")

RULE_LABELS = {"greedy": _l("다득표순(greedy)"), "mes": _l("균등 배분 방식(MES)"),
               "mes-greedy": _l("균등 배분 후 다득표순 보충(MES+greedy)")}


class RoundForm(FlaskForm):
    title = StringField(_l("제목"), validators=[DataRequired(_required), Length(max=200)])
    description = TextAreaField(_l("설명"), validators=[Optional(), Length(max=5000)])
    method = SelectField(_l("투표 방식"), choices=[(k, m.label) for k, m in METHODS.items()],
                         validators=[InputRequired(_required)])
    eligibility = SelectField(_l("투표 자격"), choices=[(k, e.label) for k, e in ELIGIBILITY.items()],
                              validators=[InputRequired(_required)])
    body_id = SelectField(_l("기구"), coerce=int, validators=[Optional()])
    cycle_id = SelectField(_l("수립 주기"), coerce=int, validators=[Optional()],
                           description=_l("이 투표로 고른 사업이 들어갈 지역사회혁신계획의 해. 행사를 고르면 그 행사의 주기를 따릅니다."))
    event_id = SelectField(_l("행사"), coerce=int, validators=[Optional()],
                           description=_l("타운홀미팅 등 행사에서 하는 투표. '행사 참석자' 자격에 필요합니다."))
    min_age = IntegerField(_l("최소 나이(만)"), validators=[Optional(), NumberRange(min=0, max=120, message=_l("0세부터 120세 사이로 적어 주세요."))],
                           description=_l("구민 투표에서만: 투표 시작일 기준 만 나이. 참여자는 회원 정보에 생년월일을 입력해야 합니다."))
    budget = IntegerField(_l("예산(원)"), validators=[Optional(), NumberRange(min=0, message=_whole)],
                          description=_l("예산 내 사업 선택 투표에만 씁니다."))
    min_picks = IntegerField(_l("최소 선택 수"), validators=[Optional(), NumberRange(min=0, message=_whole)])
    max_picks = IntegerField(_l("최대 선택 수"), validators=[Optional(), NumberRange(min=0, message=_whole)])
    seats = IntegerField(_l("선정 수"), validators=[Optional(), NumberRange(min=0, message=_whole)],
                         description=_l("찬성·심사·순위 투표에서 몇 개를 선정하는지"))
    tally_rule = SelectField(_l("집계 규칙"), choices=[(k, RULE_LABELS[k]) for k in RULES])
    allow_revote = BooleanField(_l("마감 전 다시 투표 허용(영수증 번호 필요)"))
    live_results = BooleanField(_l("투표 중 결과를 전광판에 실시간 표시"))


class OptionForm(FlaskForm):
    title = StringField(_l("사업명"), validators=[DataRequired(_required), Length(max=200)])
    description = TextAreaField(_l("사업 내용"), validators=[Optional(), Length(max=5000)])
    cost = IntegerField(_l("사업비(원)"), default=0,
                        validators=[InputRequired(_l("사업비를 원 단위 정수로 적어 주세요.")),
                                    NumberRange(min=0, message=_whole)])
    agenda_item_id = IntegerField(_l("의제 번호"), validators=[Optional()],
                                  description=_l("이 사업이 나온 의제. 결과를 공개하면 선정된 의제가 다음 단계로 올라갑니다."))
    proposer_id = IntegerField(_l("제안자 회원 번호"), validators=[Optional()],
                               description=_l("제안자는 심사 투표에서 이 사업의 채점을 자동으로 회피합니다."))


class CriterionForm(FlaskForm):
    name = StringField(_l("심사 기준"), validators=[DataRequired(_required), Length(max=100)])
    weight = IntegerField(_l("가중치"), default=1, validators=[InputRequired(_required), NumberRange(min=1, max=100)])


class RecusalForm(FlaskForm):
    option_id = SelectField(_l("사업"), coerce=int, validators=[InputRequired(_required)])
    user_id = IntegerField(_l("회피할 위원의 회원 번호"), validators=[InputRequired(_required)])
    reason = StringField(_l("사유"), validators=[Optional(), Length(max=200)])


class ScheduleForm(FlaskForm):
    opens_at = DateTimeLocalField(_l("시작 (한국 시간)"), format="%Y-%m-%dT%H:%M",
                                  validators=[InputRequired(_l("시작 시각을 입력해 주세요."))])
    closes_at = DateTimeLocalField(_l("마감 (한국 시간)"), format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired(_l("마감 시각을 입력해 주세요."))])


class PaperForm(FlaskForm):
    ballot_number = StringField(_l("투표용지 번호"), validators=[DataRequired(_required), Length(max=32)])


class PaperVoterForm(FlaskForm):
    voter_user_id = IntegerField(_l("투표자 회원 번호"), validators=[InputRequired(_required)],
                                 description=_l("종이 투표용지를 받은 가입자의 회원 번호입니다. 적으면 그 회원은 온라인으로 투표할 수 "
                                                "없습니다. 투표지 내용과는 따로 기록됩니다."))


class ReceiptForm(FlaskForm):
    code = StringField(_l("영수증 번호"), validators=[DataRequired(_required), Length(max=40)],
                       description=_l("예: ABCD-EFGH-JKLM-NPQR"))
