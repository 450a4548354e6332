"""Several app servers (issue 16 point 3): two gunicorn servers on loopback share one PostgreSQL
database and one Redis, as the README's deployment behind a load balancer. A page rendered by
one is served from the cache by the other; a withdrawal retires its pages on both at once; with
Redis stopped, pages are rendered from the database and a write that must retire pages fails
cleanly (``PublicCacheUnwritable``, rolled back); with Redis back, both cache again; a Redis that
stops answering costs a page about a second (socket timeouts), not a hung worker.

The writes go through the services in a ``manage.py shell`` with the servers' settings (an
operator's or an importer's write; the admin's actions call the same services and the same
``CacheFailureMiddleware`` message is tested in ``tests/test_public_cache.py``).

Needs PostgreSQL (a scratch database ``two_servers_<random>`` created on the suite's server,
migrated and dropped — never the suite's own database) and ``redis-server`` (started on a free
port of its own, nothing saved to disk). It runs in the PostgreSQL pass of ``bin/test``."""

import importlib.util
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import dj_database_url
import psycopg2
import pytest
from django.conf import settings

from disclosure.devtools.servers import AppServer, RedisServer, http_get

SUITE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRESQL = SUITE_URL.startswith(("postgres://", "postgresql://"))
HOST = "gk.example.gov.cn"  # what the load balancer passes on to every server
AGENCY = "two"
UNWRITABLE = "保存失败：公开网站的页面缓存无法写入，本次修改已撤销、没有保存。"

pytestmark = [
    pytest.mark.skipif(
        not ON_POSTGRESQL,
        reason="needs PostgreSQL shared by two servers: runs in the PostgreSQL pass of bin/test",
    ),
    pytest.mark.skipif(
        RedisServer.binary() is None, reason="redis-server is not installed (bin/setup installs it)"
    ),
    pytest.mark.skipif(
        importlib.util.find_spec("redis") is None,
        reason="the redis client is not installed: pip install -e '.[redis]' (bin/setup does)",
    ),
]

SEED = """
import datetime, json
from django.contrib.auth import get_user_model
from disclosure.models import Category, Disclosure
from disclosure.records import services
agency, _ = services.agency_add(code="two", name="双服务器测试局")
root = get_user_model().objects.create_superuser("root")
ids = []
for n in range(4):
    item = Disclosure(
        agency=agency, category=Category.objects.get(slug="notice"), title=f"双服务器测试信息{n}号"
    )
    services.disclosure_save(disclosure=item)
    services.disclosure_publish(
        disclosure=item, user=root, published_on=datetime.date(2024, 3, 1) + datetime.timedelta(n)
    )
    ids.append(item.pk)
print(json.dumps(ids))
"""

WITHDRAW = """
from django.contrib.auth import get_user_model
from disclosure.models import Disclosure
from disclosure.public.pagecache import PublicCacheUnwritable
from disclosure.records import services
item = Disclosure.objects.get(pk={pk})
try:
    root = get_user_model().objects.get(username="root")
    services.disclosure_withdraw(disclosure=item, user=root)
except PublicCacheUnwritable as error:
    print(error)
    raise SystemExit(3)
print("withdrawn")
"""


def _admin_connection():
    config = dj_database_url.parse(SUITE_URL)
    connection = psycopg2.connect(
        dbname="postgres",
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
    )
    connection.autocommit = True
    return connection


class Site:
    def __init__(self, env, redis, servers, ids):
        self.env, self.redis, self.ids = env, redis, ids
        self.a, self.b = servers

    def shell(self, code: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=settings.BASE_DIR,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=120,
        )

    def withdraw(self, pk: int) -> subprocess.CompletedProcess:
        return self.shell(WITHDRAW.format(pk=pk))


def page(server, path):
    response = http_get(f"{server.url}{path}", host=HOST)
    assert response.status < 500, server.log_text()[-3000:]
    return response


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two-servers")
    name = f"two_servers_{secrets.token_hex(4)}"
    admin = _admin_connection()
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        with RedisServer() as redis:
            env = {
                "DATABASE_URL": urlsplit(SUITE_URL)._replace(path=f"/{name}").geturl(),
                "CACHE_URL": redis.url,
                "VAR_DIR": str(folder / "var"),  # one set of keys, as servers deployed alike
                "MEDIA_ROOT": str(folder / "media"),
                "ALLOWED_HOSTS": f"{HOST},127.0.0.1",
            }
            run = {"cwd": settings.BASE_DIR, "env": {**os.environ, **env}, "timeout": 300}
            subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], check=True, **run)
            seeded = subprocess.run(
                [sys.executable, "manage.py", "shell", "-c", SEED],
                check=True,
                capture_output=True,
                text=True,
                **run,
            )
            ids = json.loads(seeded.stdout.strip().splitlines()[-1])
            with AppServer(env, name="server-a") as a, AppServer(env, name="server-b") as b:
                yield Site(env, redis, (a, b), ids)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_it_retires_a_withdrawn_page_on_the_other_server_at_once(site):
    item = f"/{AGENCY}/items/{site.ids[0]}/"
    listing = f"/{AGENCY}/items/"
    first = page(site.a, item)
    assert first.status == 200 and "双服务器测试信息0号" in first.body
    assert first.headers["X-Page-Cache"] == "MISS"
    # Rendered by A, stored in the shared Redis, served by B.
    assert page(site.b, item).headers["X-Page-Cache"] == "HIT"
    page(site.a, listing)
    assert page(site.b, listing).headers["X-Page-Cache"] == "HIT"

    done = site.withdraw(site.ids[0])
    assert done.returncode == 0 and "withdrawn" in done.stdout, done.stderr

    assert page(site.b, item).status == 404
    assert page(site.a, item).status == 404
    listed = page(site.b, listing)
    assert listed.status == 200 and "双服务器测试信息1号" in listed.body
    assert "双服务器测试信息0号" not in listed.body


def test_it_renders_from_the_database_and_refuses_writes_while_redis_is_down(site):
    item = f"/{AGENCY}/items/{site.ids[1]}/"
    assert page(site.a, item).status == 200
    assert page(site.b, item).headers["X-Page-Cache"] == "HIT"

    site.redis.stop()
    try:
        pages = [page(server, item) for server in (site.a, site.b, site.a)]
        health = http_get(f"{site.a.url}/healthz", host=HOST)
        refused = site.withdraw(site.ids[1])
        after_refusal = [page(server, item) for server in (site.a, site.b)]
    finally:
        site.redis.start()

    assert [p.status for p in pages] == [200, 200, 200]
    assert all(p.headers.get("X-Page-Cache") != "HIT" for p in pages)  # from the database
    assert all("双服务器测试信息1号" in p.body for p in pages)
    assert health.status == 503 and json.loads(health.body)["cache"] == "error"
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert UNWRITABLE in refused.stdout
    # The withdrawal was rolled back: the item is still published, on both servers.
    assert [p.status for p in after_refusal] == [200, 200]

    # Redis is back (empty): both servers cache again, and the write goes through.
    assert page(site.a, item).headers["X-Page-Cache"] == "MISS"
    assert page(site.b, item).headers["X-Page-Cache"] == "HIT"
    assert site.withdraw(site.ids[1]).returncode == 0
    assert [page(server, item).status for server in (site.a, site.b)] == [404, 404]


def test_it_gives_up_on_a_redis_that_does_not_answer(site, tmp_path):
    """A Redis behind a network fault: the connection is accepted (by the kernel's backlog) and
    nothing ever answers. The page is rendered from the database after the 1-s socket timeout
    of the settings; redis-py's own default is 5 s per command (before redis-py 6: none, the
    worker waits until gunicorn kills it)."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        port = silent.getsockname()[1]
        env = {**site.env, "CACHE_URL": f"redis://127.0.0.1:{port}/0"}
        with AppServer(env, workers=1, name="server-c") as c:
            started = time.monotonic()
            response = http_get(f"{c.url}/{AGENCY}/items/{site.ids[2]}/", host=HOST, timeout=60)
            elapsed = time.monotonic() - started

    assert response.status == 200, c.log_text()[-3000:]
    assert "双服务器测试信息2号" in response.body
    # Given up after 1 s (settings: socket timeouts), not redis-py's default of 5 s per command.
    assert elapsed < 4, elapsed
