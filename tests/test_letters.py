"""Decision letters (答复书): one per outcome with its legal ground, previewed and downloaded from
the admin, staff only."""

import datetime
import logging
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

from django.test import TestCase
from django.urls import reverse

from disclosure.letters.decision import GROUNDS, NoLetter, letter_context
from disclosure.models import Outcome
from disclosure.pdf import WeasyPrintWarnings
from disclosure.records import services
from tests.factories import make_agency, make_clerk, make_event, make_request

D = datetime.date


def pdf_text(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "letter.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout


class LetterTextTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        parent = make_agency(name="温州市人民政府")
        cls.agency = make_agency(name="温州市机关事务管理局", parent=parent, phone="0577-88966683")

    def decided(self, outcome, **kwargs):
        request = make_request(
            self.agency,
            received_on=D(2024, 9, 20),
            applicant_name="张三",
            subject="市行政中心食堂外卖服务的收费标准",
            **kwargs,
        )
        return services.request_decide(request=request, outcome=outcome, decided_on=D(2024, 10, 9))

    def test_every_outcome_but_other_has_a_letter_with_its_ground(self):
        self.assertEqual(set(GROUNDS), set(Outcome.values) - {"other"})
        expected = {
            "granted": "第三十六条第（二）项",
            "partial": "第三十七条",
            "withheld_third_party": "第十五条、第三十二条",
            "withheld_internal_affairs": "第十六条第一款",
            "unavailable_not_held": "第三十六条第（四）项",
            "unavailable_needs_creation": "第三十八条",
            "rejected_petition": "第三十九条第一款",
            "rejected_duplicate": "第三十六条第（六）项",
            "rejected_excessive": "第三十五条",
        }
        for outcome, article in expected.items():
            with self.subTest(outcome=outcome):
                context = letter_context(self.decided(outcome))
                self.assertIn(
                    f"《中华人民共和国政府信息公开条例》{article}的规定", context["paragraphs"][-1]
                )

    def test_it_is_filled_from_the_request(self):
        context = letter_context(self.decided("granted"))
        self.assertEqual(context["addressee"], "张三")
        self.assertIn(
            "本机关于2024年9月20日收到你通过互联网提出的政府信息公开申请", context["paragraphs"][0]
        )
        self.assertIn("市行政中心食堂外卖服务的收费标准", context["paragraphs"][0])
        self.assertIn("向温州市人民政府申请行政复议", context["remedy"])
        self.assertEqual(context["signed_on"], "2024年10月9日")
        self.assertIn("联系电话：0577-88966683", context["contact"])

    def test_it_recites_the_correction_notice_when_ending_for_no_correction(self):
        request = make_request(self.agency, received_on=D(2024, 9, 20), applicant_name="李四")
        make_event(request, "correction_notice", D(2024, 9, 23), period_days=10)
        services.request_decide(
            request=request, outcome="other_no_correction", decided_on=D(2024, 10, 14)
        )
        decision = letter_context(request)["paragraphs"][-1]
        self.assertIn(
            "本机关于2024年9月23日向你发出补正通知，请你在10个工作日内补正，期限至2024年10月11日",
            decision,
        )
        self.assertIn("第三十条的规定，视为你放弃申请", decision)

    def test_it_mentions_the_extension(self):
        request = make_request(self.agency, received_on=D(2024, 9, 20), applicant_type="commercial")
        make_event(
            request,
            "extension",
            D(2024, 10, 8),
            period_days=20,
            approved_by="主任",
            notified_on=D(2024, 10, 9),
        )
        services.request_decide(request=request, outcome="granted", decided_on=D(2024, 11, 1))
        paragraphs = letter_context(request)["paragraphs"]
        self.assertIn("收到你单位", paragraphs[0])
        self.assertIn("已于2024年10月9日告知你延长答复期限20个工作日", paragraphs[1])

    def test_there_is_no_letter_before_the_decision_or_for_other(self):
        with self.assertRaisesMessage(NoLetter, "尚未填写办理结果"):
            letter_context(make_request(self.agency, received_on=D(2024, 9, 20)))
        with self.assertRaisesMessage(NoLetter, "“其他处理”没有统一的答复书格式"):
            letter_context(self.decided("other"))


class LetterAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency(name="温州市机关事务管理局")
        cls.clerk = make_clerk("clerk", cls.agency)
        request = make_request(
            cls.agency,
            received_on=D(2024, 9, 20),
            applicant_name="张三",
            subject="市行政中心食堂外卖服务的收费标准",
        )
        cls.request = services.request_decide(
            request=request, outcome="unavailable_not_held", decided_on=D(2024, 10, 9)
        )
        cls.other_request = make_request(make_agency(), received_on=D(2024, 9, 20))

    def setUp(self):
        self.client.force_login(self.clerk)

    def url(self, name, request):
        return reverse(f"admin:disclosure_disclosurerequest_{name}", args=[request.pk])

    def test_the_change_page_links_the_letter(self):
        response = self.client.get(self.url("change", self.request))
        self.assertContains(response, self.url("letter", self.request))
        self.assertContains(response, self.url("letter_pdf", self.request))

    def test_it_previews_the_letter(self):
        response = self.client.get(self.url("letter", self.request))
        self.assertContains(response, "政府信息公开申请答复书")
        self.assertContains(response, "张三：")
        self.assertContains(response, "《中华人民共和国政府信息公开条例》第三十六条第（四）项")

    @unittest.skipUnless(shutil.which("pdftotext"), "poppler-utils not installed")
    def test_it_downloads_the_pdf_without_weasyprint_warnings(self):
        handler = WeasyPrintWarnings()
        logger = logging.getLogger("weasyprint")
        logger.addHandler(handler)
        try:
            response = self.client.get(self.url("letter_pdf", self.request))
        finally:
            logger.removeHandler(handler)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn("attachment", response["Content-Disposition"])
        self.assertIn("no-store", response["Cache-Control"])  # it carries the applicant's name
        self.assertEqual([r.getMessage() for r in handler.records], [])
        text = pdf_text(response.content)
        self.assertIn("政府信息公开申请答复书", text)
        self.assertIn("张三", text)
        self.assertIn("第三十六条第（四）项", text.replace(" ", ""))
        self.assertIn("—1—", text.replace(" ", ""))  # the GB/T 9704 page number

    def test_another_agencys_letter_is_a_404(self):
        for name in ("letter", "letter_pdf"):
            with self.subTest(name=name):
                self.assertEqual(
                    self.client.get(self.url(name, self.other_request)).status_code, 404
                )

    def test_an_undecided_request_has_no_letter_yet(self):
        request = make_request(self.agency, received_on=D(2024, 9, 20))
        response = self.client.get(self.url("letter", request))
        self.assertContains(response, "还不能生成答复书")
        response = self.client.get(self.url("letter_pdf", request))
        self.assertRedirects(response, self.url("change", request), fetch_redirect_response=False)

    def test_the_public_cannot_reach_a_letter(self):
        self.client.logout()
        response = self.client.get(self.url("letter_pdf", self.request))
        self.assertEqual(response.status_code, 302)
        self.assertIn("/admin/login/", response["Location"])
