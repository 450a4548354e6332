"""The report as Word (.docx): read back with python-docx, its table cells are report_data's; the
GB/T 9704 page, East Asian fonts, merged headers and "— 1 —" page numbers; 草稿 on a draft only;
the admin download and ``report_docx``; LibreOffice converts it to PDF (slow)."""

import datetime
import io
import itertools
import json
import shutil
import subprocess
import tempfile
import unittest
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm

from disclosure.models import ApplicantType, DisclosureRequest, Outcome
from reports import labels, services
from reports.document import report_document
from reports.models import Report
from reports.word import render_report_docx
from tests.factories import (
    log_in,
    make_agency,
    make_case,
    make_clerk,
    make_manager,
    make_request,
)

D = datetime.date


def read_docx(content: bytes):
    return Document(io.BytesIO(content))


def unique_cells(row) -> list:
    """A row's cells, a merged cell once (python-docx repeats it for each grid column)."""
    seen, cells = set(), []
    for cell in row.cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            cells.append(cell)
    return cells


def header_text(section) -> str:
    return "".join(p.text for p in section.header.paragraphs)


class ReportDocxTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency(code="mj", name="某市某局")
        cls.manager = make_manager("manager", cls.agency)
        cls.clerk = make_clerk("clerk", cls.agency)
        # Different figures in many cells, so that a shifted column or row shows.
        n = itertools.count()
        requests = []
        for i, (applicant, outcome) in enumerate(
            itertools.product(ApplicantType.values, Outcome.values[::3])
        ):
            for k in range(1 + i % 3):
                requests.append(
                    DisclosureRequest(
                        agency=cls.agency,
                        number=f"R{next(n)}",
                        received_on=D(2021, 1 + (i + k) % 12, 5),
                        applicant_type=applicant,
                        outcome=outcome,
                        decided_on=D(2021, 1 + (i + k) % 12, 20),
                    )
                )
        requests.append(
            DisclosureRequest(
                agency=cls.agency,
                number="OPEN",
                received_on=D(2021, 12, 28),
                applicant_type="commercial",
            )
        )
        DisclosureRequest.objects.bulk_create(requests)
        make_case(cls.agency, filed_on=D(2021, 5, 1), result="upheld", concluded_on=D(2021, 6, 1))
        cls.report = Report.objects.create(
            agency=cls.agency,
            year=2021,
            template="2021",
            introduction="特向社会公布本年度报告。",
            overview="（一）主动公开\n本年度主动公开工作正常开展。",
            problems="无。",
            other_matters="2021年度本机关未收取信息处理费。",
        )

    def _docx(self, *args: str):
        folder = Path(self.enterContext(tempfile.TemporaryDirectory()))
        path = folder / "r.docx"
        out = StringIO()
        call_command(
            "report_docx", "--agency", "mj", "--year", "2021", *args, "-o", str(path), stdout=out
        )
        self.assertIn("已写入", out.getvalue())
        return read_docx(path.read_bytes())

    def _report_data(self, *args: str) -> dict:
        out = StringIO()
        call_command("report_data", "--agency", "mj", "--year", "2021", *args, stdout=out)
        return json.loads(out.getvalue())

    def test_it_writes_every_table_cell_as_report_data_has_it(self):
        for template in ("2021", "2019"):
            with self.subTest(template=template):
                word = self._docx("--template", template, "--scope", "own")
                data = self._report_data("--template", template)
                table2, table3, table4 = word.tables
                # Table 三: three header rows, then one row per row of the data, in order, the
                # seven figures last (the label cells merged across the rows before).
                body = table3.rows[3:]
                self.assertEqual(len(body), len(data["table3"]["rows"]))
                for row, expected in zip(body, data["table3"]["rows"], strict=True):
                    cells = [c.text for c in row.cells]
                    self.assertEqual(cells[-7:], [str(v) for v in expected["values"]])
                    self.assertIn(expected["label"], cells[:3])
                self.assertGreater(data["table3"]["rows"][0]["values"][-1], 20)
                # Table 四: one row of 15 figures under three header rows.
                figures = [c.text for c in table4.rows[3].cells]
                expected = [str(v) for row in data["table4"]["rows"] for v in row["values"]]
                self.assertEqual(figures, expected)
                self.assertIn("1", figures)
                # Table 二: each data row's label, then its values in the field order.
                for block in labels.TABLE2_BLOCKS[template]:
                    for key, label in block.rows:
                        (row,) = [r for r in table2.rows if r.cells[0].text == label]
                        values = [c.text.removesuffix(" 万元") for c in unique_cells(row)[1:]]
                        wanted = [str(data["table2"][key][f]) for f in block.fields]
                        self.assertEqual(values, wanted, key)

    def test_it_lays_out_the_page_after_gbt_9704(self):
        word = self._docx()
        section = word.sections[0]
        for got, mm in (
            (section.page_width, 210),
            (section.page_height, 297),
            (section.top_margin, 37),
            (section.bottom_margin, 35),
            (section.left_margin, 28),
            (section.right_margin, 26),
        ):
            self.assertAlmostEqual(got, Mm(mm), delta=Mm(0.1))
        self.assertTrue(word.settings.odd_and_even_pages_header_footer)
        for footer, alignment in ((section.footer, "right"), (section.even_page_footer, "left")):
            xml = footer._element.xml
            self.assertIn('w:instr=" PAGE "', xml)
            (paragraph,) = footer.paragraphs
            shown = "".join(t.text for t in paragraph._p.iter(qn("w:t")))
            self.assertEqual(shown, "— 1 —")  # "1": the field's value until Word updates it
            self.assertEqual(paragraph.alignment.name.lower(), alignment)
        title = word.paragraphs[0]
        self.assertEqual(title.text, "某市某局2021年政府信息公开工作年度报告")
        self.assertEqual(title.runs[0].font.size.pt, 22)
        headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
        self.assertEqual(
            headings,
            [
                labels.SECTION_OVERVIEW,
                labels.SECTION_PROACTIVE,
                labels.SECTION_REQUESTS,
                labels.SECTION_CASES,
                labels.SECTION_PROBLEMS,
                labels.SECTION_OTHER,
            ],
        )

    def test_it_declares_the_chinese_fonts_for_east_asian_text(self):
        word = self._docx()
        styles = {s.name: s for s in word.styles}

        def east_asia(element):
            fonts = element.find(qn("w:rPr")).find(qn("w:rFonts"))
            return fonts.get(qn("w:eastAsia")), fonts.get(qn("w:eastAsiaTheme"))

        self.assertEqual(east_asia(styles["Normal"].element), ("仿宋", None))
        self.assertEqual(east_asia(styles["Heading 1"].element), ("黑体", None))
        self.assertEqual(east_asia(styles["Heading 2"].element), ("楷体", None))
        lang = styles["Normal"].element.find(qn("w:rPr")).find(qn("w:lang"))
        self.assertEqual(lang.get(qn("w:eastAsia")), "zh-CN")
        # Every run that names its fonts names the East Asian one.
        body = word.element.body
        fonts = body.iter(qn("w:rFonts"))
        self.assertTrue(all(f.get(qn("w:eastAsia")) for f in fonts))
        self.assertEqual(east_asia(word.paragraphs[0].runs[0]._r), ("方正小标宋简体", None))

    def test_it_merges_the_header_cells_of_tables_3_and_4_and_repeats_them(self):
        word = self._docx()
        _table2, table3, table4 = word.tables
        note = table3.cell(0, 0)
        self.assertIs(note._tc, table3.cell(2, 2)._tc)  # 3 columns × 3 rows
        self.assertEqual(note.text, labels.TABLE3_NOTE)
        self.assertEqual(table3.cell(0, 3).text, labels.TABLE3_APPLICANTS)
        self.assertIs(table3.cell(0, 3)._tc, table3.cell(0, 9)._tc)
        self.assertIs(table3.cell(1, 3)._tc, table3.cell(2, 3)._tc)  # 自然人 over two rows
        self.assertIs(table3.cell(3 + 2, 0)._tc, table3.cell(3 + 23, 0)._tc)  # 三、本年度办理结果
        self.assertIs(table4.cell(0, 0)._tc, table4.cell(0, 4)._tc)  # 行政复议 over five
        self.assertIs(table4.cell(1, 0)._tc, table4.cell(2, 0)._tc)  # 结果维持 over two rows
        repeated = [r for r in table3.rows if r._tr.trPr.find(qn("w:tblHeader")) is not None]
        self.assertEqual(len(repeated), 3)

    def test_it_marks_a_draft_and_never_the_published_version(self):
        url = reverse("admin:reports_report_docx", args=[self.report.pk])
        log_in(self.client, self.manager)
        response = self.client.get(url)
        self.assertEqual(
            response["Content-Type"],
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        self.assertIn("草稿", header_text(read_docx(response.content).sections[0]))

        services.report_publish(report=self.report, user=self.manager)
        response = self.client.get(url)
        word = read_docx(response.content)
        self.assertNotIn("草稿", header_text(word.sections[0]))
        self.assertNotIn(
            "草稿", "".join(p.text for p in word.sections[0].even_page_header.paragraphs)
        )
        self.assertNotIn("draft", response["Content-Disposition"])

        # A narrative saved after publishing is a draft again (of a correction).
        services.report_save_narrative(report=self.report, user=self.manager, problems="有改动。")
        response = self.client.get(url)
        self.assertIn("草稿", header_text(read_docx(response.content).sections[0]))

    def test_a_clerk_may_download_it_and_another_agency_may_not(self):
        url = reverse("admin:reports_report_docx", args=[self.report.pk])
        log_in(self.client, self.clerk)
        self.assertEqual(self.client.get(url).status_code, 200)
        log_in(self.client, make_manager("outsider", make_agency()))
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_the_preview_offers_the_word_file_next_to_the_pdf(self):
        log_in(self.client, self.manager)
        page = self.client.get(reverse("admin:reports_report_preview", args=[self.report.pk]))
        content = page.content.decode()
        pdf = content.index(reverse("admin:reports_report_pdf", args=[self.report.pk]))
        word = content.index(reverse("admin:reports_report_docx", args=[self.report.pk]))
        self.assertLess(0, word - pdf)
        self.assertLess(word - pdf, 300)

    @pytest.mark.slow
    @unittest.skipUnless(shutil.which("soffice"), "LibreOffice (soffice) not installed: bin/setup")
    def test_libreoffice_converts_it_to_pdf(self):
        document = report_document(agency=self.agency, year=2021, report=self.report)
        folder = Path(self.enterContext(tempfile.TemporaryDirectory()))
        source = folder / "report.docx"
        source.write_bytes(render_report_docx(document, draft=False))
        result = subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{folder}/profile",  # no clash with another run
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(folder),
                str(source),
            ],
            capture_output=True,
            text=True,
            timeout=180,
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        pdf = folder / "report.pdf"
        self.assertTrue(pdf.exists(), result.stdout + result.stderr)
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        flat = "".join(text.split())
        self.assertIn("某市某局2021年政府信息公开工作年度报告", flat)
        self.assertIn("一、本年新收政府信息公开申请数量", flat)
        self.assertIn(labels.SECTION_OTHER, flat)
        pages = text.split("\f")[:-1]
        self.assertGreaterEqual(len(pages), 2)
        for number, page in enumerate(pages, start=1):
            self.assertRegex(page, rf"—\s?{number}\s?—")


class ConsolidatedDocxTests(TestCase):
    def test_it_ends_a_consolidated_report_with_the_units_appendix(self):
        parent = make_agency(code="gov", name="某区人民政府办公室")
        units = [make_agency(name=f"某区第{i}局", parent=parent) for i in (1, 2)]
        for i, unit in enumerate(units, start=1):
            for _ in range(i):
                make_request(
                    unit, received_on=D(2021, 3, 1), outcome="granted", decided_on=D(2021, 3, 5)
                )
        folder = Path(self.enterContext(tempfile.TemporaryDirectory()))
        path = folder / "gov.docx"
        call_command(
            "report_docx",
            *("--agency", "gov", "--year", "2021", "--scope", "consolidated", "-o", str(path)),
            stdout=StringIO(),
        )
        word = read_docx(path.read_bytes())
        self.assertIn(
            "附：各单位政府信息公开申请和行政复议、行政诉讼情况", [p.text for p in word.paragraphs]
        )
        appendix = word.tables[-1]
        rows = [[c.text for c in row.cells] for row in appendix.rows]
        self.assertEqual(rows[0][:2], ["单位", "本年新收申请"])
        self.assertEqual(rows[1][:2], ["某区人民政府办公室（本级）", "0"])
        self.assertEqual(rows[2][:3], ["某区第1局", "1", "1"])
        self.assertEqual(rows[3][:3], ["某区第2局", "2", "2"])
        self.assertEqual(rows[-1][:3], ["合计", "3", "3"])
        table3 = word.tables[1]
        self.assertEqual(table3.rows[3].cells[-1].text, "3")  # 一、本年新收 总计
