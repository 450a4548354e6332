"""The public site in a real browser (Debian's Chromium driven by Playwright) against a live
server: home, a category, a Chinese search, an item, an attachment and the published report's
PDF. Screenshots go to tests/artifacts/ (git-ignored) for a person to look at."""

import subprocess
from pathlib import Path

from django.contrib.auth import get_user_model

from disclosure.devtools.demo import AGENCY_CODE, load_demo
from disclosure.devtools.demo_report import load_demo_report
from disclosure.models import Agency, Disclosure
from reports import services as report_services
from tests.browser import ARTIFACTS, BrowserTestCase
from tests.factories import make_attachment

ATTACHMENT = "二〇二〇年垃圾分类工作实施细则（附件内容）".encode()


class PublicSiteBrowserTests(BrowserTestCase):
    """One test: the data made by migrations (categories, groups) is gone after the first
    test's flush, and ``serialized_rollback`` cannot bring it back once Playwright has started
    (its greenlets give Django a fresh connection object without the serialized copy)."""

    def setUp(self):
        load_demo()
        self.agency = Agency.objects.get(code=AGENCY_CODE)
        self.item = Disclosure.objects.get(title="关于开展垃圾分类工作的通知")
        make_attachment(
            self.item, title="垃圾分类工作实施细则", name="rules.txt", content=ATTACHMENT
        )
        manager = get_user_model().objects.get(username="manager")
        self.report = report_services.report_publish(
            report=load_demo_report(self.agency), user=manager
        )
        self.page = self.browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.set_default_timeout(15000)

    def tearDown(self):
        self.page.close()

    def shot(self, name, page=None):
        (page or self.page).screenshot(path=str(ARTIFACTS / f"public-{name}.png"), full_page=True)

    def test_a_visitor_browses_searches_reads_and_downloads(self):
        page = self.page
        page.goto(self.live_server_url + "/")  # the only agency: straight to its home
        page.wait_for_url(f"**/{AGENCY_CODE}/")
        self.assertEqual(page.locator("html").get_attribute("lang"), "zh-CN")
        self.assertIn("温州市机关事务管理局", page.locator(".site-name").inner_text())
        self.shot("1-home")

        page.get_by_role("link", name="通知公告").click()
        page.wait_for_url("**/items/?category=notice")
        self.assertEqual(page.locator(".item-rows li").count(), 13)
        self.assertEqual(page.locator("h1").inner_text(), "通知公告")
        self.shot("2-category")

        page.get_by_label("关键词").fill("垃圾分类")
        page.get_by_label("分类", exact=True).select_option("")
        page.get_by_role("button", name="检索", exact=True).last.click()
        page.wait_for_url("**q=*")
        results = page.locator(".item-rows li a")
        self.assertEqual(results.all_inner_texts(), ["关于开展垃圾分类工作的通知"])
        self.assertIn("共1条", page.locator(".result-summary").inner_text())
        self.shot("3-search")

        results.first.click()
        page.wait_for_url(f"**/items/{self.item.pk}/")
        metadata = page.locator(".meta-table").inner_text()
        for label in ["索引号", "发布机构", "文号", "成文日期", "发布日期", "分类"]:
            self.assertIn(label, metadata)
        self.assertIn(self.item.index_number, metadata)
        self.shot("4-item")

        with page.expect_download() as download:
            page.get_by_role("link", name="垃圾分类工作实施细则").click()
        self.assertEqual(Path(download.value.path()).read_bytes(), ATTACHMENT)
        self.assertEqual(download.value.suggested_filename, "垃圾分类工作实施细则.txt")

        page.get_by_role("link", name="年度报告").first.click()
        page.wait_for_url("**/reports/")
        self.shot("5-reports")
        page.get_by_role("link", name=self.report.title, exact=True).click()
        page.wait_for_url("**/reports/2020/")
        self.assertIn("二、主动公开政府信息情况", page.locator(".ogi-report").inner_text())
        self.shot("6-report-html")

        with page.expect_download() as download:
            page.get_by_role("link", name="下载PDF").click()
        pdf = Path(download.value.path()).read_bytes()
        self.assertEqual(pdf, Path(self.report.pdf.path).read_bytes())  # as stored
        pdf_copy = ARTIFACTS / "public-7-report.pdf"
        pdf_copy.write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "60",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf_copy),
                str(ARTIFACTS / "public-7-report"),
            ],
            check=True,
        )

        self.check_phone_and_keyboard()

    def check_phone_and_keyboard(self):
        page = self.browser.new_page(viewport={"width": 390, "height": 844})
        try:
            page.goto(f"{self.live_server_url}/{AGENCY_CODE}/")
            page.keyboard.press("Tab")  # the first stop is the skip link, shown when focused
            skip = page.get_by_role("link", name="跳到主要内容")
            self.assertTrue(skip.evaluate("element => element === document.activeElement"))
            self.assertTrue(skip.is_visible())
            self.shot("8-skip-link", page)
            self.assertFalse(page.locator("#site-nav-links").is_visible())  # collapsed menu
            page.get_by_role("button", name="展开栏目导航").click()
            page.locator("#site-nav-links.show").wait_for()  # the opening animation is over
            self.shot("9-phone-menu", page)
            page.goto(f"{self.live_server_url}/{AGENCY_CODE}/items/?q=通知")
            self.shot("10-phone-search", page)
            self.assertGreater(page.locator(".item-rows li").count(), 1)
        finally:
            page.close()
