"""Forms for accounts. Forms only validate input; services do the work."""
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, PasswordField, SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Optional

from app.auth.models import RESIDENCY_LABELS, SITE_ROLE_LABELS, Residency, SiteRole
from app.auth.services import MIN_PASSWORD_LENGTH

_required = _l("필수 입력 항목입니다.")
_email = _l("올바른 이메일 주소를 입력해 주세요.")
_short_password = _l("비밀번호는 10자 이상이어야 합니다.")


def residency_choices():
    return [("", _l("선택하세요"))] + [(r.value, RESIDENCY_LABELS[r]) for r in Residency]


def dong_choices():
    from app.district import dongs

    return [("", _l("선택하세요"))] + [(d, d) for d in dongs()]


class ProfileFields:
    """Fields shared by sign-up and the profile page."""

    @staticmethod
    def setup(form):
        form.residency.choices = residency_choices()
        form.dong.choices = dong_choices()


class SignUpForm(FlaskForm):
    email = EmailField(_l("이메일"), validators=[DataRequired(_required), Email(_email), Length(max=254)])
    display_name = StringField(_l("이름(활동명)"), validators=[DataRequired(_required), Length(min=2, max=40, message=_l("2자 이상 40자 이하로 입력해 주세요."))])
    password = PasswordField(_l("비밀번호"), validators=[DataRequired(_required), Length(min=MIN_PASSWORD_LENGTH, max=200, message=_short_password)])
    password_confirm = PasswordField(_l("비밀번호 확인"), validators=[DataRequired(_required), EqualTo("password", _l("비밀번호가 일치하지 않습니다."))])
    residency = SelectField(_l("구와의 관계"), validators=[DataRequired(_l("구와의 관계를 선택해 주세요."))])
    dong = SelectField(_l("행정동"), validators=[DataRequired(_l("행정동을 선택해 주세요."))])
    consent = BooleanField(_l("개인정보 수집·이용에 동의합니다(필수)"), validators=[DataRequired(_l("개인정보 수집·이용에 동의해야 가입할 수 있습니다."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ProfileFields.setup(self)


class LoginForm(FlaskForm):
    email = EmailField(_l("이메일"), validators=[DataRequired(_required), Email(_email)])
    password = PasswordField(_l("비밀번호"), validators=[DataRequired(_required)])
    remember = BooleanField(_l("로그인 상태 유지"))


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("이메일"), validators=[DataRequired(_required), Email(_email)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("새 비밀번호"), validators=[DataRequired(_required), Length(min=MIN_PASSWORD_LENGTH, max=200, message=_short_password)])
    password_confirm = PasswordField(_l("새 비밀번호 확인"), validators=[DataRequired(_required), EqualTo("password", _l("비밀번호가 일치하지 않습니다."))])


class ProfileForm(FlaskForm):
    display_name = StringField(_l("이름(활동명)"), validators=[DataRequired(_required), Length(min=2, max=40, message=_l("2자 이상 40자 이하로 입력해 주세요."))])
    residency = SelectField(_l("구와의 관계"), validators=[DataRequired(_l("구와의 관계를 선택해 주세요."))])
    dong = SelectField(_l("행정동"), validators=[DataRequired(_l("행정동을 선택해 주세요."))])
    birth_date = DateField(_l("생년월일(선택)"), validators=[Optional()],
                           description=_l("나이 제한이 있는 투표(예: 만 14세 이상)에 참여할 때만 씁니다. 비워 두어도 됩니다."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ProfileFields.setup(self)

    def validate_birth_date(self, field):
        from app.utils import today

        if field.data and not (date(1900, 1, 1) <= field.data <= today()):
            raise ValidationError(_l("생년월일을 올바르게 입력해 주세요."))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("현재 비밀번호"), validators=[DataRequired(_required)])
    password = PasswordField(_l("새 비밀번호"), validators=[DataRequired(_required), Length(min=MIN_PASSWORD_LENGTH, max=200, message=_short_password)])
    password_confirm = PasswordField(_l("새 비밀번호 확인"), validators=[DataRequired(_required), EqualTo("password", _l("비밀번호가 일치하지 않습니다."))])


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("비밀번호"), validators=[DataRequired(_required)])
    confirm = BooleanField(_l("탈퇴하면 개인정보가 삭제되고 되돌릴 수 없음을 이해했습니다."), validators=[DataRequired(_l("탈퇴 안내를 확인해 주세요."))])


class RoleForm(FlaskForm):
    role = SelectField(_l("사이트 역할"), choices=[(r.value, SITE_ROLE_LABELS[r]) for r in SiteRole], validators=[InputRequired()])


class TwoFactorCodeForm(FlaskForm):
    """The second step of signing in: the app's 6-digit code or a recovery code."""

    code = StringField(_l("인증 코드"), validators=[DataRequired(_required), Length(max=32)],
                       description=_l("인증 앱에 표시된 6자리 숫자, 또는 복구 코드 하나를 입력하세요."))


class TwoFactorEnrolForm(FlaskForm):
    code = StringField(_l("인증 코드"), validators=[DataRequired(_required), Length(max=32)],
                       render_kw={"inputmode": "numeric", "maxlength": 6},
                       description=_l("QR 코드를 찍은 뒤 앱에 표시된 6자리 숫자를 입력하세요."))


class TwoFactorDisableForm(FlaskForm):
    password = PasswordField(_l("현재 비밀번호"), validators=[DataRequired(_required)])
    code = StringField(_l("인증 코드"), validators=[DataRequired(_required), Length(max=32)],
                       description=_l("인증 앱의 6자리 숫자 또는 복구 코드"))
