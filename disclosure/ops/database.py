"""The database half of a backup: dump, emptiness, load. SQLite and PostgreSQL.

SQLite is copied page by page with the online backup API (``sqlite3.Connection.backup``), which
gives a consistent copy while the app keeps writing. PostgreSQL is dumped with ``pg_dump
--format=custom`` (one snapshot) and loaded with ``pg_restore`` piped into one ``psql``
transaction, so a restore that fails leaves the target as it was. The client tools must be of the
server's major version or newer (Debian: ``postgresql-client-15`` for a server 15).
"""

import os
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

from django.db import connection, connections
from django.db.backends.postgresql.client import DatabaseClient

from .errors import OpsError

DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
# The stderr lines of pg_dump, pg_restore and psql that may quote rows (a COPY line in CONTEXT,
# key values in DETAIL): never shown, since the rows hold applicants' personal data.
_ROW_BEARING = ("DETAIL:", "CONTEXT:", "LINE ", "HINT:", "QUERY:")
# A restore waits this long for a lock (an app server still connected) before it gives up.
LOCK_TIMEOUT = "30s"


def vendor() -> str:
    """The default database's vendor, if backups support it."""
    if connection.vendor not in DUMP_NAMES:
        raise OpsError(f"不支持备份 {connection.vendor} 数据库：只支持 PostgreSQL 和 SQLite。")
    return connection.vendor


def dump(dest: Path) -> None:
    """Write a consistent copy of the default database to the new file ``dest``."""
    if vendor() == "sqlite":
        _sqlite_copy(_sqlite_uri(_sqlite_path()), str(dest))
    else:
        _run(["pg_dump", "--format=custom", f"--file={dest}"], what="pg_dump")
    dest.chmod(0o600)


def is_empty() -> bool:
    """True when no table of the default database holds a row: a database just created
    (``createdb``, or no SQLite file yet), never migrated. A migrated one is not empty."""
    tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
            if cursor.fetchone():
                return False
    return True


def load(source: Path) -> None:
    """Replace the default database's whole content with the dump ``source``."""
    if vendor() == "sqlite":
        target = _sqlite_path()
        connections.close_all()
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        # The backup API overwrites every page of the target in one transaction: the result is
        # the dump exactly, whatever the target held before.
        _sqlite_copy(_sqlite_uri(str(source)), target)
    else:
        _pg_load(source)


def _sqlite_path() -> str:
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        raise OpsError("SQLite 数据库在内存中，无法备份或恢复：请在 DATABASE_URL 中指定文件。")
    return name


def _sqlite_uri(path: str) -> str:
    if not Path(path).is_file():
        raise OpsError(f"找不到 SQLite 数据库文件：{path}")
    return f"file:{quote(path)}?mode=ro"


def _sqlite_copy(source_uri: str, target: str) -> None:
    try:
        source = sqlite3.connect(source_uri, uri=True)
        try:
            destination = sqlite3.connect(target)
            try:
                source.backup(destination)
            finally:
                destination.close()
        finally:
            source.close()
    except sqlite3.Error as error:
        raise OpsError(f"SQLite 复制失败：{error}") from None


def _pg_table_drop_sql() -> str:
    """One statement dropping every table the restore will replace (those of an earlier or newer
    version of the app too, which the dump would not drop), or "" when there are none."""
    tables = connection.introspection.table_names()
    if not tables:
        return ""
    names = ", ".join(connection.ops.quote_name(table) for table in tables)
    return f"DROP TABLE IF EXISTS {names} CASCADE"


def _pg_load(source: Path) -> None:
    drop = _pg_table_drop_sql()
    connections.close_all()
    # pg_restore writes SQL (with --clean: a DROP ... IF EXISTS before each object it creates,
    # e.g. the search functions), psql runs the table drops and that SQL in ONE transaction.
    restore = ["pg_restore", "--no-owner", "--no-privileges", "--clean", "--if-exists", "-f", "-"]
    psql = ["psql", "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction"]
    psql += [f"--command={drop}"] if drop else []
    psql += ["--file=-"]
    env = _pg_env()
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c lock_timeout={LOCK_TIMEOUT}".strip()
    with tempfile.TemporaryFile() as restore_errors:
        try:
            producer = subprocess.Popen(
                [*restore, str(source)], stdout=subprocess.PIPE, stderr=restore_errors, env=env
            )
        except FileNotFoundError:
            raise OpsError(_missing("pg_restore")) from None
        try:
            consumer = subprocess.Popen(
                psql,
                stdin=producer.stdout,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
            )
        except FileNotFoundError:
            producer.kill()
            producer.wait()
            raise OpsError(_missing("psql")) from None
        finally:
            producer.stdout.close()  # psql holds the pipe now; pg_restore stops if psql stops
        _, psql_errors = consumer.communicate()
        producer.wait()
        restore_errors.seek(0)
        restore_stderr = restore_errors.read().decode(errors="replace")
    # psql first: when it stops on an error, pg_restore then fails too, on the broken pipe.
    if consumer.returncode != 0:
        summary = _summary(psql_errors.decode(errors="replace"))
        raise OpsError(f"psql 载入失败，事务已回滚，数据库未改动：{summary}")
    if producer.returncode != 0:
        raise OpsError(f"pg_restore 失败，数据库未改动：{_summary(restore_stderr)}")


def _pg_env() -> dict[str, str]:
    """libpq's environment for the default database: the password never on a command line."""
    settings = connection.settings_dict
    _args, client_env = DatabaseClient.settings_to_cmd_args_env(settings, [])
    env = {**os.environ, **(client_env or {})}
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")):
        if settings.get(key):
            env[variable] = str(settings[key])
    if settings.get("NAME"):
        env["PGDATABASE"] = str(settings["NAME"])
    return env


def _run(command: list[str], *, what: str) -> None:
    try:
        completed = subprocess.run(command, env=_pg_env(), capture_output=True, text=True)
    except FileNotFoundError:
        raise OpsError(_missing(command[0])) from None
    if completed.returncode != 0:
        raise OpsError(f"{what} 失败：{_summary(completed.stderr)}")


def _missing(program: str) -> str:
    return (
        f"找不到 {program}：请安装与数据库服务器同一主版本的 PostgreSQL 客户端"
        "（Debian：apt-get install postgresql-client）。"
    )


def _summary(stderr: str) -> str:
    """The error lines of a PostgreSQL tool, without the lines that can quote row data."""
    lines = [
        line.strip()
        for line in stderr.splitlines()
        if line.strip() and not any(marker in line for marker in _ROW_BEARING)
    ]
    return "；".join(lines[-5:]) or "（无错误输出）"
