"""Documents published as fixed versions, re-checked against the SHA-256 they were sealed with
(``manage.py verify_published``, docs/operations.md "Verifying what was published").

Each kind of sealed document adds a *check* to ``SEALED_CHECKS``: a function that yields one
``Finding`` per stored part it re-hashed (a file, or a field kept in the database), with the
problem found or ``None``. This module checks the catalog's sealed attachments
(``Attachment.sha256``) itself. ``reports`` adds its published versions when it starts
(``ReportsConfig.ready``), so this app never imports it. Issued decision letters (答复书, issue
15) add theirs the same way once they are stored documents: ``register(LETTERS, check)``.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable, Iterator

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage

from .models import Attachment

ATTACHMENTS = "封存附件"
REPORTS = "年度报告"
LETTERS = "答复书"  # the extension point for issued letters (issue 15)


@dataclasses.dataclass(frozen=True)
class Finding:
    """One stored part of a sealed document, re-checked: ``problem`` is ``None`` when it still
    has its hash. ``part`` names the file (its path under MEDIA_ROOT) or the database field."""

    document: str
    part: str
    problem: str | None = None

    def __str__(self) -> str:
        return f"{self.part}（{self.document}）：{self.problem or '一致'}"


Check = Callable[[], Iterable[Finding]]
SEALED_CHECKS: dict[str, Check] = {}


def register(kind: str, check: Check) -> None:
    """Add (or replace) the check of one kind of sealed document."""
    SEALED_CHECKS[kind] = check


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def stored_file_problem(name: str, sealed: str) -> str | None:
    """What is wrong with the stored file ``name`` sealed with SHA-256 ``sealed``, or ``None``."""
    if not sealed:
        return "没有记录封存的校验和"
    if not name:
        return "没有存储文件"
    digest = hashlib.sha256()
    try:
        with default_storage.open(name, "rb") as handle:
            for chunk in handle.chunks():
                digest.update(chunk)
    except (FileNotFoundError, IsADirectoryError):
        return "文件缺失"
    except (OSError, SuspiciousFileOperation) as error:
        return f"文件无法读取（{error.__class__.__name__}）"
    return hash_problem(sealed, digest.hexdigest())


def hash_problem(sealed: str, found: str) -> str | None:
    """The Chinese description of a hash that differs from the sealed one, or ``None``."""
    if not sealed:
        return "没有记录封存的校验和"
    if found == sealed:
        return None
    return f"SHA-256 与封存时不符（封存 {sealed}，现在 {found}）"


def sealed_attachments() -> Iterator[Finding]:
    """Every sealed attachment of the catalog (a published report's PDF, …): its file still
    has the hash it was sealed with."""
    sealed = Attachment.objects.exclude(sha256="").select_related("disclosure").order_by("pk")
    for attachment in sealed.iterator():
        document = f"“{attachment.disclosure.title}”的附件“{attachment}”"
        yield Finding(
            document,
            attachment.file.name,
            stored_file_problem(attachment.file.name, attachment.sha256),
        )


@dataclasses.dataclass
class Verification:
    """What ``verify_all`` checked: the number of parts per kind, and the problems found."""

    checked: dict[str, int]
    problems: list[Finding]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_all() -> Verification:
    """Run every registered check; nothing is written."""
    checked: dict[str, int] = {}
    problems: list[Finding] = []
    for kind, check in SEALED_CHECKS.items():
        checked[kind] = 0
        for finding in check():
            checked[kind] += 1
            if finding.problem:
                problems.append(finding)
    return Verification(checked=checked, problems=problems)


register(ATTACHMENTS, sealed_attachments)
