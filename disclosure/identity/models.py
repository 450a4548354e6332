"""Chinese names and the permissions of two third-party tables, as proxy models (no table of
their own): django-axes' failed-login counts, which a system administrator may look at and
clear (unlock), and django-otp's TOTP devices, which a superuser may delete (reset)."""

from axes.models import AccessAttempt
from django_otp.plugins.otp_totp.models import TOTPDevice


class LoginAttempt(AccessAttempt):
    """The failed logins of one username from one address and browser (django-axes counts them
    per username and per address; ``settings.AXES_*``). A row older than the lockout period no
    longer counts; deleting the rows unlocks."""

    class Meta:
        proxy = True
        verbose_name = "登录失败记录"
        verbose_name_plural = "登录失败与锁定"
        default_permissions = ("view",)
        permissions = [("unlock_loginattempt", "可以解除登录锁定")]


class Authenticator(TOTPDevice):
    """A user's authenticator app (TOTP). Deleting it resets the user's second factor: their
    recovery codes go with it and the next login asks them to enrol again."""

    class Meta:
        proxy = True
        verbose_name = "动态口令设备"
        verbose_name_plural = "动态口令设备"
        default_permissions = ("view", "delete")
