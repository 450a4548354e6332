"""Stored files: copying while hashing, listing MEDIA_ROOT, and paths a manifest may name."""

import datetime
import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from .errors import OpsError

CHUNK = 1024 * 1024


def hash_file(path: Path) -> tuple[str, int]:
    """The SHA-256 (hex) and size in bytes of a file."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as reader:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def copy_hashed(source: Path, dest: Path, *, mode: int = 0o666) -> tuple[str, int]:
    """Copy ``source`` to the new file ``dest`` (never over an existing one) and return the SHA-256
    and size of the bytes copied: hashing what was written, not a second read of the source, so a
    file that changes during the copy cannot be recorded with a hash it does not have."""
    digest = hashlib.sha256()
    size = 0
    with open(source, "rb") as reader:
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as writer:
            while chunk := reader.read(CHUNK):
                digest.update(chunk)
                writer.write(chunk)
                size += len(chunk)
    return digest.hexdigest(), size


def stored_files(root: Path) -> tuple[list[tuple[str, Path]], list[str]]:
    """The regular files under ``root`` as (relative POSIX path, path), sorted, and the relative
    paths of what was left out (symbolic links, sockets, FIFOs): the storage never writes those."""
    found: list[tuple[str, Path]] = []
    skipped: list[str] = []
    if not root.is_dir():
        return found, skipped
    for folder, dirnames, filenames in os.walk(root):
        dirnames.sort()
        base = Path(folder)
        for dirname in list(dirnames):
            if (base / dirname).is_symlink():
                dirnames.remove(dirname)
                skipped.append((base / dirname).relative_to(root).as_posix())
        for filename in sorted(filenames):
            path = base / filename
            relative = path.relative_to(root).as_posix()
            if path.is_symlink() or not path.is_file():
                skipped.append(relative)
            else:
                found.append((relative, path))
    return found, skipped


def is_empty_folder(root: Path) -> bool:
    """True when ``root`` is missing or holds no file (empty sub-folders do not count)."""
    return not any(_entries(root))


def _entries(root: Path) -> Iterator[str]:
    if not root.is_dir():
        return
    for _folder, _dirnames, filenames in os.walk(root):
        yield from filenames


def safe_relative(name: str) -> PurePosixPath:
    """A manifest's file name as a path that stays inside the folder it is joined to: relative,
    without ``..``. A manifest is data read from disk; it must not write outside MEDIA_ROOT."""
    path = PurePosixPath(name)
    if not name or "\\" in name or "\x00" in name or path.is_absolute() or ".." in path.parts:
        raise OpsError(f"manifest.json 中的文件路径不安全，拒绝恢复：{name!r}")
    return path


def move_aside(root: Path) -> Path:
    """Move everything inside ``root`` into a new sibling folder ``<root>.before-restore-<time>``
    and return it; ``root`` itself stays (it may be a mount point)."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = root.with_name(f"{root.name}.before-restore-{stamp}")
    aside.mkdir(mode=0o700)
    for entry in sorted(root.iterdir()):
        shutil.move(entry, aside / entry.name)
    return aside
