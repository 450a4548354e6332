from django import forms


class CodeForm(forms.Form):
    """A code from the authenticator app (six digits) or, where allowed, a recovery code."""

    token = forms.CharField(
        label="动态口令",
        max_length=20,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, recovery: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["token"]
        if recovery:
            field.help_text = "身份验证器上显示的6位数字；手机不在身边时，输入一个恢复码。"
        else:
            field.help_text = "身份验证器上显示的6位数字。"
            field.widget.attrs["inputmode"] = "numeric"
