"""System checks of the login settings: a value that would lock everyone out, or never, stops
``manage.py check`` (and so the server), not the first login."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

POSITIVE = {
    "LOGIN_FAILURE_LIMIT": "登录失败几次后锁定",
    "LOGIN_LOCKOUT_MINUTES": "锁定多少分钟",
    "SESSION_IDLE_MINUTES": "空闲多少分钟后退出登录",
}


def check_identity_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return [
        checks.Error(
            f"{name}（{meaning}）须为正整数，现为 {getattr(settings, name)!r}。",
            id=f"identity.E00{n}",
        )
        for n, (name, meaning) in enumerate(POSITIVE.items(), start=1)
        if getattr(settings, name) < 1
    ]
