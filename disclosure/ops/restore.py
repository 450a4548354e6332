"""Restoring a backup: check everything first, then the database, then the stored files."""

import dataclasses
import os
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError

from . import database, files
from .errors import OpsError
from .manifest import (
    MEDIA_FOLDER,
    NAME,
    Manifest,
    StoredFile,
    missing_keys,
    pending_migrations,
    unknown_migrations,
)

# How many problem files a refusal names before it only counts the rest.
NAMED_PROBLEMS = 20


@dataclasses.dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    moved_aside: Path | None  # where the files MEDIA_ROOT held before went (--force)
    pending_migrations: int  # this code's migrations the restored database lacks
    cache_error: str  # "" when the page cache was cleared


def restore_check(*, source: Path) -> Manifest:
    """Read the backup in ``source`` and check it completely before anything is written: the
    manifest, the SHA-256 and size of the dump and of every file, the database vendor, that
    this code knows every migration the backup's database had applied, and that the keys of the
    personal data are configured."""
    manifest_path = source / NAME
    if not manifest_path.is_file():
        raise OpsError(
            f"{source} 中没有 {NAME}：不是一份完成的备份。"
            "请指定 backup 命令新建的文件夹（如 …/backup-20250101-020000）。"
        )
    manifest = Manifest.from_json(manifest_path.read_text(encoding="utf-8"))
    vendor = database.vendor()
    if manifest.database_vendor != vendor:
        raise OpsError(
            f"备份的数据库是 {manifest.database_vendor}，当前配置的是 {vendor}：不能跨数据库恢复。"
        )
    problems = _check_file(source, manifest.database)
    for stored in manifest.files:
        problems += _check_file(source / MEDIA_FOLDER, stored)
    if problems:
        named = "；".join(problems[:NAMED_PROBLEMS])
        rest = len(problems) - NAMED_PROBLEMS
        more = f"；另有 {rest} 个" if rest > 0 else ""
        raise OpsError(f"备份校验不通过，拒绝恢复：{named}{more}。")
    unknown = unknown_migrations(manifest.migrations)
    if unknown:
        raise OpsError(
            f"备份来自更新版本的程序：当前代码没有这些数据库迁移 {', '.join(unknown)}。"
            f"请先部署与备份同版本（{manifest.app_version}）或更新的程序，再恢复。"
        )
    missing = missing_keys(manifest.keys)
    if missing:
        raise OpsError(
            f"当前配置缺少备份时的个人信息密钥：{'、'.join(missing)}。"
            "用这些密钥加密的身份证号、电话恢复后将无法读取：请先配置备份时的密钥"
            "（环境变量或 var/ 中的密钥文件，见 docs/operations.md），再恢复。"
        )
    return manifest


def _check_file(folder: Path, stored: StoredFile) -> list[str]:
    path = folder / files.safe_relative(stored.path)
    if not path.is_file():
        return [f"缺少文件 {stored.path}"]
    sha256, size = files.hash_file(path)
    if (sha256, size) != (stored.sha256, stored.size):
        return [f"文件 {stored.path} 与清单不符（SHA-256 或大小不同）"]
    return []


def restore_run(*, source: Path, force: bool = False) -> RestoreResult:
    """Restore the backup in ``source`` into the default database and MEDIA_ROOT.

    Refused unless the database is empty (no table holds a row: created, never migrated) and
    MEDIA_ROOT holds no file; with ``force`` the database is replaced as a whole and the files
    MEDIA_ROOT held are moved to a sibling folder, never deleted. The page cache is cleared, so
    no page of the replaced data is served.
    """
    manifest = restore_check(source=source)
    media_root = Path(settings.MEDIA_ROOT)
    media_empty = files.is_empty_folder(media_root)
    not_empty = []
    try:
        database_empty = database.is_empty()
    except DatabaseError as error:
        raise OpsError(f"无法连接恢复目标数据库：{error}") from None
    if not database_empty:
        not_empty.append("数据库中已有数据")
    if not media_empty:
        not_empty.append(f"文件夹 {media_root} 中已有文件")
    if not_empty and not force:
        raise OpsError(
            f"恢复目标不是空的（{'；'.join(not_empty)}），拒绝恢复。"
            "请恢复到新建的空数据库和空文件夹；确要整体替换现有数据时加 --force"
            "（先为现有数据做一次备份）。"
        )
    database.load(source / manifest.database.path)
    moved_aside = None if media_empty else files.move_aside(media_root)
    _copy_media(source / MEDIA_FOLDER, media_root, manifest.files)
    return RestoreResult(
        manifest=manifest,
        moved_aside=moved_aside,
        pending_migrations=pending_migrations(),
        cache_error=_clear_cache(),
    )


def _copy_media(backup_root: Path, media_root: Path, stored_files: tuple[StoredFile, ...]):
    media_root.mkdir(parents=True, exist_ok=True)
    for stored in stored_files:
        relative = files.safe_relative(stored.path)
        dest = media_root / relative
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(f".{dest.name}.restoring")
        # Hashed again while copying: the file may have changed since restore_check read it.
        sha256, size = files.copy_hashed(backup_root / relative, partial)
        if (sha256, size) != (stored.sha256, stored.size):
            partial.unlink()
            raise OpsError(
                f"文件 {stored.path} 在恢复过程中变化，与清单不符：数据库已恢复，文件未全部恢复。"
                "请检查备份后用 --force 重新恢复。"
            )
        os.replace(partial, dest)


def _clear_cache() -> str:
    """Clear the default cache (the public page cache): its pages show the data before."""
    try:
        caches["default"].clear()
    except Exception as error:  # any backend's failure (Redis down, a read-only folder)
        return f"{type(error).__name__}: {error}"
    return ""
