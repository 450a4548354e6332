"""The published report versions, re-checked for ``manage.py verify_published``: each version's
PDF file, data and HTML against the SHA-256 stored when it was published, and its catalog
attachment against the version (added to ``disclosure.records.sealed.SEALED_CHECKS`` by
``ReportsConfig.ready``)."""

from collections.abc import Iterator

from disclosure.records.sealed import Finding, hash_problem, sha256_hex, stored_file_problem

from .models import ReportVersion
from .services import canonical_json


def report_versions() -> Iterator[Finding]:
    """Four findings per published version: the PDF, the data, the HTML and the catalog
    attachment. The attachment's own file is re-hashed by the sealed-attachments check; here it
    must be sealed with this version's PDF hash and belong to this version's catalog item, so
    that both together prove the catalog sends the version's PDF."""
    versions = ReportVersion.objects.select_related("agency", "attachment").order_by(
        "agency__code", "year", "version"
    )
    for version in versions.iterator():
        document = f"{version}（{version.agency.code}，第{version.version}版）"
        yield Finding(
            document, version.pdf.name, stored_file_problem(version.pdf.name, version.pdf_sha256)
        )
        yield Finding(
            document,
            f"ReportVersion #{version.pk} 报告数据（data）",
            hash_problem(version.data_sha256, sha256_hex(canonical_json(version.data))),
        )
        yield Finding(
            document,
            f"ReportVersion #{version.pk} 报告正文（html）",
            hash_problem(version.html_sha256, sha256_hex(version.html.encode())),
        )
        yield _catalog_attachment(document, version)


def _catalog_attachment(document: str, version: ReportVersion) -> Finding:
    attachment = version.attachment
    if attachment is None:
        return Finding(document, f"ReportVersion #{version.pk} 目录附件", "没有目录附件")
    part = attachment.file.name
    if attachment.disclosure_id != version.disclosure_id:
        return Finding(document, part, "目录附件不在本报告的主动公开条目中")
    if attachment.sha256 != version.pdf_sha256:
        return Finding(
            document,
            part,
            f"目录附件不是本版本的PDF（附件封存 {attachment.sha256 or '无'}，"
            f"本版本PDF {version.pdf_sha256}）",
        )
    return Finding(document, part)
