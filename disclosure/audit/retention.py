"""How long the access log is kept: 网络安全法第二十一条 — 网络日志留存不少于六个月."""

from __future__ import annotations

# Six calendar months at their longest (July–December, March–August): any shorter period
# could delete a row younger than six months.
MIN_RETENTION_DAYS = 184


class RetentionTooShort(ValueError):
    """A retention period under six months."""


def retention_check(days: int) -> None:
    """Raise ``RetentionTooShort`` (with the Chinese message) for a period under six months."""
    if days < MIN_RETENTION_DAYS:
        raise RetentionTooShort(
            f"访问日志的保留期限不得少于{MIN_RETENTION_DAYS}天（网络安全法第二十一条："
            f"网络日志留存不少于六个月），{days}天太短。"
        )
