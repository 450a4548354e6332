"""The report as an editable Word file (.docx), with python-docx: the office edits it, the head
signs it off, it is stamped and filed upward.

Formatting only, like ``reports.render``: the same ``ReportDocument`` and the same cells
(``table2_blocks``, ``table3_rows``, ``table4_values``) as the PDF, laid out after GB/T 9704-2012
(../shared/docs/annual-report-format.md §5): A4, 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm; 3号
(16 pt) 仿宋 body on a fixed 28.9 pt line (22 lines a page), 2号 小标宋 title, "一、" headings in
黑体, "（一）" in 楷体; tables in 五号; page numbers "— 1 —" in 4号 宋体, odd pages right and even
pages left. Every run names its Chinese font in ``w:eastAsia`` (Word, WPS and LibreOffice pick
the East Asian font from there, not from ``w:ascii``) and the text is marked ``zh-CN``.

python-docx has no API for a page-number field, the East Asian font, a repeated table header or
a row that must not split: those few attributes are set on its XML elements (``OxmlElement``).
"""

from __future__ import annotations

import datetime
import io

from docx import Document
from docx.enum.section import WD_SECTION_START
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from . import labels
from .document import ReportDocument
from .narrative import paragraphs
from .render import DRAFT_MARK, Cell, table2_blocks, table3_rows, table4_values

# Fonts by their names in Chinese Windows and WPS (LibreOffice substitutes what it lacks).
FANGSONG = "仿宋"
HEITI = "黑体"
KAITI = "楷体"
SONGTI = "宋体"
TITLE_FONT = "方正小标宋简体"
LATIN = "Times New Roman"

BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
PAGE_NUMBER_PT = 14  # 四号
TABLE_PT = 10.5  # 五号
TABLE4_PT = 9  # 小五: table 四 has 15 figure columns on 156 mm
LINE_PT = 28.9  # 225 mm / 22 lines
TEXT_WIDTH_MM = 156

TABLE_STYLE = "报告表格"
TABLE4_STYLE = "报告表格（小）"

MIME_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _fonts(run_or_style, east_asia: str, *, latin: str = LATIN) -> None:
    """Name the Latin and the East Asian font of a run or style (``w:rFonts``)."""
    font = run_or_style.font
    font.name = latin
    r_pr = run_or_style.element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, r_fonts)
    # A theme font (Word's heading styles have them) would win over the names: drop it.
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        r_fonts.attrib.pop(qn(theme), None)
    r_fonts.set(qn("w:eastAsia"), east_asia)
    r_fonts.set(qn("w:hint"), "eastAsia")


def _run(paragraph, text: str, east_asia: str = FANGSONG, *, size=None, bold=False, **kwargs):
    run = paragraph.add_run(text)
    _fonts(run, east_asia, **kwargs)
    run.font.bold = bold
    if size is not None:
        run.font.size = Pt(size)
    return run


def _exact_lines(paragraph, points: float) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(points)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


def _setup(word, document: ReportDocument) -> None:
    section = word.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    # The page number's 一字线 sits 7 mm below the 版心 (35 mm from the foot of the page).
    section.footer_distance = Mm(35 - 7 - 5)
    section.header_distance = Mm(15)
    word.settings.odd_and_even_pages_header_footer = True

    normal = word.styles["Normal"]
    _fonts(normal, FANGSONG)
    normal.font.size = Pt(BODY_PT)
    r_pr = normal.element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    r_pr.append(lang)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT)
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.widow_control = True
    for name, font in (("Heading 1", HEITI), ("Heading 2", KAITI)):
        # Word's own heading styles, so that its navigation pane lists the sections.
        style = word.styles[name]
        _fonts(style, font)
        style.font.size = Pt(BODY_PT)
        style.font.bold = False
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.first_line_indent = Pt(2 * BODY_PT)
        style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        style.paragraph_format.line_spacing = Pt(LINE_PT)
        style.paragraph_format.space_before = style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.keep_with_next = True

    for name, size in ((TABLE_STYLE, TABLE_PT), (TABLE4_STYLE, TABLE4_PT)):
        # One paragraph style for the table cells, rather than the same format on 300 cells.
        style = word.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.size = Pt(size)
        style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        style.paragraph_format.line_spacing = Pt(size * 1.35)
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

    properties = word.core_properties
    properties.title = document.title
    properties.author = document.agency.name
    properties.last_modified_by = document.agency.name
    properties.comments = ""
    properties.keywords = "政府信息公开工作年度报告"
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0, tzinfo=None)
    properties.created = properties.modified = now
    properties.revision = 1


def _page_number(footer, *, odd: bool) -> None:
    """ "— 1 —" with a PAGE field: odd pages right, even pages left, one character in."""
    paragraph = footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    fmt = paragraph.paragraph_format
    if odd:
        fmt.right_indent = Pt(PAGE_NUMBER_PT)
    else:
        fmt.left_indent = Pt(PAGE_NUMBER_PT)
    _run(paragraph, "— ", SONGTI, size=PAGE_NUMBER_PT, latin=SONGTI)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), " PAGE ")
    paragraph._p.append(field)
    number = _run(paragraph, "1", SONGTI, size=PAGE_NUMBER_PT, latin=SONGTI)
    field.append(number._r)  # the cached value, replaced by the page number on display
    _run(paragraph, " —", SONGTI, size=PAGE_NUMBER_PT, latin=SONGTI)


def _draft_header(header) -> None:
    paragraph = header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = _run(paragraph, DRAFT_MARK, HEITI, size=BODY_PT, bold=True)
    run.font.color.rgb = RGBColor(0xC0, 0, 0)
    _run(paragraph, "（未发布，仅供审核）", HEITI, size=10.5).font.color.rgb = RGBColor(0xC0, 0, 0)


def _headers_and_footers(word, *, draft: bool) -> None:
    section = word.sections[0]
    _page_number(section.footer, odd=True)
    _page_number(section.even_page_footer, odd=False)
    if draft:
        _draft_header(section.header)
        _draft_header(section.even_page_header)


def _title(word, text: str) -> None:
    paragraph = word.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _exact_lines(paragraph, 36)
    paragraph.paragraph_format.space_after = Pt(LINE_PT)
    paragraph.paragraph_format.keep_with_next = True
    _run(paragraph, text, TITLE_FONT, size=TITLE_PT)


def _heading(word, text: str) -> None:
    paragraph = word.add_paragraph(style="Heading 1")
    _run(paragraph, text, HEITI)


def _narrative(word, text: str) -> None:
    for item in paragraphs(text):
        if item.heading and not item.text:
            _run(word.add_paragraph(style="Heading 2"), item.heading, KAITI)
            continue
        paragraph = word.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(2 * BODY_PT)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if item.heading:
            _run(paragraph, item.heading, KAITI)
        _run(paragraph, item.text)


# --- Tables ----------------------------------------------------------------------------------


def _table(word, rows: int, widths_mm: list[float]):
    table = word.add_table(rows=rows, cols=len(widths_mm))
    table.style = word.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _cell_margins(table, 0.8)
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))  # a row never splits across pages
    return table


def _cell_margins(table, mm: float) -> None:
    """Narrow left and right cell margins (Word's default 1.9 mm leaves a 10 mm column room for
    one character a line)."""
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(round(mm * 56.7)))  # twentieths of a point
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    # In the schema's order (before tblLook): Word refuses a file whose elements are not.
    table._tbl.tblPr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription")


def _keep_with_next(table, rows) -> None:
    """A page may not break after these rows: Word keeps a row with the next one when its
    paragraphs are "keep with next"."""
    for index in rows:
        for cell in table.rows[index].cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True


def _repeat_header(table, count: int) -> None:
    """The first ``count`` rows repeat at the top of each page the table continues on."""
    for row in table.rows[:count]:
        row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def _write(cell, text: str, *, style_id: str, bold: bool = False, left: bool = False) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    paragraph = cell.paragraphs[0]
    # By id: python-docx looks a style name up among all styles on every assignment.
    paragraph._p.style = style_id
    if left:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    paragraph.add_run(text).bold = bold or None


def _place(table, first_row: int, rows: list[list[Cell]], *, style: str) -> None:
    """Put ``Cell`` rows (with colspans and rowspans, as in the HTML) onto the table's grid,
    starting at ``first_row``: each text into its top-left grid cell, then the spanned cells
    merged (python-docx finds a cell by walking the whole table, so the grid is read once)."""
    grid = [table.rows[r].cells for r in range(first_row, first_row + len(rows))]
    style_id = table.part.document.styles[style].style_id
    taken: set[tuple[int, int]] = set()
    merges = []
    for r, cells in enumerate(rows):
        c = 0
        for cell in cells:
            while (r, c) in taken:
                c += 1
            left = "report-label" in cell.css or "report-note" in cell.css
            bold = cell.header or "total" in cell.css
            _write(grid[r][c], cell.text, style_id=style_id, bold=bold, left=left)
            if cell.colspan > 1 or cell.rowspan > 1:
                merges.append((grid[r][c], grid[r + cell.rowspan - 1][c + cell.colspan - 1]))
            taken.update(
                (r + dr, c + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan)
            )
            c += cell.colspan
    for top_left, bottom_right in merges:
        top_left.merge(bottom_right)


def _table2(word, document: ReportDocument) -> None:
    """Table 二; a page breaks only between its blocks (第二十条第（一）项 …), as in the PDF."""
    blocks = table2_blocks(document.data)
    rows = [row for block in blocks for row in block]
    item = 52.0
    table = _table(word, len(rows), [item] + [(TEXT_WIDTH_MM - item) / 3] * 3)
    _place(table, 0, rows, style=TABLE_STYLE)
    start = 0
    for block in blocks:
        _keep_with_next(table, range(start, start + len(block) - 1))
        start += len(block)


def _table3(word, document: ReportDocument) -> None:
    data = document.data
    columns = [labels.TABLE3_COLUMN_LABELS[c] for c in labels.TABLE3_COLUMNS]
    head = [
        [
            Cell(labels.TABLE3_NOTE, colspan=3, rowspan=3, css="report-note"),
            Cell(labels.TABLE3_APPLICANTS, colspan=7, header=True),
        ],
        [
            Cell(columns[0], rowspan=2, header=True),
            Cell(labels.TABLE3_LEGAL_PERSONS, colspan=5, header=True),
            Cell(labels.TABLE3_TOTAL_COLUMN, rowspan=2, header=True),
        ],
        [Cell(c, header=True) for c in columns[1:6]],
    ]
    body = table3_rows(data)
    number = 10.0
    label = TEXT_WIDTH_MM - 8 - 19 - number * len(columns)
    table = _table(word, len(head) + len(body), [8, 19, label] + [number] * len(columns))
    _place(table, 0, head, style=TABLE_STYLE)
    _place(table, len(head), body, style=TABLE_STYLE)
    _repeat_header(table, len(head))
    # As in the PDF: not one or two rows at the foot of a page, nor at the head of the next.
    last = len(head) + len(body) - 1
    _keep_with_next(table, [*range(len(head) + 2), last - 2, last - 1])


def _table4(word, document: ReportDocument) -> None:
    results = [labels.TABLE4_COLUMN_LABELS[c] for c in labels.TABLE4_COLUMNS]
    head = [
        [
            Cell(labels.TABLE4_REVIEW, colspan=5, header=True),
            Cell(labels.TABLE4_LITIGATION, colspan=10, header=True),
        ],
        [
            *(Cell(h, rowspan=2, header=True) for h in results),
            Cell(labels.TABLE4_ROW_LABELS["litigation_direct"], colspan=5, header=True),
            Cell(labels.TABLE4_ROW_LABELS["litigation_after_review"], colspan=5, header=True),
        ],
        [Cell(h, header=True) for h in results * 2],
    ]
    values = table4_values(document.data)
    table = _table(word, len(head) + 1, [TEXT_WIDTH_MM / len(values)] * len(values))
    _place(table, 0, [*head, values], style=TABLE4_STYLE)
    _repeat_header(table, len(head))
    _keep_with_next(table, range(len(head)))


UNITS_HEADING = (
    "附：各单位政府信息公开申请和行政复议、行政诉讼情况"  # as templates/reports/_units.html
)
UNITS_COLUMNS = ("单位", "本年新收申请", "本年办结", "结转下年度", "行政复议", "行政诉讼")


def _units(word, document: ReportDocument) -> None:
    """The appendix of a consolidated report: each unit's key figures and the 合计 row."""
    data = document.data

    def figures(unit) -> list[str]:
        values = (unit.received, unit.answered, unit.carried_forward, unit.review, unit.litigation)
        return [str(v) for v in values]

    rows = [[Cell(c, header=True) for c in UNITS_COLUMNS]]
    for unit in data.units:
        name = "　" * max(unit.depth - 1, 0) + unit.agency_name
        name += ("（本级）" if unit.depth == 0 else "") + ("*" if unit.typed else "")
        rows.append([Cell(name, css="report-label"), *(Cell(v) for v in figures(unit))])
    rows.append(
        [Cell("合计", css="report-label"), *(Cell(v, css="total") for v in figures(data.summary))]
    )
    _heading(word, UNITS_HEADING)
    name_mm = 56.0
    table = _table(word, len(rows), [name_mm] + [(TEXT_WIDTH_MM - name_mm) / 5] * 5)
    _place(table, 0, rows, style=TABLE_STYLE)
    _repeat_header(table, 1)
    note = "注：本年办结含上年结转的申请；行政诉讼含直接起诉和复议后起诉。"
    if data.typed_units:
        note += "带*的单位，数据按其纸质报告录入。"
    if data.left_out:
        note += (
            "未计入：" + "、".join(name for name, _template in data.left_out) + "（表格格式不同）。"
        )
    _note(word, note)


def _note(word, text: str) -> None:
    paragraph = word.add_paragraph(text, style=TABLE_STYLE)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    paragraph.paragraph_format.space_before = Pt(3)


# --- The document ----------------------------------------------------------------------------


def render_report_docx(document: ReportDocument, *, draft: bool) -> bytes:
    """The .docx of the report; ``draft`` puts 草稿 in the header of every page."""
    word = Document()
    _setup(word, document)
    _headers_and_footers(word, draft=draft)
    narrative = document.narrative
    _title(word, document.title)
    _narrative(word, narrative.introduction)
    _heading(word, labels.SECTION_OVERVIEW)
    _narrative(word, narrative.overview)
    _heading(word, labels.SECTION_PROACTIVE)
    _table2(word, document)
    _heading(word, labels.SECTION_REQUESTS)
    _table3(word, document)
    _heading(word, labels.SECTION_CASES)
    _table4(word, document)
    _note(word, labels.TABLE4_NOTE)
    _heading(word, labels.SECTION_PROBLEMS)
    _narrative(word, narrative.problems)
    _heading(word, labels.SECTION_OTHER)
    _narrative(word, narrative.other_matters)
    if document.data.consolidated:
        _units(word, document)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()
