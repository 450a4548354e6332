"""Which files may be attached to an item, and how a stored file is sent.

An attachment must have an allowed extension AND start with the magic bytes of that extension's
family: a name alone proves nothing (``x.pdf`` may hold an HTML page). Web formats (HTML, SVG,
XML, scripts) are never accepted: served from the admin's origin they would run script with a
superuser's session. Every stored file is sent as a download with headers that stop a browser
from rendering or sniffing it (``sandbox_download``), including files stored before this check.
"""

import hashlib
import logging
import posixpath
from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render

logger = logging.getLogger(__name__)

PDF = b"%PDF-"
ZIP = b"PK\x03\x04"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound file: .doc .xls .wps .et
JPEG = b"\xff\xd8\xff"
PNG = b"\x89PNG\r\n\x1a\n"

# extension → (magic bytes its content must start with, Content-Type it is sent with)
ALLOWED = {
    "pdf": (PDF, "application/pdf"),
    "ofd": (ZIP, "application/ofd"),
    "doc": (OLE2, "application/msword"),
    "xls": (OLE2, "application/vnd.ms-excel"),
    "wps": (OLE2, "application/vnd.ms-works"),
    "et": (OLE2, "application/vnd.ms-excel"),
    "docx": (ZIP, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": (ZIP, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "jpg": (JPEG, "image/jpeg"),
    "jpeg": (JPEG, "image/jpeg"),
    "png": (PNG, "image/png"),
    "zip": (ZIP, "application/zip"),
}
ALLOWED_LABEL = "PDF、OFD、DOC、DOCX、XLS、XLSX、WPS、ET、JPG、PNG、ZIP"
UNKNOWN_TYPE = "application/octet-stream"
_HEAD = max(len(magic) for magic, _ in ALLOWED.values())


def extension(name: str) -> str:
    base = posixpath.basename(name or "")
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def max_bytes() -> int:
    return settings.ATTACHMENT_MAX_MB * 1024 * 1024


def check_upload(name: str, file) -> None:
    """Raise a ValidationError (in Chinese) unless ``file`` is an allowed type by both its name
    and its first bytes, and within ``ATTACHMENT_MAX_MB``. ``file`` is any Django File."""
    ext = extension(name)
    if ext not in ALLOWED:
        raise ValidationError(
            f"只能上传以下类型的附件：{ALLOWED_LABEL}（不接受网页、SVG、XML、脚本等文件）。",
            code="attachment_type",
        )
    if file.size is not None and file.size > max_bytes():
        raise ValidationError(
            f"附件不能超过 {settings.ATTACHMENT_MAX_MB} MB。", code="attachment_size"
        )
    magic, _ = ALLOWED[ext]
    if not _head(file).startswith(magic):
        raise ValidationError(
            f"附件内容与扩展名 .{ext} 不符，请上传真实的 {ext.upper()} 文件"
            f"（允许的类型：{ALLOWED_LABEL}）。",
            code="attachment_content",
        )


def _head(file) -> bytes:
    position = file.tell() if hasattr(file, "tell") else None
    file.seek(0)
    head = file.read(_HEAD)
    if position is not None:
        file.seek(position)
    return head if isinstance(head, bytes) else head.encode()


def content_type_for(name: str) -> str:
    """The type a stored file is sent with: an allowed type's own, else a plain byte stream (a
    legacy ``.html``/``.svg`` is never sent as a page or an image a browser would render)."""
    entry = ALLOWED.get(extension(name))
    return entry[1] if entry else UNKNOWN_TYPE


def sandbox_download(response):
    """Stop a browser from sniffing or running a stored file it was sent (every response that
    sends one goes through here)."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


class AlteredFile(Exception):
    """A sealed stored file (a published report's PDF) whose bytes no longer have the SHA-256 it
    was sealed with: it is never sent (``refuse_altered``)."""


def check_sealed(handle, sha256: str, *, name: str) -> None:
    """Hash an open stored file and compare it with the SHA-256 it was sealed with; a mismatch is
    logged (the path and both hashes) and raises ``AlteredFile``. The handle is rewound, so a
    caller that streams it sends the bytes that were checked (a file replaced on disk by a rename
    meanwhile is not what is sent)."""
    digest = hashlib.sha256()
    for chunk in handle.chunks():
        digest.update(chunk)
    handle.seek(0)
    found = digest.hexdigest()
    if found != sha256:
        logger.warning(
            "sealed file altered, refused: %s (sealed sha256 %s, stored file sha256 %s)",
            name,
            sha256,
            found,
        )
        raise AlteredFile(name)


def refuse_altered(view):
    """For a view that sends a sealed file: ``AlteredFile`` becomes a Chinese 503 page (the file
    exists but cannot be vouched for until it is restored), never the altered bytes."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except AlteredFile:
            response = render(request, "file_altered.html", status=503)
            response["Cache-Control"] = "no-store"
            return response

    return wrapped
