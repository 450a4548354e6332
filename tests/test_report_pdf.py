"""The PDF: official layout, Chinese fonts embedded (Noto CJK SC, never JP), no warning from the
``weasyprint`` logger, and the content of the tables (read back with pdftotext)."""

import subprocess
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.test import TestCase

from disclosure.devtools.demo import load_demo
from disclosure.models import Agency
from reports import labels, services
from reports.document import report_document
from reports.models import Report
from reports.narrative import Paragraph, paragraphs
from reports.render import render_report_pdf


def pdf_tool(tool: str, pdf: bytes, *args: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            [tool, *args, str(path), "-"] if tool == "pdftotext" else [tool, *args, str(path)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout


class ReportPdfTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_demo()
        agency = Agency.objects.get(code="wzjgsw")
        cls.report = Report.objects.get(agency=agency, year=2020)
        cls.agency = agency

    def _render(self, template=None, *, draft=False):
        document = report_document(
            agency=self.agency, year=2020, template=template, report=self.report
        )
        with self.assertNoLogs("weasyprint", level="WARNING"):
            return render_report_pdf(document, draft=draft)

    def test_it_renders_the_seed_report_without_weasyprint_warnings(self):
        pdf = self._render()
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_it_embeds_the_simplified_chinese_fonts_only(self):
        fonts = pdf_tool("pdffonts", self._render())
        names = [line.split()[0] for line in fonts.splitlines()[2:]]
        self.assertTrue(names, fonts)
        self.assertTrue(any("Noto-Serif-CJK-SC" in n for n in names), fonts)
        self.assertTrue(any("Noto-Sans-CJK-SC" in n for n in names), fonts)
        self.assertFalse([n for n in names if "JP" in n or "CJK" not in n], fonts)
        for line in fonts.splitlines()[2:]:
            self.assertIn(" yes yes ", line)  # embedded and subset

    def test_it_shows_the_seed_tables(self):
        text = pdf_tool("pdftotext", self._render(), "-layout")
        flat = " ".join(text.split())
        self.assertIn("温州市机关事务管理局2020年政府信息公开工作年度报告", "".join(text.split()))
        for label in (
            "第二十条第（九）项",
            "政府集中采购 3 3749.71 万元",
            "一、本年新收政府信息公开申请数量 1 0 0 0 0 0 1",
            "二、上年结转政府信息公开申请数量 0 0 0 0 0 0 0",
            "（一）予以公开 1 0 0 0 0 0 1",
            "四、结转下年度继续办理 0 0 0 0 0 0 0",
            "（本列数据的勾稽关系为：第一项加第二项之和，",
            "六、其他需要报告的事项",
        ):
            self.assertIn(label, flat)
        self.assertIn("（七）总计 1 0 0 0 0 0 1", flat)
        self.assertIn("0 " * 14 + "0", flat)  # table 四

    def test_it_numbers_the_pages_in_the_official_form(self):
        text = pdf_tool("pdftotext", self._render())
        pages = text.split("\f")[:-1]
        self.assertGreaterEqual(len(pages), 3)
        for number, page in enumerate(pages, start=1):
            self.assertRegex(page, rf"—\s?{number}\s?—")

    def test_it_repeats_the_table_header_when_table_3_breaks_across_pages(self):
        text = pdf_tool("pdftotext", self._render(template="2021"))
        pages = [p for p in text.split("\f") if "申请人情况" in p]
        self.assertEqual(len(pages), 2, "the 2021 table 三 spans two pages in this layout")
        self.assertIn("结转下年度继续办理", "".join(pages[1].split()))

    def test_it_never_starts_or_ends_table_3_with_one_or_two_rows_on_a_page(self):
        for template in ("2019", "2021"):
            with self.subTest(template=template):
                text = pdf_tool("pdftotext", self._render(template=template))
                pages = ["".join(page.split()) for page in text.split("\f")]
                start = next(p for p in pages if "本列数据的勾稽关系" in p)
                # The first three rows are on the page where the table starts …
                for label in (
                    "一、本年新收政府信息公开申请数量",
                    "二、上年结转政府信息公开申请数量",
                    "（一）予以公开",
                ):
                    self.assertIn(label, start)
                # … and the last row has the two before it on its page.
                end = next(p for p in pages if "四、结转下年度继续办理" in p)
                before = "（六）其他处理" if template == "2019" else "3.其他"
                self.assertIn("（七）总计", end)
                self.assertIn(before, end)

    def test_it_breaks_table_2_only_between_its_blocks(self):
        text = pdf_tool("pdftotext", self._render(template="2019"))
        pages = ["".join(page.split()) for page in text.split("\f")]
        for block in labels.TABLE2_BLOCKS["2019"]:
            (page,) = [p for p in pages if block.caption in p]
            for _key, label in block.rows:
                self.assertIn(label, page, block.caption)

    def test_it_marks_every_page_of_a_draft_and_no_page_of_the_published_pdf(self):
        # The mark is rotated, so the text layer has its two characters apart: count them
        # against the same pages without the mark.
        def marks(pdf: bytes) -> list[tuple[int, int]]:
            pages = pdf_tool("pdftotext", pdf).split("\f")[:-1]
            return [(page.count("草"), page.count("稿")) for page in pages]

        plain = marks(self._render())
        draft = marks(self._render(draft=True))
        self.assertGreaterEqual(len(draft), 3)
        self.assertEqual(len(draft), len(plain))
        for number, (marked, unmarked) in enumerate(zip(draft, plain, strict=True), start=1):
            self.assertEqual(marked, (unmarked[0] + 1, unmarked[1] + 1), f"page {number}")

        manager = get_user_model().objects.get(username="manager")
        version = services.report_publish(report=self.report, user=manager)
        self.assertEqual(marks(version.pdf.read()), plain)
        self.assertNotIn("report-draft-mark", version.html)


class NarrativeParagraphTests(TestCase):
    def test_it_turns_numbered_lines_into_level_two_headings(self):
        text = (
            "总体情况如下：\n\n"
            "（一）主动公开\n"
            "（三）严守制度，密切回应社会公开需求。抓好条例的贯彻落实。\n"
            "（十二）这是一段很长的正文，没有句号，因而不是标题，而是普通的一段文字，照常排版即可，不加粗\n"
        )
        self.assertEqual(
            paragraphs(text),
            [
                Paragraph("", "总体情况如下："),
                Paragraph("（一）主动公开", ""),
                Paragraph("（三）严守制度，密切回应社会公开需求。", "抓好条例的贯彻落实。"),
                Paragraph(
                    "",
                    "（十二）这是一段很长的正文，没有句号，因而不是标题，而是普通的一段文字，照常排版即可，不加粗",
                ),
            ],
        )
