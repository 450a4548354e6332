"""The password rules Django does not ship: characters of at least three of four classes, and
the minimum length with a Chinese message. Similarity to the username and common passwords
are Django's own validators (``AUTH_PASSWORD_VALIDATORS`` in settings.py)."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

CLASSES = {
    "大写字母": str.isupper,
    "小写字母": str.islower,
    "数字": str.isdigit,
    # Anything else: punctuation, spaces, and CJK or other letters without case.
    "符号": lambda c: not (c.isupper() or c.islower() or c.isdigit()),
}


def character_classes(password: str) -> set[str]:
    """The classes (大写字母, 小写字母, 数字, 符号) the password has characters of."""
    return {name for name, test in CLASSES.items() if any(test(c) for c in password)}


class CharacterClassesValidator:
    """At least ``min_classes`` (default 3) of upper-case letters, lower-case letters, digits and
    other characters (symbols)."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        found = character_classes(password)
        if len(found) < self.min_classes:
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、符号中的至少{self.min_classes}类"
                f"（现有{len(found)}类）。",
                code="password_too_simple",
            )

    def get_help_text(self):
        return f"密码须包含大写字母、小写字母、数字、符号中的至少{self.min_classes}类。"


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with its messages in Chinese (Django 5.2's Chinese catalog lacks the new
    wording of the error)."""

    def __init__(self, min_length: int = 10):
        super().__init__(min_length)

    def get_error_message(self):
        return f"密码太短，至少须有{self.min_length}个字符。"

    def get_help_text(self):
        return f"密码至少须有{self.min_length}个字符。"
