"""The public's forms: the application (条例第二十九条) and the status look-up. The fields'
rules are the model's (``OnlineApplication.clean`` and its constraints, through the ModelForm);
the form adds the captcha, the honeypot and the organisation-type choice."""

from __future__ import annotations

from django import forms
from django.forms.widgets import Input

from disclosure.records.choices import ApplicantType

from . import captcha
from .models import ApplicantKind, OnlineApplication

ORG_TYPES = [(value, label) for value, label in ApplicantType.choices if value != "natural_person"]
HONEYPOT = "website"


def _bootstrap(form: forms.Form) -> None:
    """Bootstrap's classes on the widgets (the template draws radios and checkboxes itself)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.Select) and not isinstance(widget, forms.RadioSelect):
            widget.attrs.setdefault("class", "form-select")
        elif isinstance(widget, (Input, forms.Textarea)) and not isinstance(
            widget, (forms.CheckboxInput, forms.RadioSelect)
        ):
            widget.attrs.setdefault("class", "form-control")


class MarksInvalid:
    """A field with an error gets ``is-invalid`` and ``aria-invalid``, and points at its message
    (``aria-describedby``, the ``…-errors`` element of templates/online/_field.html)."""

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = (attrs.get("class", "") + " is-invalid").strip()
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"id_{name}-errors"


class FreshInput(forms.TextInput):
    """Never shows what was typed: after a failed post the captcha is a new sum."""

    def format_value(self, value):
        return None


class ApplyForm(MarksInvalid, forms.ModelForm):
    org_type = forms.ChoiceField(
        label="组织类型", choices=[("", "请选择")] + ORG_TYPES, required=False
    )
    consent = forms.BooleanField(
        label="我已阅读并同意：本机关仅为办理本申请使用上述个人信息，依法保密，不在网站公开。",
        required=True,
        error_messages={"required": "须同意个人信息使用说明才能提交申请。"},
    )
    captcha_answer = forms.CharField(
        label="验证码：请输入图中算式的结果",
        max_length=4,
        error_messages={"required": "请输入验证码。"},
        widget=FreshInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    # Hidden from people by CSS (.online-hp) and from screen readers; a bot fills it in.
    website = forms.CharField(label="网址（请勿填写）", required=False, max_length=100)

    class Meta:
        model = OnlineApplication
        fields = [
            "applicant_kind",
            "name",
            "contact_person",
            "id_type",
            "id_number",
            "phone",
            "email",
            "address",
            "info_title",
            "info_document_number",
            "description",
            "form_wanted",
            "delivery",
            "consent",
        ]
        labels = {"name": "姓名（组织填写名称）", "applicant_kind": "申请人类型"}
        widgets = {
            "applicant_kind": forms.RadioSelect,
            "form_wanted": forms.RadioSelect,
            "delivery": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, session=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        for name in ("applicant_kind", "form_wanted", "delivery", "id_type"):
            field = self.fields[name]
            field.choices = [c for c in field.choices if c[0] != ""]
        self.fields["id_number"].max_length = 40
        self.fields["phone"].max_length = 40
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="tel")
        self.fields["email"].widget.attrs.update(autocomplete="email")
        self.fields["address"].widget.attrs.update(autocomplete="street-address")
        _bootstrap(self)

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError("提交失败。")
        return ""

    def clean_captcha_answer(self):
        if not captcha.check(self.session, self.cleaned_data["captcha_answer"]):
            raise forms.ValidationError("验证码不正确或已过期，请按新的图片重新输入。")
        return ""

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("applicant_kind")
        if kind == ApplicantKind.ORGANISATION:
            if not cleaned.get("org_type"):
                self.add_error("org_type", "请选择组织类型。")
            self.instance.applicant_type = cleaned.get("org_type") or ""
        elif kind == ApplicantKind.CITIZEN:
            self.instance.applicant_type = "natural_person"
        return cleaned

    def _post_clean(self):
        # The model's checks (ID check characters, the constraints) only once the captcha and
        # honeypot passed: a bot learns nothing from them.
        if "captcha_answer" in self._errors or HONEYPOT in self._errors:
            return
        super()._post_clean()


class StatusForm(MarksInvalid, forms.Form):
    number = forms.CharField(label="申请号", max_length=20)
    password = forms.CharField(label="查询密码", max_length=20, widget=forms.PasswordInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)
