"""Passwords (issue 12, point 4): at least 10 characters of three of the four classes, not like
the username, not common; the messages in Chinese."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.test import TestCase

from disclosure.identity.passwords import character_classes


class PasswordRuleTests(TestCase):
    def refusals(self, password, username="gongkai"):
        try:
            validate_password(password, get_user_model()(username=username))
        except ValidationError as refused:
            return refused.messages
        return []

    def test_it_refuses_the_password_the_issue_names(self):
        self.assertEqual(
            self.refusals("wzjgsw2020", username="wzjgsw"),
            [
                "密码跟 用户名 太相似了。",
                "密码须包含大写字母、小写字母、数字、符号中的至少3类（现有2类）。",
            ],
        )

    def test_it_refuses_short_passwords_in_chinese(self):
        self.assertEqual(self.refusals("Ab1-Ab1-A"), ["密码太短，至少须有10个字符。"])

    def test_it_wants_three_of_four_classes(self):
        self.assertEqual(
            self.refusals("guangfu-xingzheng"),
            ["密码须包含大写字母、小写字母、数字、符号中的至少3类（现有2类）。"],
        )
        for password in ("Guangfu-Xingzheng", "guangfu-2020-xz", "GUANGFU2020xz", "政务公开Gk2020"):
            with self.subTest(password=password):
                self.assertEqual(self.refusals(password), [])

    def test_it_refuses_common_and_username_like_passwords(self):
        self.assertIn("这个密码太常见了。", self.refusals("Qwerty123456"))
        self.assertIn("密码跟 用户名 太相似了。", self.refusals("Zhangwei-2020", "zhangwei"))

    def test_it_counts_the_classes_of_any_character(self):
        self.assertEqual(character_classes("Aa1"), {"大写字母", "小写字母", "数字"})
        self.assertEqual(character_classes("公开 !"), {"符号"})

    def test_the_help_texts_are_chinese(self):
        texts = password_validators_help_texts()
        self.assertIn("密码至少须有10个字符。", texts)
        self.assertIn("密码须包含大写字母、小写字母、数字、符号中的至少3类。", texts)
        self.assertFalse([t for t in texts if t.isascii()])
