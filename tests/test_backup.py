"""Backup and restore (docs/operations.md), through ``manage.py`` in subprocesses as an operator
runs them: the demo (a stored attachment and a published report included) restores into a fresh
database and media folder with every row and every file identical; a damaged backup, a backup
from newer code, other personal-data keys and a non-empty target are refused.

On SQLite always (files in a temporary folder); on PostgreSQL too when DATABASE_URL points at
one: scratch databases ``restore_test_<random>_<role>`` created on that server and dropped at the
end, never the suite's own test database.
"""

import base64
import dataclasses
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import psycopg2
import pytest

ROOT = Path(__file__).resolve().parent.parent
SUITE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRESQL = SUITE_URL.startswith(("postgres://", "postgresql://", "pgsql://"))
# Each run of the suite (bin/test: SQLite, then PostgreSQL) tests its own backend.
BACKEND = "postgresql" if ON_POSTGRESQL else "sqlite"
ATTACHMENT = "attachments/seed/实施细则.pdf"

# Run in the source site: the demo, one attachment, the demo report published and one letter
# issued (their PDFs are stored under MEDIA_ROOT, their hashes in the database).
SEED = f"""
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from disclosure.devtools.demo import AGENCY_CODE, load_demo
from disclosure.devtools.demo_report import load_demo_report
from disclosure.records.models import Agency, Attachment, Disclosure
from reports.services import report_publish
from tests.factories import SMALL_PDF

load_demo()
agency = Agency.objects.get(code=AGENCY_CODE)
item = Disclosure.objects.filter(agency=agency).order_by("pk").first()
name = default_storage.save({ATTACHMENT!r}, ContentFile(SMALL_PDF))
Attachment.objects.create(disclosure=item, title="实施细则", file=name)
manager = get_user_model().objects.get(username="manager")
report_publish(report=load_demo_report(agency), user=manager)
# An issued letter: its PDF is stored under MEDIA_ROOT, its SHA-256 in the database.
from disclosure.letters.services import letter_draft_create, letter_issue
from disclosure.models import DisclosureRequest
request = DisclosureRequest.objects.filter(agency=agency).order_by("pk").first()
letter_issue(letter=letter_draft_create(request=request, kind="receipt"), user=manager)
"""


@dataclasses.dataclass
class Site:
    """One installation: a database, a media folder and a var/ folder (keys, cache)."""

    backend: str
    url: str
    name: str
    media: Path
    var: Path

    def manage(self, *args, env=None, expect=0) -> subprocess.CompletedProcess:
        environment = {
            **os.environ,
            "DATABASE_URL": self.url,
            "MEDIA_ROOT": str(self.media),
            "VAR_DIR": str(self.var),
            "CACHE_URL": "",  # the page cache in files under var/cache
            **(env or {}),
        }
        completed = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if expect is not None:
            assert completed.returncode == expect, (
                f"manage.py {' '.join(args)} exited {completed.returncode}, expected {expect}\n"
                f"{completed.stdout}\n{completed.stderr}"
            )
        return completed

    def rows(self) -> dict[str, list]:
        """Every row of every table (and the PostgreSQL sequences' positions), sorted."""
        if self.backend == "sqlite":
            path = self.url.removeprefix("sqlite:///")
            if not Path(path).exists():
                return {}
            with sqlite3.connect(path) as db:
                tables = [
                    name
                    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
                ]
                return {t: _sorted(db.execute(f'SELECT * FROM "{t}"')) for t in tables}
        db = _pg_connect(self.name)
        try:
            with db.cursor() as cursor:
                cursor.execute(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
                )
                result = {}
                for (table,) in cursor.fetchall():
                    cursor.execute(f'SELECT * FROM "{table}"')
                    result[table] = _sorted(cursor.fetchall())
                cursor.execute("SELECT sequencename, last_value FROM pg_sequences")
                sequences = _sorted(cursor.fetchall())
                if sequences:
                    result["(sequences)"] = sequences
                return result
        finally:
            db.close()

    def execute(self, *statements: str) -> None:
        if self.backend == "sqlite":
            with sqlite3.connect(self.url.removeprefix("sqlite:///")) as db:
                for statement in statements:
                    db.execute(statement)
            return
        db = _pg_connect(self.name)
        try:
            with db.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            db.close()

    def files(self) -> dict[str, str]:
        """The SHA-256 of every file under the media folder, by relative path."""
        if not self.media.exists():
            return {}
        return {
            path.relative_to(self.media).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in self.media.rglob("*")
            if path.is_file()
        }


def _sorted(rows) -> list:
    plain = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in rows]
    return sorted(plain, key=repr)


def _pg_connect(name: str):
    config = dj_database_url.parse(SUITE_URL)
    connection = psycopg2.connect(
        dbname=name,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
    )
    connection.autocommit = True
    return connection


class Scratch:
    """Fresh, empty databases of one backend, each with its own media folder; one var/ folder
    for all (the same personal-data keys, as on a server restored from its own backup)."""

    def __init__(self, backend: str, folder: Path):
        self.backend = backend
        self.folder = folder
        self.created: list[str] = []

    def site(self, role: str) -> Site:
        name = f"restore_test_{secrets.token_hex(4)}_{role}"
        if self.backend == "sqlite":
            url = f"sqlite:///{self.folder / name}.sqlite3"
        elif role == "broken":  # never created
            url = urlsplit(SUITE_URL)._replace(path=f"/{name}").geturl()
        else:
            admin = _pg_connect("postgres")
            try:
                with admin.cursor() as cursor:
                    cursor.execute(f'CREATE DATABASE "{name}"')
            finally:
                admin.close()
            self.created.append(name)
            url = urlsplit(SUITE_URL)._replace(path=f"/{name}").geturl()
        return Site(self.backend, url, name, self.folder / f"{name}-media", self.folder / "var")

    def drop_all(self) -> None:
        if not self.created:
            return
        admin = _pg_connect("postgres")
        try:
            with admin.cursor() as cursor:
                for name in self.created:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            admin.close()


@dataclasses.dataclass
class Snapshot:
    source: Site
    backup: Path
    scratch: Scratch


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    """The demo site, seeded once, and its backup."""
    scratch = Scratch(BACKEND, tmp_path_factory.mktemp(f"backup-{BACKEND}"))
    try:
        source = scratch.site("source")
        source.manage("migrate", "-v0")
        source.manage("shell", "-c", SEED)
        out = scratch.folder / "backups"
        printed = source.manage("backup", "-o", str(out)).stdout
        folders = list(out.iterdir())
        assert len(folders) == 1 and folders[0].name.startswith("backup-"), folders
        assert f"备份完成：{folders[0]}" in printed
        yield Snapshot(source=source, backup=folders[0], scratch=scratch)
    finally:
        scratch.drop_all()


def copy_of(snapshot: Snapshot, tmp_path: Path) -> Path:
    """A copy of the backup that a test may damage."""
    return Path(shutil.copytree(snapshot.backup, tmp_path / snapshot.backup.name))


def assert_refused(completed: subprocess.CompletedProcess, *phrases: str) -> None:
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "CommandError" in completed.stderr
    for phrase in phrases:
        assert phrase in completed.stderr, completed.stderr


def test_it_restores_every_row_and_every_file_into_a_fresh_site(snapshot):
    target = snapshot.scratch.site("target")
    target.manage("shell", "-c", "from django.core.cache import cache; cache.set('old', 1, None)")
    assert list((target.var / "cache").glob("*.djcache"))

    out = target.manage("restore", str(snapshot.backup)).stdout

    assert "恢复完成" in out
    source_rows, target_rows = snapshot.source.rows(), target.rows()
    assert {t: len(r) for t, r in target_rows.items()} == {
        t: len(r) for t, r in source_rows.items()
    }
    assert target_rows == source_rows
    assert len(source_rows["disclosure_disclosure"]) >= 31
    assert len(source_rows["reports_reportversion"]) == 1
    files = snapshot.source.files()
    assert ATTACHMENT in files and "reports/wzjgsw/2020/v1.pdf" in files
    assert target.files() == files
    # The page cache held pages of what the site showed before: cleared.
    assert not list((target.var / "cache").glob("*.djcache"))


def test_it_records_hashes_migrations_and_version_in_the_manifest(snapshot):
    manifest = json.loads((snapshot.backup / "manifest.json").read_text(encoding="utf-8"))
    files = {item["path"]: item["sha256"] for item in manifest["media"]}
    assert files == snapshot.source.files()
    dump = snapshot.backup / manifest["database"]["path"]
    assert manifest["database"]["sha256"] == hashlib.sha256(dump.read_bytes()).hexdigest()
    applied = snapshot.source.rows()["django_migrations"]
    recorded = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    assert recorded == {(row[1], row[2]) for row in applied}
    assert manifest["app"]["version"] and manifest["created_at"]
    assert set(manifest["key_fingerprints"]) == {"PERSONAL_DATA_KEYS", "PERSONAL_DATA_INDEX_KEY"}
    assert oct((snapshot.backup).stat().st_mode & 0o777) == oct(0o700)


def test_it_refuses_a_tampered_file_and_names_it(snapshot, tmp_path):
    backup = copy_of(snapshot, tmp_path)
    stored = backup / "media" / ATTACHMENT
    stored.write_bytes(stored.read_bytes().replace(b"%PDF", b"%PDx", 1))
    target = snapshot.scratch.site("target")

    assert_refused(target.manage("restore", "--check", str(backup), expect=None), ATTACHMENT)
    assert_refused(target.manage("restore", str(backup), expect=None), ATTACHMENT, "拒绝恢复")

    assert target.rows() == {} and target.files() == {}


def test_it_refuses_a_tampered_database_dump(snapshot, tmp_path):
    backup = copy_of(snapshot, tmp_path)
    dump = next(backup.glob("database.*"))
    with open(dump, "ab") as f:
        f.write(b"\0")
    target = snapshot.scratch.site("target")

    assert_refused(target.manage("restore", str(backup), expect=None), dump.name)

    assert target.rows() == {} and target.files() == {}


def test_it_refuses_a_non_empty_target_unless_forced(snapshot):
    target = snapshot.scratch.site("target")
    # A table the backup does not have, with one row: not empty (as a migrated database is:
    # django_migrations has rows), and after a forced restore it must be gone.
    target.execute("CREATE TABLE stray (note varchar(20))", "INSERT INTO stray VALUES ('旧数据')")
    assert_refused(target.manage("restore", str(snapshot.backup), expect=None), "数据库中已有数据")
    target.execute("DELETE FROM stray")  # an empty table is no data
    (target.media / "old").mkdir(parents=True)
    (target.media / "old" / "kept.txt").write_text("原有文件")
    assert_refused(target.manage("restore", str(snapshot.backup), expect=None), "已有文件")
    assert target.rows() == {"stray": []} and set(target.files()) == {"old/kept.txt"}
    target.execute("INSERT INTO stray VALUES ('旧数据')")

    out = target.manage("restore", "--force", str(snapshot.backup)).stdout

    assert target.rows() == snapshot.source.rows()
    assert target.files() == snapshot.source.files()
    aside = next(target.media.parent.glob(f"{target.media.name}.before-restore-*"))
    assert (aside / "old" / "kept.txt").read_text() == "原有文件"
    assert str(aside) in out


def test_it_refuses_a_backup_from_newer_code(snapshot, tmp_path):
    backup = copy_of(snapshot, tmp_path)
    path = backup / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["migrations"]["disclosure"].append("9999_from_the_future")
    path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    target = snapshot.scratch.site("target")

    assert_refused(
        target.manage("restore", str(backup), expect=None), "disclosure.9999_from_the_future"
    )
    assert target.rows() == {}


def test_it_refuses_a_manifest_path_outside_the_media_folder(snapshot, tmp_path):
    backup = copy_of(snapshot, tmp_path)
    (backup / "escape.txt").write_bytes(b"x")
    path = backup / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    sha256 = hashlib.sha256(b"x").hexdigest()
    manifest["media"].append({"path": "../escape.txt", "sha256": sha256, "size": 1})
    path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    target = snapshot.scratch.site("target")

    assert_refused(target.manage("restore", str(backup), expect=None), "../escape.txt")

    assert not (target.media.parent / "escape.txt").exists()
    assert target.rows() == {}


def test_it_refuses_other_personal_data_keys(snapshot):
    target = snapshot.scratch.site("target")
    other_key = {"PERSONAL_DATA_KEYS": base64.urlsafe_b64encode(bytes(range(32))).decode()}

    completed = target.manage("restore", str(snapshot.backup), env=other_key, expect=None)

    assert_refused(completed, "PERSONAL_DATA_KEYS")
    assert target.rows() == {}


def test_it_leaves_no_backup_folder_when_the_backup_fails(snapshot, tmp_path):
    site = snapshot.scratch.site("broken")  # a database that does not exist
    if site.backend == "sqlite":
        site.url = f"sqlite:///{tmp_path}/no-such-folder/db.sqlite3"
    out = tmp_path / "backups"

    completed = site.manage("backup", "-o", str(out), expect=None)

    assert_refused(completed, "数据库")
    assert list(out.iterdir()) == []


def test_it_refuses_to_write_a_backup_inside_the_media_folder(snapshot):
    inside = snapshot.source.media / "backups"

    completed = snapshot.source.manage("backup", "-o", str(inside), expect=None)

    assert_refused(completed, "存储文件夹")
    assert not inside.exists()


def test_it_keeps_the_newest_backups_and_never_a_partial_one(snapshot, tmp_path):
    out = tmp_path / "backups"
    out.mkdir()
    for name in ("backup-20240101-020000", "backup-20240102-020000"):
        (out / name).mkdir()
        (out / name / "manifest.json").write_text("{}")
    partial = out / ".backup-20240103-020000-x.partial"
    partial.mkdir()

    snapshot.source.manage("backup", "-o", str(out), "--keep", "2")

    names = sorted(p.name for p in out.iterdir())
    assert names[0] == partial.name
    assert names[1] == "backup-20240102-020000"
    assert len(names) == 3 and names[2].startswith("backup-2")


def test_it_verifies_the_published_files_after_restore(snapshot, tmp_path):
    """Issue 16 point 2's check, run on the restored site: it passes, and a tampered report PDF
    makes it fail naming the file."""
    target = snapshot.scratch.site("target")
    target.manage("restore", str(snapshot.backup))

    out = target.manage("verify_published").stdout
    assert "核对通过" in out and "年度报告 4 项" in out and "答复书 1 项" in out, out

    pdf = target.media / "reports/wzjgsw/2020/v1.pdf"
    pdf.write_bytes(pdf.read_bytes() + b"%")
    completed = target.manage("verify_published", expect=None)
    assert completed.returncode == 1
    assert "不一致：reports/wzjgsw/2020/v1.pdf" in completed.stderr, completed.stderr
