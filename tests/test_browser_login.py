"""Logging in with two factors in a real browser (Chromium driven by Playwright) against a live
server: a manager sets up an authenticator from the QR page (the key typed in, the code computed
here as the app does), keeps the recovery codes, signs out, signs in again with a recovery code;
a clerk with an authenticator signs in with its code. No page breaks the Content-Security-Policy.
Screenshots go to tests/artifacts/ (git-ignored)."""

from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser import ARTIFACTS, BrowserTestCase
from tests.factories import (
    make_agency,
    make_clerk,
    make_manager,
    make_request,
    totp_code,
    totp_for_secret,
)

PASSWORD = "Wz-Browser-2020"


class TwoFactorLoginBrowserTests(BrowserTestCase):
    """One test, on a copy of the migrated database restored before and after (see
    tests/test_security_headers.py)."""

    def setUp(self):
        agency = make_agency("wzjgsw", "温州市机关事务管理局")
        make_request(agency, number="2020-0001", subject="测试申请")
        self.manager = make_manager("wangfang", agency)
        self.clerk = make_clerk("zhangwei", agency)
        for user in (self.manager, self.clerk):
            user.set_password(PASSWORD)
            user.save()
        self.clerk_device = TOTPDevice.objects.create(user=self.clerk, name="app", confirmed=True)
        self.violations: list[str] = []
        self.page = self.browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.set_default_timeout(15000)
        self.page.on("console", self._console)

    def tearDown(self):
        self.page.close()

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.violations.append(f"{self.page.url}: {message.text}")

    def shot(self, name):
        self.page.evaluate("1")  # the console events of the load have arrived
        self.page.screenshot(path=str(ARTIFACTS / f"login-{name}.png"), full_page=True)

    def password(self, username):
        page = self.page
        page.goto(self.live_server_url + "/admin/")
        page.wait_for_url("**/admin/login/?next=/admin/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()

    def sign_out(self):
        self.page.get_by_role("button", name="注销").click()
        self.page.wait_for_url("**/admin/logout/")

    def test_a_manager_enrols_and_signs_in_again_and_a_clerk_uses_the_code(self):
        page = self.page
        self.password("wangfang")
        page.wait_for_url("**/admin/otp/setup/?next=%2Fadmin%2F")
        self.assertTrue(page.locator("img.identity-qr").is_visible())
        self.shot("1-setup")
        secret = page.locator("#otp-secret").inner_text()
        page.get_by_label("动态口令").fill(totp_for_secret(secret))
        page.get_by_role("button", name="绑定").click()
        page.wait_for_url("**/admin/otp/?next=%2Fadmin%2F")
        codes = page.locator("#recovery-codes li").all_inner_texts()
        self.assertEqual(len(codes), 10)
        self.shot("2-recovery-codes")
        page.get_by_role("link", name="已保存，继续").click()
        page.wait_for_url("**/admin/")
        self.assertTrue(page.get_by_role("link", name="动态口令").is_visible())
        self.sign_out()

        # Again: the password, then the code page, where a recovery code stands in for the phone.
        self.password("wangfang")
        page.wait_for_url("**/admin/otp/verify/?next=%2Fadmin%2F")
        page.get_by_label("动态口令").fill("123456")
        page.get_by_role("button", name="验证").click()
        self.assertIn("动态口令不正确或已用过", page.locator(".errornote").inner_text())
        self.shot("3-wrong-code")
        page.get_by_label("动态口令").fill(codes[0])
        page.get_by_role("button", name="验证").click()
        page.wait_for_url("**/admin/")
        self.sign_out()

        self.password("zhangwei")
        page.wait_for_url("**/admin/otp/verify/?next=%2Fadmin%2F")
        self.shot("4-verify")
        page.get_by_label("动态口令").fill(totp_code(self.clerk_device))
        page.get_by_role("button", name="验证").click()
        page.wait_for_url("**/admin/")
        page.goto(self.live_server_url + reverse("admin:disclosure_disclosurerequest_changelist"))
        self.assertIn("2020-0001", page.locator("#result_list").inner_text())
        self.assertEqual(self.violations, [], "\n".join(self.violations))
