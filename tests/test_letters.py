"""Letters clerks can send (issue 15, part 2): every letter the clock knows about, drafted from
the record for a person and for an organisation, with the withheld parts and their reasons, the
review body and the court, the closing kept with the last paragraph, the date in Chinese numerals;
then edited, issued (numbered, frozen as PDF with its SHA-256) and never changed again."""

import datetime
import hashlib
import io
import logging
import re
import shutil
import subprocess
import tempfile
import unittest
from io import StringIO
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db.models import ProtectedError
from django.test import SimpleTestCase, TestCase
from django.urls import reverse

from disclosure.audit.models import AccessEvent
from disclosure.letters import services as letter_services
from disclosure.letters.decision import NoLetter
from disclosure.letters.drafting import letter_draft, letter_options
from disclosure.letters.grounds import GROUNDS, PART_GROUNDS
from disclosure.letters.models import Letter, WithheldPart
from disclosure.letters.rendering import letter_docx, letter_pdf
from disclosure.letters.wording import chinese_date, quoted, tidy
from disclosure.models import Outcome
from disclosure.pdf import WeasyPrintWarnings
from disclosure.records import services
from tests.adminforms import admin_post_data
from tests.factories import log_in, make_agency, make_clerk, make_event, make_request

D = datetime.date
HAS_POPPLER = shutil.which("pdftotext") and shutil.which("pdfinfo")
SUBJECT = "市行政中心食堂外卖服务项目的验收报告。"  # ends with 。: the old "。”。"
PERSON = {"applicant_type": "natural_person", "applicant_name": "张三"}
COMPANY = {"applicant_type": "commercial", "applicant_name": "温州市某某建设工程有限公司"}


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, whitespace removed (pdftotext breaks lines where the PDF does)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "letter.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    return [re.sub(r"\s+", "", page) for page in text.split("\f") if page.strip()]


def rendered(letter) -> str:
    handler = WeasyPrintWarnings()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        pdf = letter_pdf(letter)
    finally:
        logger.removeHandler(handler)
    assert [r.getMessage() for r in handler.records] == [], "WeasyPrint warned"
    return "".join(pdf_pages(pdf))


def wenzhou_agency(**kwargs):
    parent = make_agency(name="温州市人民政府")
    return make_agency(
        name="温州市机关事务管理局",
        parent=parent,
        phone="0577-88966683",
        address="温州市行政中心",
        review_body="温州市人民政府",
        court="温州市鹿城区人民法院",
        letter_number_pattern="温机事依{类}〔{年}〕{号}号",
        **kwargs,
    )


class WordingTests(SimpleTestCase):
    def test_it_writes_the_date_in_chinese_numerals(self):
        self.assertEqual(chinese_date(D(2026, 11, 29)), "二〇二六年十一月二十九日")
        self.assertEqual(chinese_date(D(2026, 1, 10)), "二〇二六年一月十日")
        self.assertEqual(chinese_date(D(2020, 10, 31)), "二〇二〇年十月三十一日")
        self.assertEqual(chinese_date(D(2024, 12, 1)), "二〇二四年十二月一日")

    def test_it_never_doubles_the_full_stop_after_a_quote(self):
        self.assertEqual(quoted("验收报告。"), "“验收报告”")
        self.assertEqual(tidy("申请内容为“验收报告。”。"), "申请内容为“验收报告”。")
        self.assertEqual(tidy("理由如下。。"), "理由如下。")

    def test_the_part_grounds_come_from_the_mapping(self):
        self.assertIn("withheld_third_party", PART_GROUNDS)
        self.assertIn("unavailable_not_held", PART_GROUNDS)
        self.assertNotIn("granted", PART_GROUNDS)
        self.assertEqual(set(GROUNDS), set(Outcome.values) - {"other"})


class LetterKindsTests(TestCase):
    """Each kind, for a person and for an organisation: drafted, rendered, read back."""

    @classmethod
    def setUpTestData(cls):
        cls.agency = wenzhou_agency()
        cls.requests = {who: cls.request_with_events(details) for who, details in
                        (("person", PERSON), ("company", COMPANY))}  # fmt: skip

    @classmethod
    def request_with_events(cls, applicant):
        received = D(2026, 3, 2)  # a Monday
        base = dict(received_on=received, channel="post", subject=SUBJECT, **applicant)
        corrected = make_request(cls.agency, **base)
        make_event(
            corrected, "correction_notice", D(2026, 3, 4), period_days=10,
            note="请写明所需验收报告的项目名称和年份",
        )  # fmt: skip
        main = make_request(cls.agency, **base)
        make_event(
            main, "consult_third_party", D(2026, 3, 5), ends_on=D(2026, 3, 13),
            counterpart="温州市某某餐饮管理有限公司",
        )  # fmt: skip
        make_event(
            main, "extension", D(2026, 3, 27), period_days=20, approved_by="办公室主任",
            notified_on=D(2026, 3, 27), note="申请公开的验收资料分散在多个科室，需要逐一检索",
        )  # fmt: skip
        make_event(main, "fee_notice", D(2026, 3, 30), fee_basis="per_page", fee_quantity=120)
        make_event(main, "fee_paid", D(2026, 4, 2))
        WithheldPart.objects.create(
            request=main,
            description="验收报告附件三中供应商的报价明细",
            ground="withheld_third_party",
            reason="报价明细属于供应商的商业秘密，经征求意见，供应商不同意公开",
        )
        WithheldPart.objects.create(
            request=main,
            description="验收小组的内部讨论记录",
            ground="withheld_process_info",
            reason="该记录是验收过程中形成的讨论记录，不属于应当公开的政府信息",
        )
        services.request_decide(request=main, outcome="partial", decided_on=D(2026, 4, 20))
        return {"correction": corrected, "main": main}

    def letter(self, who, kind):
        records = self.requests[who]
        request = records["correction"] if kind == "correction" else records["main"]
        return letter_draft(request, kind)

    @unittest.skipUnless(HAS_POPPLER, "poppler-utils not installed")
    def test_every_kind_addresses_a_person_and_an_organisation_correctly(self):
        for kind in ("receipt", "correction", "extension", "fee", "decision"):
            for who, name in (("person", "张三"), ("company", "温州市某某建设工程有限公司")):
                with self.subTest(kind=kind, who=who):
                    text = rendered(self.letter(who, kind))
                    self.assertIn(f"{name}：", text)
                    if who == "person":
                        self.assertIn("你", text)
                        self.assertNotIn("你单位", text)
                    else:
                        self.assertIn("你单位", text)
                        self.assertEqual(re.findall(r"你(?!单位)", text), [])  # no lone 你
                    self.assertNotIn("。”。", text)
                    self.assertNotIn("。。", text)
                    self.assertIn("草稿（未签发，不得发出）", text)
                    if kind != "receipt":
                        self.assertIn("向温州市人民政府申请行政复议", text)
                        self.assertIn("向温州市鹿城区人民法院提起行政诉讼", text)

    @unittest.skipUnless(HAS_POPPLER, "poppler-utils not installed")
    def test_each_kind_prints_what_it_is_about(self):
        expected = {
            "receipt": ["政府信息公开申请登记回执", "以邮寄方式提出的政府信息公开申请",
                        "“市行政中心食堂外卖服务项目的验收报告”。", "二〇二六年三月二日"],
            "correction": ["补正通知书", "自收到本通知之日起10个工作日内对申请作出补正",
                           "请写明所需验收报告的项目名称和年份", "视为放弃申请",
                           "二〇二六年三月四日"],
            "extension": ["延期答复告知书", "因申请公开的验收资料分散在多个科室，需要逐一检索",
                          "答复期限延长20个工作日", "二〇二六年三月二十七日"],
            "fee": ["缴费通知书", "按量计收", "共120页", "应缴纳信息处理费1100.00元",
                    "20个工作日内缴纳"],
            "decision": ["政府信息公开申请答复书", "第三十七条", "验收报告附件三中供应商的报价明细",
                         "报价明细属于供应商的商业秘密，经征求意见，供应商不同意公开",
                         "第十五条、第三十二条的规定，不予公开", "验收小组的内部讨论记录",
                         "第十六条第二款的规定，不予公开", "二〇二六年四月二十日", "特此告知。"],
        }  # fmt: skip
        for kind, phrases in expected.items():
            with self.subTest(kind=kind):
                text = rendered(self.letter("company", kind))
                for phrase in phrases:
                    self.assertIn(phrase, text)

    @unittest.skipUnless(HAS_POPPLER, "poppler-utils not installed")
    def test_the_consultation_letter_addresses_the_third_party_and_never_names_the_applicant(self):
        request = self.requests["company"]["main"]
        event = request.events.get(kind="consult_third_party")
        text = rendered(letter_draft(request, "consultation", event))
        self.assertIn("温州市某某餐饮管理有限公司：", text)
        self.assertIn("现书面征求你单位的意见", text)
        self.assertEqual(re.findall(r"你(?!单位)", text), [])
        self.assertNotIn("温州市某某建设工程有限公司", text)  # the applicant
        self.assertNotIn("申请编号", text)
        event.counterpart = "李四"  # a person
        text = rendered(letter_draft(request, "consultation", event))
        self.assertIn("李四：", text)
        self.assertIn("现书面征求你的意见", text)
        self.assertNotIn("你单位", text)

    def test_the_request_offers_the_letters_its_record_allows(self):
        kinds = [o.kind for o in letter_options(self.requests["person"]["main"])]
        self.assertEqual(kinds, ["receipt", "extension", "fee", "consultation", "decision"])
        kinds = [o.kind for o in letter_options(self.requests["person"]["correction"])]
        self.assertEqual(kinds, ["receipt", "correction"])
        with self.assertRaisesMessage(NoLetter, "请先在“办理事项”中登记“延长答复期限”"):
            letter_draft(self.requests["person"]["correction"], "extension")
        with self.assertRaisesMessage(NoLetter, "尚未填写办理结果"):
            letter_draft(self.requests["person"]["correction"], "decision")


class DecisionLetterTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = wenzhou_agency()

    def decided(self, outcome, **kwargs):
        request = make_request(
            self.agency, received_on=D(2024, 9, 20), subject=SUBJECT, **{**PERSON, **kwargs}
        )
        return services.request_decide(request=request, outcome=outcome, decided_on=D(2024, 10, 9))

    def test_every_outcome_but_other_has_a_letter_with_its_ground(self):
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
                body = letter_draft(self.decided(outcome)).body
                self.assertIn(f"《中华人民共和国政府信息公开条例》{article}的规定", body)
        with self.assertRaisesMessage(NoLetter, "“其他处理”没有统一的答复书格式"):
            letter_draft(self.decided("other"))

    def test_it_is_filled_from_the_request(self):
        letter = letter_draft(self.decided("granted"))
        self.assertEqual(letter.addressee, "张三")
        self.assertIn("本机关于2024年9月20日收到你通过互联网提出的政府信息公开申请", letter.body)
        self.assertIn("申请内容为“市行政中心食堂外卖服务项目的验收报告”。", letter.body)
        self.assertEqual(letter.dated, D(2024, 10, 9))
        self.assertIn("联系电话：0577-88966683", letter.contact)

    def test_a_withheld_decision_cannot_be_issued_without_its_parts(self):
        request = self.decided("withheld_internal_affairs")
        draft = letter_services.letter_draft_create(request=request, kind="decision")
        self.assertIn("【请在申请页面“不予公开的部分”中逐项填写", draft.body)
        with self.assertRaises(ValidationError) as caught:
            letter_services.letter_issue(letter=draft)
        self.assertIn("逐项说明不予公开的内容、依据和理由", " ".join(caught.exception.messages))
        WithheldPart.objects.create(
            request=request, description="机关食堂的排班表", ground="withheld_internal_affairs",
            reason="排班表属于后勤管理的内部事务信息",
        )  # fmt: skip
        letter_services.letter_regenerate(letter=draft)
        self.assertIn("（一）机关食堂的排班表。排班表属于后勤管理的内部事务信息。根据", draft.body)
        self.assertNotIn("【", draft.body)

    def test_the_remedies_fall_back_to_a_sensible_wording(self):
        agency = make_agency(name="某县档案馆")
        request = make_request(agency, received_on=D(2024, 9, 20), **COMPANY)
        services.request_decide(request=request, outcome="granted", decided_on=D(2024, 10, 9))
        body = letter_draft(request).body
        self.assertIn("向本机关的上一级行政机关申请行政复议", body)
        self.assertIn("向有管辖权的人民法院提起行政诉讼", body)
        self.assertIn("你单位如对本答复不服，可以自收到本答复书之日起六十日内", body)

    def test_it_recites_the_correction_notice_when_ending_for_no_correction(self):
        request = make_request(self.agency, received_on=D(2024, 9, 20), **COMPANY)
        make_event(request, "correction_notice", D(2024, 9, 23), period_days=10)
        services.request_decide(
            request=request, outcome="other_no_correction", decided_on=D(2024, 10, 14)
        )
        body = letter_draft(request).body
        self.assertIn(
            "本机关于2024年9月23日向你单位发出补正通知，请你单位在10个工作日内补正，"
            "期限至2024年10月11日",
            body,
        )
        self.assertIn("第三十条的规定，视为你单位放弃申请", body)


def long_partial_request(agency, parts: int):
    """A 部分公开 decision whose length grows with the number of withheld parts."""
    request = make_request(agency, received_on=D(2024, 9, 20), subject=SUBJECT, **PERSON)
    for i in range(parts):
        WithheldPart.objects.create(
            request=request,
            description=f"验收报告附件{i + 1}中供应商的报价明细和联系人信息",
            ground="withheld_third_party",
            reason="报价明细属于供应商的商业秘密，联系人信息属于个人隐私，经书面征求意见，"
            "第三方不同意公开，且不公开不会对公共利益造成重大影响",
        )
    return services.request_decide(request=request, outcome="partial", decided_on=D(2024, 10, 9))


@unittest.skipUnless(HAS_POPPLER, "poppler-utils not installed")
class LayoutTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = wenzhou_agency()

    def test_the_closing_stays_on_the_page_of_the_last_paragraph(self):
        # From one page to three: wherever the page break falls, the last paragraph (the
        # remedies), 特此告知, the signature and the date are on one page.
        pages_seen = set()
        for parts in range(0, 13):
            with self.subTest(parts=parts):
                letter = letter_draft(long_partial_request(self.agency, parts))
                pages = pdf_pages(letter_pdf(letter))
                pages_seen.add(len(pages))
                closing = next(i for i, page in enumerate(pages) if "特此告知。" in page)
                last = pages[closing]
                self.assertIn("提起行政诉讼。特此告知。", last)
                self.assertIn("温州市机关事务管理局二〇二四年十月九日", last)
                self.assertIn("你如对本答复不服", last)  # the start of the last paragraph
        self.assertGreaterEqual(len(pages_seen), 2)  # short and long letters were both seen


class IssueTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = wenzhou_agency()
        cls.clerk = make_clerk("clerk", cls.agency)
        cls.request = make_request(
            cls.agency, received_on=D(2026, 3, 2), subject=SUBJECT, number="2026-007", **PERSON
        )
        services.request_decide(request=cls.request, outcome="granted", decided_on=D(2026, 3, 20))

    def draft(self, kind="decision", request=None):
        return letter_services.letter_draft_create(request=request or self.request, kind=kind)

    def test_it_numbers_with_the_agency_pattern(self):
        first = letter_services.letter_issue(letter=self.draft())
        second = letter_services.letter_issue(letter=self.draft())
        receipt = letter_services.letter_issue(letter=self.draft("receipt"))
        self.assertEqual(first.number, "温机事依复〔2026〕1号")
        self.assertEqual(second.number, "温机事依复〔2026〕2号")
        self.assertEqual(receipt.number, "温机事依收〔2026〕1号")  # {类}: one series per kind
        self.agency.letter_number_pattern = "依申请公开〔{年}〕{号}号"
        self.agency.save()
        third = letter_services.letter_issue(letter=self.draft())
        # One series for all kinds from now on: it continues after the highest serial used.
        self.assertEqual(third.number, "依申请公开〔2026〕3号")

    def test_a_pattern_without_a_serial_is_refused(self):
        self.agency.letter_number_pattern = "温机事依复〔{年}〕号"
        with self.assertRaisesMessage(ValidationError, "文书文号格式须含{号}"):
            self.agency.full_clean()

    def test_a_placeholder_stops_the_issue(self):
        request = make_request(self.agency, received_on=D(2026, 3, 2), **PERSON)
        make_event(request, "fee_notice", D(2026, 3, 5), fee_basis="per_page", fee_quantity=40)
        draft = self.draft("fee", request)
        with self.assertRaisesMessage(ValidationError, "【请写明缴费账户或缴费方式】"):
            letter_services.letter_issue(letter=draft)
        draft.body = draft.body.replace("【请写明缴费账户或缴费方式】", "现金或转账至本机关账户")
        letter_services.letter_save(letter=draft)
        self.assertTrue(letter_services.letter_issue(letter=draft).is_issued)

    @unittest.skipUnless(HAS_POPPLER, "poppler-utils not installed")
    def test_an_issued_letter_is_frozen_after_the_record_changes(self):
        draft = self.draft()
        draft.body = draft.body.replace("现将该政府信息提供给你", "现将该政府信息（共3页）提供给你")
        letter = letter_services.letter_issue(letter=letter_services.letter_save(letter=draft))
        stored = default_storage.open(letter.pdf.name).read()
        issued_body = letter.body
        self.assertEqual(hashlib.sha256(stored).hexdigest(), letter.pdf_sha256)

        # The record changes afterwards: name, subject, the agency's court.
        self.request.applicant_name = "张三丰"
        self.request.subject = "另一项申请内容"
        services.request_save(request=self.request)
        self.agency.court = "温州市中级人民法院"
        self.agency.save()

        letter.refresh_from_db()
        log_in(self.client, self.clerk)
        response = self.client.get(reverse("admin:disclosure_letter_pdf", args=[letter.pk]))
        self.assertEqual(response.content, stored)
        text = "".join(pdf_pages(response.content))
        self.assertIn("张三：", text)
        self.assertIn("现将该政府信息（共3页）提供给你", text)
        self.assertIn("温州市鹿城区人民法院", text)
        self.assertIn("温机事依复〔2026〕1号", text)
        self.assertNotIn("草稿", text)

        # Nothing may change it: the model, a bulk update, a delete, a regeneration, the admin.
        letter.body = "改过的正文"
        for attempt in (
            letter.save,
            lambda: Letter.objects.filter(pk=letter.pk).update(body="改过的正文"),
            lambda: Letter.objects.get(pk=letter.pk).delete(),
            lambda: Letter.objects.filter(pk=letter.pk).delete(),
            lambda: letter_services.letter_regenerate(letter=Letter.objects.get(pk=letter.pk)),
            lambda: letter_services.letter_issue(letter=Letter.objects.get(pk=letter.pk)),
        ):
            with self.assertRaisesMessage(ValidationError, "已签发的文书不能修改或删除"):
                attempt()
        change = reverse("admin:disclosure_letter_change", args=[letter.pk])
        self.assertEqual(self.client.post(change, {"body": "改过的正文"}).status_code, 404)
        self.assertEqual(Letter.objects.get(pk=letter.pk).body, issued_body)
        with self.assertRaises(ProtectedError):  # the request keeps its issued letters
            self.request.delete()

    def test_a_stored_pdf_that_was_altered_is_refused(self):
        letter = letter_services.letter_issue(letter=self.draft())
        with default_storage.open(letter.pdf.name, "wb") as handle:
            handle.write(b"%PDF-1.4 altered")
        log_in(self.client, self.clerk)
        response = self.client.get(reverse("admin:disclosure_letter_pdf", args=[letter.pk]))
        self.assertEqual(response.status_code, 503)

    def test_verify_published_rechecks_issued_letters(self):
        letter = letter_services.letter_issue(letter=self.draft())
        out = StringIO()
        call_command("verify_published", stdout=out)
        self.assertIn("答复书", out.getvalue())
        with default_storage.open(letter.pdf.name, "wb") as handle:
            handle.write(b"%PDF-1.4 altered")
        with self.assertRaises(CommandError) as caught:
            call_command("verify_published", stdout=StringIO(), stderr=StringIO())
        self.assertIn("1 处不一致", str(caught.exception))

    def test_any_letter_downloads_as_word(self):
        from docx import Document

        letter = self.draft()
        document = Document(io.BytesIO(letter_docx(letter)))
        texts = [p.text for p in document.paragraphs]
        self.assertIn("政府信息公开申请答复书", texts)
        self.assertIn("张三：", texts)
        self.assertIn("特此告知。", texts)
        self.assertIn("二〇二六年三月二十日", texts)
        closing = document.paragraphs[texts.index("特此告知。")]
        last = document.paragraphs[texts.index("特此告知。") - 1]
        self.assertTrue(closing.paragraph_format.keep_with_next)
        self.assertTrue(last.paragraph_format.keep_with_next)
        self.assertTrue(last.text.endswith("提起行政诉讼。"))


class LetterAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = wenzhou_agency()
        cls.clerk = make_clerk("clerk", cls.agency)
        cls.request = make_request(
            cls.agency, received_on=D(2024, 9, 20), number="2024-017", subject=SUBJECT, **PERSON
        )
        WithheldPart.objects.create(
            request=cls.request, description="供应商的报价明细", ground="withheld_third_party",
            reason="属于商业秘密，供应商不同意公开",
        )  # fmt: skip
        services.request_decide(request=cls.request, outcome="partial", decided_on=D(2024, 10, 9))
        other_agency = make_agency()
        cls.other_request = make_request(other_agency, received_on=D(2024, 9, 20))
        cls.other_letter = letter_services.letter_draft_create(
            request=cls.other_request, kind="receipt"
        )

    def setUp(self):
        log_in(self.client, self.clerk)

    def url(self, name, obj):
        return reverse(f"admin:disclosure_{name}", args=[obj.pk])

    def test_the_change_page_lists_the_withheld_parts_and_the_letters(self):
        response = self.client.get(self.url("disclosurerequest_change", self.request))
        self.assertContains(response, "不予公开的部分")
        self.assertContains(response, "供应商的报价明细")
        self.assertContains(response, "预览答复书")
        self.assertContains(response, "预览受理回执")

    def test_a_clerk_records_a_withheld_part_on_the_change_page(self):
        url = self.url("disclosurerequest_change", self.request)
        data = admin_post_data(self.client.get(url))
        data.update(
            {
                "withheld_parts-TOTAL_FORMS": "2",
                "withheld_parts-1-description": "验收专家的个人联系方式",
                "withheld_parts-1-ground": "withheld_third_party",
                "withheld_parts-1-reason": "属于个人隐私",
            }
        )
        self.assertEqual(self.client.post(url, data).status_code, 302)
        parts = list(self.request.withheld_parts.values_list("description", "ground"))
        self.assertEqual(
            parts,
            [
                ("供应商的报价明细", "withheld_third_party"),
                ("验收专家的个人联系方式", "withheld_third_party"),
            ],
        )
        data["withheld_parts-TOTAL_FORMS"] = "3"
        data.update(
            {
                "withheld_parts-2-description": "没有理由的一项",
                "withheld_parts-2-ground": "withheld_third_party",
            }
        )
        response = self.client.post(url, data)
        self.assertContains(response, "这个字段是必填项")  # the reason is required
        self.assertEqual(self.request.withheld_parts.count(), 2)

    def test_a_clerk_previews_drafts_edits_and_issues_a_letter(self):
        preview_url = self.url("disclosurerequest_letter", self.request)
        preview = self.client.get(preview_url)
        self.assertContains(preview, "政府信息公开申请答复书")
        self.assertContains(preview, "（一）供应商的报价明细。属于商业秘密，供应商不同意公开。")
        response = self.client.post(preview_url)
        letter = Letter.objects.get(request=self.request)
        self.assertRedirects(response, self.url("letter_change", letter))

        change = self.client.get(self.url("letter_change", letter))
        self.assertContains(change, "温州市人民政府")  # the preview on the page
        data = {
            "addressee": letter.addressee,
            "body": letter.body + "\n\n附件：验收报告（公开部分）",
            "closing": letter.closing,
            "signer": letter.signer,
            "dated": "2024-10-09",
            "contact": letter.contact,
        }
        self.assertEqual(self.client.post(self.url("letter_change", letter), data).status_code, 302)
        letter.refresh_from_db()
        self.assertTrue(letter.body.endswith("附件：验收报告（公开部分）"))

        self.assertContains(self.client.get(self.url("letter_issue", letter)), "确认签发")
        self.client.post(self.url("letter_issue", letter))
        letter.refresh_from_db()
        self.assertEqual(letter.number, "温机事依复〔2024〕1号")
        self.assertEqual(len(letter.pdf_sha256), 64)
        page = self.client.get(self.url("letter_change", letter))
        self.assertContains(page, "不能再修改")
        self.assertNotContains(page, self.url("letter_issue", letter))
        docx = self.client.get(self.url("letter_docx", letter))
        self.assertIn("attachment", docx["Content-Disposition"])
        self.assertIn("no-store", docx["Cache-Control"])
        actions = AccessEvent.objects.filter(action=AccessEvent.Action.LETTER)
        details = list(actions.values_list("detail", flat=True))
        self.assertIn("2024-017 预览", details)
        self.assertIn("2024-017 温机事依复〔2024〕1号 Word", details)
        self.assertFalse(any("张三" in d for d in details))

    @unittest.skipUnless(HAS_POPPLER, "poppler-utils not installed")
    def test_the_record_preview_downloads_as_a_marked_draft(self):
        response = self.client.get(self.url("disclosurerequest_letter_pdf", self.request))
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn("no-store", response["Cache-Control"])
        text = "".join(pdf_pages(response.content))
        self.assertIn("草稿（未签发，不得发出）", text)
        self.assertIn("—1—", text)  # the GB/T 9704 page number

    def test_another_agencys_letters_are_a_404(self):
        for name in ("letter_change", "letter_pdf", "letter_docx", "letter_issue"):
            with self.subTest(name=name):
                response = self.client.get(self.url(name, self.other_letter))
                self.assertEqual(response.status_code, 404)
        response = self.client.get(self.url("disclosurerequest_letter", self.other_request))
        self.assertEqual(response.status_code, 404)

    def test_an_undecided_request_has_no_decision_letter_yet(self):
        request = make_request(self.agency, received_on=D(2024, 9, 20))
        response = self.client.get(self.url("disclosurerequest_letter", request))
        self.assertContains(response, "还不能生成答复书")
        response = self.client.get(self.url("disclosurerequest_letter_pdf", request))
        change = self.url("disclosurerequest_change", request)
        self.assertRedirects(response, change, fetch_redirect_response=False)

    def test_the_public_cannot_reach_a_letter(self):
        self.client.logout()
        letter = letter_services.letter_draft_create(request=self.request, kind="receipt")
        for url in (
            self.url("disclosurerequest_letter_pdf", self.request),
            self.url("letter_pdf", letter),
        ):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302)
            self.assertIn("/admin/login/", response["Location"])
