"""Writing a backup: the database dump, every stored file, then the manifest, in a hidden
temporary folder renamed into place at the end, so a folder named ``backup-…`` is complete."""

import dataclasses
import re
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from . import database, files
from .errors import OpsError
from .manifest import (
    MEDIA_FOLDER,
    NAME,
    Manifest,
    StoredFile,
    app_version,
    django_version,
    key_fingerprints,
    migration_state,
)

PREFIX = "backup-"
# What a finished backup folder is called: backup-YYYYmmdd-HHMMSS (local time, sorts by age).
FINISHED = re.compile(r"backup-\d{8}-\d{6}")


@dataclasses.dataclass(frozen=True)
class BackupResult:
    folder: Path
    manifest: Manifest
    skipped: list[str]  # entries under MEDIA_ROOT not copied: not regular files, or gone
    removed: list[Path]  # older backups deleted by the retention rule


def backup_create(*, output_dir: Path, keep: int | None = None) -> BackupResult:
    """Write a snapshot of the database and MEDIA_ROOT into a new folder under ``output_dir``.

    The database is dumped before the files are copied: the app never deletes or rewrites a
    stored file (a new upload gets a new name), so every file the dump refers to is in the copy.
    With ``keep``, only the newest ``keep`` finished backups in ``output_dir`` are kept, after
    this one has been written.
    """
    if keep is not None and keep < 1:
        raise OpsError("保留份数（--keep）至少为 1。")
    media_root = Path(settings.MEDIA_ROOT).resolve()
    if output_dir.resolve().is_relative_to(media_root):
        # Each backup would copy the ones before it, and the staff media view would serve them.
        raise OpsError(f"备份文件夹不能在存储文件夹 {media_root} 之内。")
    now = timezone.now()
    final = output_dir / f"{PREFIX}{timezone.localtime(now):%Y%m%d-%H%M%S}"
    if final.exists():
        raise OpsError(f"{final} 已存在：同一秒内不能写两份备份，请稍后再试。")
    output_dir.mkdir(parents=True, exist_ok=True)
    # mkdtemp: a new folder only its owner can enter (the dump holds personal data).
    work = Path(tempfile.mkdtemp(prefix=f".{final.name}-", suffix=".partial", dir=output_dir))
    try:
        manifest, skipped = _write(work, created_at=now.isoformat())
        work.rename(final)
    except DatabaseError as error:
        shutil.rmtree(work, ignore_errors=True)
        raise OpsError(f"无法读取数据库，未写备份：{error}") from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    removed = _prune(output_dir, keep) if keep else []
    return BackupResult(folder=final, manifest=manifest, skipped=skipped, removed=removed)


def _write(work: Path, *, created_at: str) -> tuple[Manifest, list[str]]:
    vendor = database.vendor()
    migrations = migration_state()
    if not migrations:
        # A wrong DATABASE_URL (a new, empty SQLite file) must not pass for a backup, least of
        # all with --keep, which would then delete the good ones.
        raise OpsError("数据库从未执行过迁移，没有可备份的数据：请检查 DATABASE_URL。")
    dump = work / database.DUMP_NAMES[vendor]
    database.dump(dump)
    if migration_state() != migrations:
        raise OpsError("备份期间数据库执行了迁移，备份作废：请在迁移完成后重新备份。")
    sha256, size = files.hash_file(dump)
    stored, skipped = _copy_media(Path(settings.MEDIA_ROOT), work / MEDIA_FOLDER)
    manifest = Manifest(
        created_at=created_at,
        app_version=app_version(),
        django_version=django_version(),
        database_vendor=vendor,
        database=StoredFile(path=dump.name, sha256=sha256, size=size),
        migrations=migrations,
        files=tuple(stored),
        keys=key_fingerprints(),
    )
    # Written last: a folder with a manifest has everything the manifest names.
    (work / NAME).write_text(manifest.to_json(), encoding="utf-8")
    (work / NAME).chmod(0o600)
    return manifest, skipped


def _copy_media(root: Path, dest_root: Path) -> tuple[list[StoredFile], list[str]]:
    found, skipped = files.stored_files(root)
    dest_root.mkdir(mode=0o700)
    stored = []
    for relative, path in found:
        dest = dest_root / relative
        dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            sha256, size = files.copy_hashed(path, dest, mode=0o600)
        except FileNotFoundError:  # removed by hand since it was listed: not in the backup
            skipped.append(relative)
            continue
        stored.append(StoredFile(path=relative, sha256=sha256, size=size))
    return stored, skipped


def finished_backups(output_dir: Path) -> list[Path]:
    """The finished backups in ``output_dir``, oldest first (a partial one is never listed)."""
    return sorted(
        path
        for path in output_dir.iterdir()
        if path.is_dir() and FINISHED.fullmatch(path.name) and (path / NAME).is_file()
    )


def _prune(output_dir: Path, keep: int) -> list[Path]:
    old = finished_backups(output_dir)[:-keep]
    for path in old:
        shutil.rmtree(path)
    return old
