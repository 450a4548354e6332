"""The online application in a real browser (Debian's Chromium driven by Playwright) on a
phone-sized window: a citizen applies, gets the number and password, the clerk confirms it, the
citizen sees 已受理 with the due date, the clerk answers and issues the letter, the citizen
downloads it. No CSP violation on the way; screenshots go to tests/artifacts/ (online-*.png)."""

import datetime
from importlib import import_module
from unittest import mock

from django.conf import settings
from django.urls import reverse

from disclosure.letters import services as letter_services
from disclosure.online.captcha import SESSION_KEY
from disclosure.online.models import OnlineApplication
from disclosure.online.services import application_confirm
from disclosure.records.services import request_decide
from tests.browser import ARTIFACTS, BrowserTestCase
from tests.factories import make_agency, make_clerk
from tests.online_helpers import APPLICANT_NAME, VALID_ID_CARD

PHONE = {"width": 390, "height": 844}


class OnlineBrowserTests(BrowserTestCase):
    """One test, as in tests/test_browser_public.py (the migrated data is gone after a flush)."""

    def setUp(self):
        self.agency = make_agency("wzj", "温州市交通局")
        self.violations = []
        self.context = self.browser.new_context(viewport=PHONE, accept_downloads=True)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.page.on(
            "console",
            lambda m: "Content Security Policy" in m.text and self.violations.append(m.text),
        )

    def tearDown(self):
        self.context.close()

    def captcha_answer(self) -> str:
        """What a person reads off the image: the sum kept in the browser's session."""
        cookie = next(
            c for c in self.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME
        )
        store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie["value"])
        return store[SESSION_KEY]["answer"]

    def test_a_citizen_applies_and_follows_the_application_on_a_phone(self):
        page = self.page
        page.goto(self.live_server_url + reverse("disclosure:agency_home", args=["wzj"]))
        page.get_by_role("link", name="在线申请").click()
        page.get_by_label("公民").check()
        page.get_by_label("姓名（组织填写名称）").fill(APPLICANT_NAME)
        page.get_by_label("证件类型").select_option("id_card")
        page.get_by_label("证件号码").fill("110105194912310021")  # a wrong check digit first
        page.get_by_label("联系电话").fill("13912345678")
        page.get_by_label("通信地址").fill("浙江省温州市鹿城区某某路18号")
        page.get_by_label("所需信息的内容描述").fill("请提供2023年度本区城市道路维修计划。")
        page.get_by_label("电子文档").check()
        page.get_by_label("自行领取").check()
        page.get_by_label("我已阅读并同意").check()
        page.get_by_label("验证码").fill(self.captcha_answer())
        page.get_by_role("button", name="提交申请").click()
        page.get_by_text("居民身份证号码校验位不正确").wait_for()
        page.screenshot(path=str(ARTIFACTS / "online-form-error.png"), full_page=True)
        self.assertFalse(OnlineApplication.objects.exists())

        page.get_by_label("证件号码").fill(VALID_ID_CARD)
        page.get_by_label("我已阅读并同意").check()
        page.get_by_label("验证码").fill(self.captcha_answer())
        page.get_by_role("button", name="提交申请").click()
        page.get_by_text("政府信息公开网上申请回执").wait_for()
        page.screenshot(path=str(ARTIFACTS / "online-receipt.png"), full_page=True)
        number, password = [c.inner_text() for c in page.locator("dd.online-code").all()]
        application = OnlineApplication.objects.get()
        self.assertEqual(application.number, number)

        clerk = make_clerk("clerk-wzj", self.agency)
        request = application_confirm(application=application, user=clerk)
        page.get_by_role("link", name="查询办理状态").click()
        page.get_by_label("申请号").fill(number)
        page.get_by_label("查询密码").fill(password)
        page.get_by_role("button", name="查询").click()
        page.get_by_text("已受理").wait_for()
        due = request.due_on
        page.get_by_text(f"{due.year}年{due.month}月{due.day}日").first.wait_for()
        page.screenshot(path=str(ARTIFACTS / "online-status.png"), full_page=True)

        request_decide(request=request, outcome="granted", decided_on=datetime.date.today())
        draft = letter_services.letter_draft_create(request=request, kind="decision")
        with mock.patch.object(letter_services, "letter_pdf", return_value=b"%PDF-1.4 letter"):
            letter_services.letter_issue(letter=draft, user=clerk)
        page.goto(self.live_server_url + reverse("disclosure:online_status", args=["wzj"]))
        page.get_by_label("申请号").fill(number)
        page.get_by_label("查询密码").fill(password)
        page.get_by_role("button", name="查询").click()
        page.get_by_text("已答复").wait_for()
        with page.expect_download() as download:
            page.get_by_role("button", name="下载答复书（PDF）").click()
        path = download.value.path()
        with open(path, "rb") as handle:
            self.assertEqual(handle.read(), b"%PDF-1.4 letter")
        self.assertEqual(self.violations, [], "\n".join(self.violations))
