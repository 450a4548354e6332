"""Failed logins (issue 12, point 1): five failures of a username, or from an address, lock its
logins for 30 minutes, right password or not, with the same Chinese page whether the username
exists or not; every event is in the audit log with time and address; a system administrator
unlocks."""

import datetime
import re

import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import SimpleTestCase, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from disclosure.audit.models import AccessAction, AccessEvent
from disclosure.identity.checks import check_identity_settings
from disclosure.identity.models import LoginAttempt
from disclosure.roles import SYSTEM
from tests.factories import log_in, make_agency, make_clerk, make_user

PASSWORD = "Wz-Lockout-2020"
ADDRESS = "203.0.113.9"
ERROR = re.compile(r'<p class="errornote">\s*(.*?)\s*</p>', re.S)


class LoginLockoutTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.clerk = make_clerk("zhangwei", make_agency())
        cls.clerk.set_password(PASSWORD)
        cls.clerk.save()

    def attempt(self, username, password, *, address=ADDRESS, client=None):
        return (client or self.client).post(
            reverse("admin:login"),
            {"username": username, "password": password, "next": "/admin/"},
            REMOTE_ADDR=address,
        )

    def signed_in(self, client=None) -> bool:
        return SESSION_KEY in (client or self.client).session

    def fail(self, times, username="zhangwei", **kwargs):
        return [self.attempt(username, f"wrong-{n}", **kwargs) for n in range(times)]

    def test_the_sixth_attempt_with_the_right_password_is_refused_until_the_lock_expires(self):
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            responses = self.fail(5)
            self.assertEqual([r.status_code for r in responses], [200, 200, 200, 200, 429])
            sixth = self.attempt("zhangwei", PASSWORD)
            self.assertEqual(sixth.status_code, 429)
            self.assertContains(sixth, "登录失败次数过多，已暂停登录30分钟", status_code=429)
            self.assertFalse(self.signed_in())
        # Each attempt while locked starts the 30 minutes again: 29 minutes on, still locked.
        with time_machine.travel(start + datetime.timedelta(minutes=29), tick=False):
            self.assertEqual(self.attempt("zhangwei", PASSWORD).status_code, 429)
            self.assertFalse(self.signed_in())
        with time_machine.travel(start + datetime.timedelta(minutes=29 + 31), tick=False):
            response = self.attempt("zhangwei", PASSWORD)
            self.assertRedirects(response, "/admin/", fetch_redirect_response=False)
            self.assertTrue(self.signed_in())

    def test_four_failures_do_not_lock(self):
        self.fail(4)
        self.assertRedirects(
            self.attempt("zhangwei", PASSWORD), "/admin/", fetch_redirect_response=False
        )

    def test_it_answers_the_same_for_a_username_that_does_not_exist(self):
        exists = self.fail(5, address="198.51.100.1")
        missing = self.fail(5, "nobody", address="198.51.100.2")
        for known, unknown in zip(exists, missing, strict=True):
            self.assertEqual(known.status_code, unknown.status_code)
            self.assertEqual(
                ERROR.findall(known.content.decode()), ERROR.findall(unknown.content.decode())
            )
        self.assertIn("请输入一个正确的", ERROR.findall(exists[0].content.decode())[0])
        self.assertEqual(exists[4].content, missing[4].content)  # the lockout page, word for word

    def test_it_locks_an_address_that_tries_many_usernames(self):
        for n in range(5):
            self.attempt(f"guess{n}", "123456")
        self.assertEqual(self.attempt("zhangwei", PASSWORD).status_code, 429)
        self.assertFalse(self.signed_in())
        other = self.client_class()
        response = self.attempt("zhangwei", PASSWORD, address="198.51.100.7", client=other)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(self.signed_in(other))

    def test_it_records_failures_the_lockout_and_logins_with_time_and_address(self):
        self.attempt("zhangwei", PASSWORD, address="198.51.100.4")
        self.client.logout()
        self.fail(5)
        rows = list(AccessEvent.objects.order_by("id").values_list("action", "username", "address"))
        self.assertEqual(
            rows,
            [
                (AccessAction.LOGIN, "zhangwei", "198.51.100.4"),
                (AccessAction.LOGOUT, "zhangwei", None),  # the test client's logout: no request
                *[(AccessAction.LOGIN_FAILED, "zhangwei", ADDRESS)] * 5,
                (AccessAction.LOGIN_LOCKED, "zhangwei", ADDRESS),
            ],
        )
        locked = AccessEvent.objects.get(action=AccessAction.LOGIN_LOCKED)
        self.assertEqual(locked.detail, "连续5次登录失败，锁定30分钟")
        self.assertLess(timezone.now() - locked.at, datetime.timedelta(minutes=1))
        self.assertEqual(AccessEvent.objects.get(action=AccessAction.LOGIN).user_id, self.clerk.pk)
        # The password typed is never kept, in the audit log or in django-axes' table.
        self.assertFalse(LoginAttempt.objects.filter(post_data__contains="wrong-").exists())
        self.assertFalse(AccessEvent.objects.filter(detail__contains="wrong-").exists())


class UnlockTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.system = make_user("sysadmin", role=SYSTEM)
        cls.clerk = make_clerk("zhangwei", make_agency())
        cls.clerk.set_password(PASSWORD)
        cls.clerk.save()

    def setUp(self):
        visitor = self.client_class()
        for n in range(5):
            visitor.post(
                reverse("admin:login"),
                {"username": "zhangwei", "password": f"wrong-{n}"},
                REMOTE_ADDR=ADDRESS,
            )

    def login_works(self) -> bool:
        client = self.client_class()
        client.post(
            reverse("admin:login"),
            {"username": "zhangwei", "password": PASSWORD},
            REMOTE_ADDR=ADDRESS,
        )
        return SESSION_KEY in client.session

    def test_a_system_administrator_sees_the_lock_and_unlocks_it(self):
        self.assertFalse(self.login_works())
        log_in(self.client, self.system)
        changelist = reverse("admin:identity_loginattempt_changelist")
        response = self.client.get(changelist)
        self.assertContains(response, "zhangwei")
        self.assertContains(response, "已锁定，至")
        attempt = LoginAttempt.objects.get()
        response = self.client.post(
            changelist, {"action": "unlock", "_selected_action": [attempt.pk]}, follow=True
        )
        self.assertContains(response, "已解除2个用户名或地址的登录锁定。")
        self.assertFalse(LoginAttempt.objects.exists())
        self.assertTrue(self.login_works())
        unlocked = AccessEvent.objects.filter(action=AccessAction.LOGIN_UNLOCKED)
        self.assertEqual(
            sorted(unlocked.values_list("username", "detail")),
            [("sysadmin", "地址 203.0.113.9"), ("sysadmin", "用户名 zhangwei")],
        )

    def test_the_system_administrator_reads_logins_in_the_audit_log(self):
        log_in(self.client, self.system)
        response = self.client.get(
            reverse("admin:audit_accessevent_changelist"), {"action": "login_locked"}
        )
        self.assertContains(response, "zhangwei")

    def test_a_clerk_neither_sees_nor_unlocks(self):
        log_in(self.client, make_clerk("lisi", make_agency()))
        changelist = reverse("admin:identity_loginattempt_changelist")
        self.assertEqual(self.client.get(changelist).status_code, 404)
        attempt = LoginAttempt.objects.get()
        self.client.post(changelist, {"action": "unlock", "_selected_action": [attempt.pk]})
        self.assertTrue(LoginAttempt.objects.exists())
        self.assertFalse(self.login_works())


class SettingsCheckTests(SimpleTestCase):
    def test_it_stops_at_a_limit_or_period_that_is_not_positive(self):
        self.assertEqual(check_identity_settings(), [])
        with override_settings(LOGIN_FAILURE_LIMIT=0, SESSION_IDLE_MINUTES=-1):
            errors = check_identity_settings()
        self.assertEqual([e.id for e in errors], ["identity.E001", "identity.E003"])
        self.assertIn("LOGIN_FAILURE_LIMIT（登录失败几次后锁定）须为正整数", errors[0].msg)
