"""Check characters of the two identity numbers the form checks: the 居民身份证号码
(GB 11643, ISO 7064 MOD 11-2) and the 统一社会信用代码 (GB 32100, MOD 31). Pure functions."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError

_ID_CARD = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_ID_CHECK = "10X98765432"

# GB 32100: 31 characters (no I, O, Z, S, V), weights 3^i mod 31.
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC = re.compile(rf"^[{USCC_CHARS}]{{18}}$")
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def id_card_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_id_card(value: str) -> None:
    """18 characters, a real birth date, and the check character of ISO 7064 MOD 11-2."""
    value = value.strip().upper()
    if not _ID_CARD.match(value):
        raise ValidationError(
            "居民身份证号码应为18位：17位数字加1位数字或X。", code="id_card_format"
        )
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError("居民身份证号码中的出生日期无效。", code="id_card_birth") from None
    if id_card_check_char(value[:17]) != value[17]:
        raise ValidationError("居民身份证号码校验位不正确，请核对。", code="id_card_check")


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    """18 characters of the code's alphabet and the check character of GB 32100."""
    value = value.strip().upper()
    if not _USCC.match(value):
        raise ValidationError(
            "统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）。", code="uscc_format"
        )
    if uscc_check_char(value[:17]) != value[17]:
        raise ValidationError("统一社会信用代码校验位不正确，请核对。", code="uscc_check")
