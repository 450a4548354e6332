"""Sessions (issue 12, point 3): signed out after 30 idle minutes, ended with the browser, a new
key at login, and a password change signs out the user's other sessions."""

import datetime

import time_machine
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from disclosure.audit.models import AccessAction, AccessEvent
from tests.factories import log_in, make_agency, make_clerk

PASSWORD = "Wz-Session-2020"


class SessionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.clerk = make_clerk("zhangwei", make_agency())
        cls.clerk.set_password(PASSWORD)
        cls.clerk.save()

    def test_an_idle_session_expires(self):
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            log_in(self.client, self.clerk)
            self.assertEqual(self.client.get("/admin/").status_code, 200)
        with time_machine.travel(start + datetime.timedelta(minutes=29), tick=False):
            self.assertEqual(self.client.get("/admin/").status_code, 200)
        # 30 minutes and a second after the last request.
        with time_machine.travel(start + datetime.timedelta(minutes=59, seconds=1), tick=False):
            response = self.client.get("/admin/", follow=True)
            self.assertRedirects(response, f"{reverse('admin:login')}?next=/admin/")
            self.assertContains(response, "超过30分钟未操作，已自动退出登录")
            self.assertNotIn(SESSION_KEY, self.client.session)
        logout = AccessEvent.objects.get(action=AccessAction.LOGOUT)
        self.assertEqual(logout.username, "zhangwei")
        self.assertEqual(logout.detail, "空闲超过30分钟，自动退出")

    def test_work_keeps_the_session_alive(self):
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            log_in(self.client, self.clerk)
        for minutes in range(20, 300, 20):
            with time_machine.travel(start + datetime.timedelta(minutes=minutes), tick=False):
                self.assertEqual(self.client.get("/admin/").status_code, 200, minutes)

    @override_settings(SESSION_IDLE_MINUTES=5)
    def test_the_idle_limit_is_a_setting(self):
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            log_in(self.client, self.clerk)
            self.client.get("/admin/")
        with time_machine.travel(start + datetime.timedelta(minutes=6), tick=False):
            self.assertEqual(self.client.get("/admin/").status_code, 302)

    def test_the_stored_session_outlives_the_idle_limit_by_a_minute_at_most(self):
        """The session is saved about once a minute of work (not on every request); the row's
        expiry follows it, so an abandoned session is also gone from the database."""
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            log_in(self.client, self.clerk)
            self.client.get("/admin/")
        key = self.client.session.session_key
        expires = Session.objects.get(session_key=key).expire_date
        self.assertEqual(expires, start + datetime.timedelta(minutes=31))
        with time_machine.travel(start + datetime.timedelta(seconds=30), tick=False):
            self.client.get("/admin/")  # within the minute: not saved again
        self.assertEqual(Session.objects.get(session_key=key).expire_date, expires)
        with time_machine.travel(start + datetime.timedelta(minutes=10), tick=False):
            self.client.get("/admin/")
        self.assertEqual(
            Session.objects.get(session_key=key).expire_date,
            expires + datetime.timedelta(minutes=10),
        )

    def test_the_session_cookie_ends_with_the_browser(self):
        response = self.client.post(
            reverse("admin:login"), {"username": "zhangwei", "password": PASSWORD}
        )
        cookie = response.cookies["sessionid"]
        self.assertEqual((cookie["expires"], cookie["max-age"]), ("", ""))
        self.assertTrue(cookie["httponly"])

    def test_login_gives_a_new_session_key(self):
        session = self.client.session
        session["before"] = "login"
        session.save()
        before = session.session_key
        self.client.post(reverse("admin:login"), {"username": "zhangwei", "password": PASSWORD})
        self.assertIn(SESSION_KEY, self.client.session)
        self.assertNotEqual(self.client.session.session_key, before)
        self.assertFalse(Session.objects.filter(session_key=before).exists())

    def test_a_password_change_signs_out_the_other_sessions(self):
        office, home = self.client_class(), self.client_class()
        log_in(office, self.clerk)
        log_in(home, self.clerk)
        self.assertEqual(home.get("/admin/").status_code, 200)
        response = office.post(
            reverse("admin:password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "Xin-Mima-2024",
                "new_password2": "Xin-Mima-2024",
            },
        )
        self.assertRedirects(response, reverse("admin:password_change_done"))
        self.assertEqual(office.get("/admin/").status_code, 200)  # this session goes on
        response = home.get("/admin/")
        self.assertRedirects(response, f"{reverse('admin:login')}?next=/admin/")

    def test_a_weak_new_password_is_refused_with_the_rules(self):
        log_in(self.client, self.clerk)
        response = self.client.post(
            reverse("admin:password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "wzjgsw2020",
                "new_password2": "wzjgsw2020",
            },
        )
        self.assertContains(response, "密码须包含大写字母、小写字母、数字、符号中的至少3类")
        self.clerk.refresh_from_db()
        self.assertTrue(self.clerk.check_password(PASSWORD))
