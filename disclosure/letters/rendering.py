"""A letter as a page: the HTML the preview and the PDF share, the PDF (WeasyPrint, GB/T 9704
page) and the Word file (python-docx). Each is made from the ``Letter``'s own fields only, so an
issued letter renders as it was issued whatever the record says now."""

from __future__ import annotations

import io

from disclosure.pdf import render_pdf

from .models import Letter
from .wording import chinese_date

DRAFT_MARK = "草稿（未签发，不得发出）"


def letter_context(letter: Letter) -> dict:
    """What ``disclosure/letters/_body.html`` prints. The last paragraph goes with the closing
    and the signature into one block that a page break never splits."""
    *paragraphs, last = letter.paragraphs or [""]
    return {
        "draft": not letter.is_issued,
        "draft_mark": DRAFT_MARK,
        "title": letter.title,
        "number": letter.number,
        "addressee": letter.addressee,
        "paragraphs": paragraphs,
        "last_paragraph": last,
        "closing": letter.closing,
        "signer": letter.signer,
        "signed_on": chinese_date(letter.dated),
        "contact": letter.contact,
    }


def letter_pdf(letter: Letter) -> bytes:
    return render_pdf("disclosure/letters/letter.html", letter_context(letter))


# GB/T 9704-2012 in Word: A4, margins 37/35/28/26 mm, 仿宋 三号 (16 pt) on a 28 pt line, the
# title in 小标宋 二号 (22 pt); the fonts are the ones Chinese offices have.
BODY_FONT, TITLE_FONT = "仿宋", "宋体"
BODY_PT, TITLE_PT, SMALL_PT, LINE_PT = 16, 22, 12, 28


def letter_docx(letter: Letter) -> bytes:
    """The letter as a .docx: the same text, the same keep-together rule (the last paragraph,
    the closing and the signature are kept with the next paragraph)."""
    from docx import Document  # imported lazily: python-docx loads lxml's whole tree API
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    context = letter_context(letter)
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    _page_number_footer(section.footer.paragraphs[0])
    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _east_asian_font(normal.element, BODY_FONT)
    normal.paragraph_format.line_spacing = Pt(LINE_PT)
    normal.paragraph_format.space_after = Pt(0)

    def paragraph(text, *, align=None, size=None, bold=False, indent=False, keep=False, font=None):
        p = document.add_paragraph()
        run = p.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if font:
            _east_asian_font(run._element, font)
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
        p.paragraph_format.keep_with_next = keep
        return p

    center, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
    if context["draft"]:
        paragraph(DRAFT_MARK, align=center, size=SMALL_PT, bold=True)
    paragraph(context["signer"], align=center)
    paragraph(context["title"], align=center, size=TITLE_PT, bold=True, font=TITLE_FONT)
    paragraph(context["number"] or "（文号：签发时编号）", align=center)
    paragraph(f"{context['addressee']}：")
    for text in context["paragraphs"]:
        paragraph(text, indent=True)
    paragraph(context["last_paragraph"], indent=True, keep=True)
    paragraph(context["closing"], indent=True, keep=True)
    paragraph(context["signer"], align=right, keep=True)
    paragraph(context["signed_on"], align=right, keep=bool(context["contact"]))
    if context["contact"]:
        paragraph(f"（{context['contact']}）", size=SMALL_PT)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _east_asian_font(element, name: str) -> None:
    """Word picks the font of Chinese characters from w:eastAsia, not from the font name."""
    from docx.oxml.ns import qn

    r_pr = element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attribute), name)


def _page_number_footer(paragraph) -> None:
    """ "— 1 —" centred, as the PDF has (a PAGE field)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("— ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._element.append(element)
    paragraph.add_run(" —")
