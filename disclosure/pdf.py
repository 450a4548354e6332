"""HTML → PDF with WeasyPrint. The one place that knows how PDFs are made."""

import logging

from django.conf import settings
from django.template.loader import render_to_string


class WeasyPrintWarnings(logging.Handler):
    """Collects what the ``weasyprint`` logger says during a render (a missing glyph or font
    only shows up there); tests assert it stays empty."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported lazily: it loads Pango, slow at start-up

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a print template (a full ``<html lang="zh-CN">`` document) to PDF bytes."""
    return html_to_pdf(render_to_string(template_name, context))
