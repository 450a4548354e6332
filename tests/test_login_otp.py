"""The second factor (issue 12, point 2): a TOTP authenticator set up by a QR code drawn here,
one-time recovery codes, required for superusers, managers and system administrators (clerks
by a setting). Nothing of the admin opens before it. The codes are computed in the test from
the key, as an authenticator app does."""

import base64
import re
import time
from urllib.parse import unquote, urlencode

import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import TestCase, override_settings
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from disclosure.audit.models import AccessAction, AccessEvent
from disclosure.roles import SYSTEM
from tests.factories import (
    log_in,
    make_agency,
    make_attachment,
    make_clerk,
    make_disclosure,
    make_manager,
    make_request,
    make_user,
    totp_code,
    totp_for_secret,
)

PASSWORD = "Wz-Second-2020"
SETUP = reverse("identity:otp_setup")
VERIFY = reverse("identity:otp_verify")
MANAGE = reverse("identity:otp_manage")
SVG_NAMESPACE = "http://www.w3.org/2000/svg"


def admin_paths():
    """A path of every named admin URL (any id: the gate answers before the view looks)."""
    admin = next(p for p in get_resolver().url_patterns if getattr(p, "namespace", "") == "admin")

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield pattern.name

    for name in walk(admin.url_patterns):
        for args in ([], [1], [1, 1], ["disclosure"]):
            try:
                yield name, reverse(f"admin:{name}", args=args)
                break
            except NoReverseMatch:
                continue
        else:
            raise AssertionError(f"admin:{name}: no arguments fit")


class SecondFactorTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        cls.manager = make_manager("wangfang", cls.agency)
        cls.clerk = make_clerk("zhangwei", cls.agency)
        cls.system = make_user("sysadmin", role=SYSTEM)
        cls.superuser = make_user("root", superuser=True)
        for user in (cls.manager, cls.clerk, cls.system, cls.superuser):
            user.set_password(PASSWORD)
            user.save()

    def password(self, user, client=None, next_url="/admin/"):
        return (client or self.client).post(
            reverse("admin:login"),
            {"username": user.username, "password": PASSWORD, "next": next_url},
        )

    def enrol(self, client=None):
        """Set up an authenticator on the enrolment page as a person does: type in the key shown
        (not read from the database) and the code the app computes from it. The codes shown."""
        client = client or self.client
        page = client.get(SETUP).content.decode()
        secret = re.search(r'id="otp-secret">([A-Z2-7 ]+)<', page).group(1)
        response = client.post(SETUP, {"token": totp_for_secret(secret), "next": "/admin/"})
        self.assertRedirects(response, f"{MANAGE}?next=%2Fadmin%2F", fetch_redirect_response=False)
        shown = client.get(response["Location"]).content.decode()
        return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", shown)

    def test_a_manager_without_an_authenticator_reaches_no_admin_page(self):
        response = self.password(self.manager)
        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)
        self.assertIn(SESSION_KEY, self.client.session)  # the password was right
        media = make_attachment(make_disclosure(self.agency)).file.name
        paths = list(admin_paths())
        self.assertGreater(len(paths), 80)
        for name, path in paths:
            if name == "logout":
                continue  # logging out stays open (and would end this test's session)
            for method in ("get", "post"):
                with self.subTest(name=name, method=method):
                    response = getattr(self.client, method)(path)
                    self.assertEqual(response.status_code, 302)
                    self.assertEqual(response["Location"], f"{SETUP}?{urlencode({'next': path})}")
        # A staff download: the user is a visitor until the second factor, sent to log in.
        response = self.client.get(reverse("staff_media", args=[media]))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("admin:login")))

    def test_a_manager_enrols_with_the_qr_code_and_then_works(self):
        self.password(self.manager)
        page = self.client.get(SETUP)
        self.assertEqual(
            page["Cache-Control"], "max-age=0, no-cache, no-store, must-revalidate, private"
        )
        # The QR code is drawn here: an SVG data: URI, no address of a QR service.
        qr = re.search(r'<img class="identity-qr" src="([^"]+)"', page.content.decode()).group(1)
        self.assertTrue(qr.startswith("data:image/svg+xml"))
        self.assertEqual(re.findall(r"https?://[^'\"]+", unquote(qr)), [SVG_NAMESPACE])
        device = TOTPDevice.objects.get(user=self.manager)
        self.assertFalse(device.confirmed)
        secret = base64.b32encode(device.bin_key).decode().rstrip("=")
        self.assertContains(page, " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)))
        codes = self.enrol()
        self.assertEqual(len(set(codes)), 10)
        device.refresh_from_db()
        self.assertTrue(device.confirmed)
        # The codes are shown once.
        self.assertNotContains(self.client.get(MANAGE), codes[0])
        self.assertEqual(self.client.get("/admin/").status_code, 200)
        self.assertEqual(
            AccessEvent.objects.filter(action=AccessAction.OTP_ENROLLED, user=self.manager).count(),
            1,
        )

    def test_a_wrong_code_does_not_enrol(self):
        self.password(self.manager)
        self.client.get(SETUP)
        device = TOTPDevice.objects.get()
        wrong = f"{(int(totp_code(device)) + 1) % 1000000:06d}"
        response = self.client.post(SETUP, {"token": wrong})
        self.assertContains(response, "动态口令不正确或已用过")
        device.refresh_from_db()
        self.assertFalse(device.confirmed)
        self.assertEqual(self.client.get("/admin/").status_code, 302)

    def test_a_user_with_an_authenticator_is_asked_for_the_code_after_the_password(self):
        device = TOTPDevice.objects.create(user=self.manager, name="app", confirmed=True)
        response = self.password(self.manager, next_url="/admin/disclosure/")
        self.assertRedirects(response, "/admin/disclosure/", fetch_redirect_response=False)
        gate = self.client.get("/admin/disclosure/")
        self.assertRedirects(
            gate, f"{VERIFY}?next=%2Fadmin%2Fdisclosure%2F", fetch_redirect_response=False
        )
        # Enrolling another authenticator instead is refused: the code first.
        self.assertRedirects(
            self.client.get(SETUP), f"{VERIFY}?next=%2Fadmin%2F", fetch_redirect_response=False
        )
        before = self.client.session.session_key
        response = self.client.post(VERIFY, {"token": "000000", "next": "/admin/disclosure/"})
        self.assertContains(response, "动态口令不正确或已用过")
        self.assertEqual(self.client.get("/admin/").status_code, 302)
        # django-otp makes a device wait a second after a wrong code.
        with time_machine.travel(time.time() + 2):
            response = self.client.post(
                VERIFY, {"token": totp_code(device), "next": "/admin/disclosure/"}
            )
        self.assertRedirects(response, "/admin/disclosure/", fetch_redirect_response=False)
        self.assertNotEqual(self.client.session.session_key, before)  # a new key at each step
        self.assertEqual(self.client.get("/admin/disclosure/").status_code, 200)
        verified = AccessEvent.objects.get(action=AccessAction.OTP_VERIFIED)
        self.assertEqual((verified.user_id, verified.detail), (self.manager.pk, "动态口令"))

    def test_a_code_works_once(self):
        device = TOTPDevice.objects.create(user=self.manager, name="app", confirmed=True)
        code = totp_code(device)
        self.password(self.manager)
        self.assertEqual(self.client.post(VERIFY, {"token": code}).status_code, 302)
        other = self.client_class()
        self.password(self.manager, client=other)
        self.assertContains(other.post(VERIFY, {"token": code}), "动态口令不正确或已用过")
        # The next time step's code (30 seconds later) works.
        with time_machine.travel(time.time() + 31):
            self.assertEqual(other.post(VERIFY, {"token": totp_code(device)}).status_code, 302)

    def test_a_recovery_code_works_once_instead_of_the_phone(self):
        self.password(self.manager)
        codes = self.enrol()
        self.client.logout()
        self.password(self.manager)
        self.assertEqual(self.client.post(VERIFY, {"token": codes[0].upper()}).status_code, 302)
        self.assertEqual(self.client.get("/admin/").status_code, 200)
        event = AccessEvent.objects.filter(action=AccessAction.OTP_VERIFIED).get()
        self.assertEqual(event.detail, "使用恢复码（剩余9个）")
        self.client.logout()
        self.password(self.manager)
        self.assertContains(self.client.post(VERIFY, {"token": codes[0]}), "未用过的恢复码")

    def test_wrong_codes_count_as_failed_logins_and_lock(self):
        TOTPDevice.objects.create(user=self.manager, name="app", confirmed=True)
        self.password(self.manager)
        statuses = [self.client.post(VERIFY, {"token": f"{n:06d}"}).status_code for n in range(5)]
        self.assertEqual(statuses, [200, 200, 200, 200, 429])
        self.assertNotIn(SESSION_KEY, self.client.session)  # signed out
        self.assertEqual(self.password(self.manager).status_code, 429)
        failed = AccessEvent.objects.filter(action=AccessAction.LOGIN_FAILED).order_by("id")
        self.assertEqual(
            list(failed.values_list("detail", flat=True)),
            ["动态口令错误"] * 5 + ["锁定期间再次尝试（用户名或密码错误）"],
        )
        self.assertTrue(AccessEvent.objects.filter(action=AccessAction.LOGIN_LOCKED).exists())

    def test_superusers_and_system_administrators_need_it_clerks_by_a_setting(self):
        for user in (self.superuser, self.system):
            with self.subTest(user=user.username):
                client = self.client_class()
                self.password(user, client=client)
                self.assertRedirects(
                    client.get("/admin/"),
                    f"{SETUP}?next=%2Fadmin%2F",
                    fetch_redirect_response=False,
                )
        self.password(self.clerk)
        self.assertEqual(self.client.get("/admin/").status_code, 200)
        with override_settings(OTP_REQUIRED_FOR_CLERKS=True):
            self.assertRedirects(
                self.client.get("/admin/"),
                f"{SETUP}?next=%2Fadmin%2F",
                fetch_redirect_response=False,
            )

    def test_a_clerk_with_both_factors_imports_exports_and_reads_reports_as_before(self):
        make_request(self.agency, number="2020-0001", subject="测试申请")
        self.password(self.clerk)
        self.enrol()
        self.client.logout()
        self.password(self.clerk)
        self.assertEqual(self.client.get("/admin/").status_code, 302)  # asked for the code now
        device = TOTPDevice.objects.get(user=self.clerk)
        with time_machine.travel(time.time() + 31):
            self.client.post(VERIFY, {"token": totp_code(device)})
        pages = [
            "admin:disclosure_disclosurerequest_changelist",
            "admin:disclosure_disclosurerequest_import",
            "admin:disclosure_disclosurerequest_export",
            "admin:disclosure_disclosurerequest_dashboard",
            "admin:reports_report_changelist",
        ]
        for name in pages:
            with self.subTest(name=name):
                self.assertEqual(self.client.get(reverse(name)).status_code, 200)
        self.assertContains(
            self.client.get(reverse("admin:disclosure_disclosurerequest_changelist")), "2020-0001"
        )

    def test_it_goes_nowhere_outside_the_site_after_the_code(self):
        device = TOTPDevice.objects.create(user=self.manager, name="app", confirmed=True)
        self.password(self.manager)
        response = self.client.post(
            VERIFY, {"token": totp_code(device), "next": "https://evil.example/admin/"}
        )
        self.assertRedirects(response, "/admin/", fetch_redirect_response=False)

    def test_new_recovery_codes_replace_the_old_ones(self):
        self.password(self.manager)
        old = self.enrol()
        response = self.client.post(MANAGE, {"next": "/admin/"}, follow=True)
        new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
        self.assertEqual(len(new), 10)
        self.assertFalse(set(old) & set(new))
        self.assertEqual(set(StaticToken.objects.values_list("token", flat=True)), set(new))
        self.assertTrue(AccessEvent.objects.filter(action=AccessAction.RECOVERY_CODES).exists())

    def test_a_superuser_resets_a_lost_authenticator(self):
        manager = self.client_class()
        log_in(manager, self.manager)  # signed in with both factors
        StaticDevice.objects.create(user=self.manager, name="恢复码", confirmed=True)
        self.assertEqual(manager.get("/admin/").status_code, 200)
        log_in(self.client, self.superuser)
        changelist = reverse("admin:identity_authenticator_changelist")
        self.assertContains(self.client.get(changelist), "wangfang")
        device = TOTPDevice.objects.get(user=self.manager)
        self.assertNotContains(self.client.get(changelist), device.key)
        self.client.post(changelist, {"action": "reset", "_selected_action": [device.pk]})
        self.assertFalse(TOTPDevice.objects.filter(user=self.manager).exists())
        self.assertFalse(StaticDevice.objects.filter(user=self.manager).exists())
        # The manager's session lost its second factor: enrol again.
        self.assertRedirects(
            manager.get("/admin/"), f"{SETUP}?next=%2Fadmin%2F", fetch_redirect_response=False
        )
        reset = AccessEvent.objects.get(action=AccessAction.OTP_RESET)
        self.assertEqual((reset.user_id, reset.object_id), (self.superuser.pk, self.manager.pk))

    def test_only_a_superuser_sees_the_authenticators(self):
        log_in(self.client, self.system)
        changelist = reverse("admin:identity_authenticator_changelist")
        self.assertEqual(self.client.get(changelist).status_code, 404)
