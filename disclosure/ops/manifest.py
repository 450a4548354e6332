"""The manifest of a backup (``manifest.json``): what the backup holds and how to check it.

It records the SHA-256 and size of the database dump and of every stored file, the migrations
applied to the database when it was dumped (per app), the app's version and the time.
"""

import dataclasses
import hashlib
import importlib.metadata
import json
from typing import Any

import django
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from .errors import OpsError

NAME = "manifest.json"
MEDIA_FOLDER = "media"  # the stored files, inside the backup folder
FORMAT = "ogi-backup"
FORMAT_VERSION = 1
PACKAGE = "ogi"  # the distribution name in pyproject.toml, for the app's version
# The settings holding the keys applicants' personal data is encrypted and hashed with
# (docs/personal-data.md). A backup records their fingerprints, never the keys: restored under
# other keys, the data could not be read.
KEY_SETTINGS = ("PERSONAL_DATA_KEYS", "PERSONAL_DATA_INDEX_KEY")


@dataclasses.dataclass(frozen=True)
class StoredFile:
    path: str  # relative to MEDIA_ROOT (and to the backup's media/ folder), POSIX separators
    sha256: str
    size: int


@dataclasses.dataclass(frozen=True)
class Manifest:
    created_at: str  # ISO 8601 with offset
    app_version: str
    django_version: str
    database_vendor: str  # connection.vendor: "postgresql" or "sqlite"
    database: StoredFile  # the dump, relative to the backup folder
    migrations: dict[str, list[str]]  # app label -> applied migration names, sorted
    files: tuple[StoredFile, ...]
    keys: dict[str, list[str]]  # key setting -> fingerprints of its keys (key_fingerprints)

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def to_json(self) -> str:
        document = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at,
            "app": {"name": PACKAGE, "version": self.app_version},
            "django_version": self.django_version,
            "database": {"vendor": self.database_vendor, **dataclasses.asdict(self.database)},
            "migrations": self.migrations,
            "media": [dataclasses.asdict(f) for f in self.files],
            "key_fingerprints": self.keys,
        }
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Manifest":
        """Parse a manifest; anything malformed is refused (``OpsError``), never half-read."""
        try:
            document = json.loads(text)
            if document.get("format") != FORMAT:
                raise ValueError("不是本系统的备份清单")
            if document.get("format_version") != FORMAT_VERSION:
                raise ValueError(f"不支持的清单版本 {document.get('format_version')!r}")
            database = document["database"]
            migrations = {
                str(app): [str(name) for name in names]
                for app, names in document["migrations"].items()
            }
            return cls(
                created_at=str(document["created_at"]),
                app_version=str(document["app"]["version"]),
                django_version=str(document["django_version"]),
                database_vendor=str(database["vendor"]),
                database=_stored_file(database),
                migrations=migrations,
                files=tuple(_stored_file(item) for item in document["media"]),
                keys={
                    str(name): [str(fingerprint) for fingerprint in fingerprints]
                    for name, fingerprints in document["key_fingerprints"].items()
                },
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise OpsError(f"{NAME} 无法读取或格式不对（{error}），拒绝恢复。") from None


def _stored_file(item: dict[str, Any]) -> StoredFile:
    sha256, size = item["sha256"], item["size"]
    if not isinstance(sha256, str) or len(sha256) != 64 or not isinstance(size, int):
        raise ValueError(f"文件条目不完整：{item.get('path')!r}")
    return StoredFile(path=str(item["path"]), sha256=sha256, size=size)


def app_version() -> str:
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return "未知"


def django_version() -> str:
    return django.get_version()


def migration_state() -> dict[str, list[str]]:
    """The migrations applied to the default database, per app (empty when never migrated)."""
    state: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        state.setdefault(app, []).append(name)
    return state


def unknown_migrations(state: dict[str, list[str]]) -> list[str]:
    """The applied migrations in ``state`` that this code does not have ("app.name"): a backup
    made by newer code. Migrations replaced by a squashed one still count as known."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces)
    return [
        f"{app}.{name}"
        for app, names in state.items()
        for name in names
        if (app, name) not in known
    ]


def pending_migrations() -> int:
    """How many of this code's migrations the default database has not applied (what
    ``migrate`` would run)."""
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def key_fingerprints() -> dict[str, list[str]]:
    """A short fingerprint of each key in ``KEY_SETTINGS`` (a one-way hash: it tells whether two
    keys are the same, nothing about the key)."""
    result = {}
    for name in KEY_SETTINGS:
        value = getattr(settings, name, None)
        if value:
            keys = [value] if isinstance(value, str) else list(value)
            result[name] = [_fingerprint(key) for key in keys]
    return result


def _fingerprint(key: str) -> str:
    return hashlib.sha256(f"ogi-backup-key-fingerprint:{key}".encode()).hexdigest()[:16]


def missing_keys(recorded: dict[str, list[str]]) -> list[str]:
    """The keys the backup's data was written with that this configuration lacks."""
    current = key_fingerprints()
    return [
        f"{name}（指纹 {fingerprint}）"
        for name, fingerprints in recorded.items()
        for fingerprint in fingerprints
        if fingerprint not in current.get(name, [])
    ]
