"""Servers on loopback, started and stopped by the soak benchmark and the operations tests
(``tests/test_two_servers.py``, ``tests/test_database_faults.py``): gunicorn with this app,
a private Redis, a private PostgreSQL cluster in a temporary folder. Each listens on a free port
of its own and is stopped by its own process id (or ``pg_ctl stop``), never by name."""

from __future__ import annotations

import dataclasses
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclasses.dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def http_get(url: str, *, host: str | None = None, timeout: float = 30) -> Response:
    """GET without following redirects; a 4xx/5xx is a response, not an exception."""
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with _opener.open(request, timeout=timeout) as response:
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, error.headers, error.read()
    return Response(status, dict(headers.items()), raw.decode("utf-8", "replace"))


def _wait(ready, what: str, process: subprocess.Popen | None = None, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not ready():
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start within {timeout:.0f} s")
        time.sleep(0.2)


def _stop(process: subprocess.Popen | None, timeout: float = 20) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class RedisServer:
    """``redis-server`` on 127.0.0.1 and a free port, nothing written to disk (``--save ''``,
    no append-only file): what the page cache needs, and what a restart empties. ``stop()`` and
    ``start()`` again keep the port."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.folder = Path(tempfile.mkdtemp(prefix="ogi-redis-"))
        self.process: subprocess.Popen | None = None

    @staticmethod
    def binary() -> str | None:
        return shutil.which("redis-server")

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [self.binary() or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.folder),
             "--logfile", str(self.folder / "redis.log")],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        _wait(self.answers, "redis-server", self.process, timeout=20)
        return self

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        _stop(self.process)

    def __enter__(self) -> RedisServer:
        try:
            return self.start()
        except BaseException:
            self.__exit__()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class AppServer:
    """gunicorn serving this app on 127.0.0.1 and a free port, with the environment given on top
    of this process's (DEBUG off, static files from a temporary folder without a manifest: the
    pages are what is measured, not the assets). Its log goes to ``log``."""

    def __init__(self, env: dict[str, str], *, workers: int = 2, name: str = "app"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.folder = Path(tempfile.mkdtemp(prefix=f"ogi-{name}-"))
        self.log = self.folder / "gunicorn.log"
        self.env = {
            **os.environ,
            "DEBUG": "0",
            "STATIC_ROOT": str(self.folder / "static"),
            "STATIC_MANIFEST": "0",
            "LOG_LEVEL": "ERROR",
            **env,
        }
        (self.folder / "static").mkdir()
        self.process: subprocess.Popen | None = None

    def start(self) -> AppServer:
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [gunicorn, "disclosure.wsgi", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", str(self.workers), "--log-level", "warning"],
                cwd=settings.BASE_DIR, env=self.env, stdout=log, stderr=log,
            )  # fmt: skip
        try:
            _wait(self._listening, "gunicorn", self.process)
        except RuntimeError as error:
            self.stop()
            raise RuntimeError(f"{error}:\n{self.log_text()[-3000:]}") from None
        return self

    def _listening(self) -> bool:
        try:
            http_get(f"{self.url}/robots.txt", timeout=5)
            return True
        except OSError:
            return False

    def pids(self) -> list[int]:
        """The master and its workers (Linux /proc)."""
        if self.process is None:
            return []
        pids = [self.process.pid]
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    pids.append(int(entry))
        return pids

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        _stop(self.process)

    def __enter__(self) -> AppServer:
        try:
            return self.start()
        except BaseException:
            self.__exit__()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def postgres_binaries() -> Path | None:
    """The folder of the newest installed PostgreSQL server's ``initdb`` and ``pg_ctl``."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def postgres_unavailable() -> str | None:
    """Why a private PostgreSQL cluster cannot be started here, or ``None`` if it can."""
    if postgres_binaries() is None:
        return "the PostgreSQL server (initdb, pg_ctl) is not installed: apt-get install postgresql"
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root: the cluster runs as the postgres system user.
        if shutil.which("runuser") is None:
            return "running as root and runuser is missing: cannot start PostgreSQL as postgres"
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run PostgreSQL as"
    return None


class PostgresCluster:
    """A PostgreSQL cluster of its own in a temporary folder, on 127.0.0.1 and a free port, with
    trust authentication for the ``postgres`` role on loopback; as root it runs as the
    ``postgres`` system user (PostgreSQL refuses root). ``stop()`` is a fast shutdown, as the
    server's own restart does; ``start()`` again keeps the data and the port."""

    def __init__(self):
        self.port = free_port()
        self.bin = postgres_binaries()
        self.folder = Path(tempfile.mkdtemp(prefix="ogi-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self._as = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        subprocess.run(
            [*self._as, *args], cwd=self.folder, check=True, capture_output=True, timeout=120
        )

    def init(self) -> PostgresCluster:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
            "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        return self

    def start(self) -> None:
        options = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1"
            f" -c unix_socket_directories={self.folder} -c fsync=off -c full_page_writes=off"
        )
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def __enter__(self) -> PostgresCluster:
        try:
            self.init()
            self.start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.running():
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
